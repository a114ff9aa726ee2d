"""`registry verify TOKEN|@FILE`: a token or a Data Integrity document, against local keys, a
JWKS, or a registry over https."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry.cli.common import UsageError, current_settings
from registry.cli.keys import keystore
from registry.verification.remote import (
    MAX_FETCH,
    FallbackStatusSource,
    HttpStatusSource,
    RemoteRefused,
    load_jwks,
    trust_anchor_url,
)


def _read_token(arg: str) -> str:
    if arg.startswith("@"):
        path = Path(arg[1:])
        try:
            return path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc}") from exc
    return arg.strip()


def _remote_trust(args: argparse.Namespace) -> tuple[Any, str | None, Any] | None:
    """The keys, trusted issuer and status source of --jwks or --issuer; None for neither."""
    try:
        if args.jwks:
            # --issuer beside --jwks only names the issuer to trust: nothing is fetched from it.
            issuer = args.issuer.rstrip("/") if args.issuer else None
            return load_jwks(args.jwks), issuer, HttpStatusSource()
        if args.issuer:
            issuer = trust_anchor_url(args.issuer.rstrip("/"))
            return load_jwks(f"{issuer}/.well-known/jwks.json"), issuer, HttpStatusSource()
    except RemoteRefused as exc:
        raise UsageError(str(exc)) from exc
    return None


def cmd_verify(args: argparse.Namespace) -> int:
    from registry.verification.core import verify

    token = _read_token(args.token)
    issuer: str | None = None
    courses: frozenset[str] | None = None
    remote = _remote_trust(args)
    if remote is not None:
        keys, issuer, source = remote
    else:
        from sqlalchemy.exc import SQLAlchemyError

        from registry.credentials.service import Issuer
        from registry.db import make_engine
        from registry.verification.live import LiveStatus
        from registry.verification.service import Verifier

        settings = current_settings()
        store = keystore()
        keys = store.trusted()
        issuer = settings.public_url
        own = Issuer(public_url=settings.public_url, name=settings.issuer_name, keys=store)
        engine = make_engine(settings.database_url)
        live = LiveStatus(engine, own.publisher(), own.di_publisher())
        source = FallbackStatusSource(live, HttpStatusSource())
        try:
            live.refresh()
            courses = Verifier(engine, own, live).courses()
        except SQLAlchemyError:
            courses = None  # no database at hand: the course URL pattern of our own origin
    # Without the database (--jwks, --issuer) the courses are those the trusted issuer's own
    # URL names, {issuer URL}/courses/{code}: the list of courses is not public, the pattern is.
    status = None if args.no_status else source
    if token.startswith("{"):
        verdict = _verify_document(token, keys, status, issuer, courses)
    else:
        verdict = verify(
            token,
            keys,
            status,
            datetime.now(UTC),
            issuer=issuer,
            courses=courses,
            check_status=status is not None,
        )
    print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    return 0 if verdict.verdict == "valid" else 1


def _verify_document(text: str, keys: Any, status: Any, issuer: str | None, courses: Any) -> Any:
    """A credential in its Data Integrity form (a JSON file), issued by the DID of `issuer`,
    or, trusting the keys alone, by the DID its proof names."""
    from registry.verification.dataintegrity import parse, refused, verify_document

    now = datetime.now(UTC)
    if len(text) > MAX_FETCH:
        return refused(f"the file is over {MAX_FETCH} bytes", now)
    try:
        document = parse(text)
    except ValueError as exc:
        return refused(str(exc), now)
    return verify_document(
        document,
        keys,
        status,
        now,
        issuer=issuer,
        courses=courses,
        check_status=status is not None,
    )

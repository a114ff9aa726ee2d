"""The `registry` command: database, users, keys, verification and the server."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_FETCH = 20 * 1024 * 1024


class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2."""


def _settings() -> Any:
    from registry.settings import get_settings

    return get_settings()


# ---- db -----------------------------------------------------------------------------------


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.action == "upgrade":
        upgrade_database(settings.database_url)
        print("database is up to date")
    return 0


# ---- users --------------------------------------------------------------------------------


def open_database() -> Any:
    """The configured database's engine, for commands that read or change records.

    A SQLite file that does not exist is refused in one line (exit 2): opening it would make an
    empty database in its place and fail later with a missing table. `db upgrade` (and
    `scripts/serve`, which runs it) makes it; `restore` writes it from a backup."""
    from sqlalchemy.engine import make_url

    from registry.db import make_engine

    url = _settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database))
        if not path.is_file():
            configured = "REGISTRY_DATABASE_URL" in os.environ
            raise UsageError(
                f"no database at {path}"
                + ("" if configured else " (REGISTRY_DATABASE_URL is not set)")
                + ": run `registry db upgrade` (or scripts/serve) to create it"
            )
    return make_engine(url)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError("no password on standard input")
    return password


def _as_admin(work: Any) -> Any:
    """Runs `work(session)` in one transaction as the command line (an admin)."""
    from sqlalchemy.exc import OperationalError

    from registry.db import unit_of_work
    from registry.errors import RegistryError

    engine = open_database()
    try:
        with unit_of_work(engine) as session:
            return work(session)
    except RegistryError as exc:
        raise UsageError(exc.detail) from exc
    except OperationalError as exc:
        # Unreachable, or not migrated ("no such table"): the driver's first line says which.
        reason = str(exc.orig or exc).strip().splitlines()
        raise UsageError(f"cannot use the database: {reason[0] if reason else exc}") from exc
    finally:
        engine.dispose()


def cmd_user_create(args: argparse.Namespace) -> int:
    from registry.accounts.service import create_user, issue_token
    from registry.actors import SYSTEM

    password = _read_password() if args.password_stdin else None

    def work(session: Any) -> str:
        user = create_user(
            session,
            SYSTEM,
            username=args.name,
            role=args.role,
            region_code=args.region,
            password=password,
        )
        return str(issue_token(session, SYSTEM, user))

    token = _as_admin(work)
    region = f" in region {args.region.upper()}" if args.region and args.role != "admin" else ""
    print(f"created {args.role} {args.name}{region}")
    print("API token (shown once; store it safely):")
    print(token)
    return 0


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def cmd_user_list(args: argparse.Namespace) -> int:
    from registry.accounts.service import list_users
    from registry.actors import SYSTEM

    users = _as_admin(lambda session: list_users(session, SYSTEM))
    for u in users:
        state = "DISABLED" if u.disabled else "active"
        print(
            f"{u.username:24}  {u.role:11}  {u.region or '-':8}  {state:8}  "
            f"last sign-in {_when(u.last_sign_in)}"
        )
    if not users:
        print("no users yet: `registry user create NAME --role admin --password-stdin`")
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    """disable, enable, reset-password, revoke-token and end-sessions: one account, audited."""
    import uuid

    from registry.accounts import service
    from registry.actors import SYSTEM

    token_id = None
    if args.action == "revoke-token":
        if args.all == bool(args.token_id):
            raise UsageError("give a token id (see `registry user tokens NAME`) or --all")
        if args.token_id:
            try:
                token_id = uuid.UUID(args.token_id)
            except ValueError:
                raise UsageError(f"{args.token_id!r} is not a token id") from None
    password = _read_password() if args.action == "reset-password" else None

    def work(session: Any) -> str:
        actor = SYSTEM
        user = service.find_user(session, actor, name=args.name)
        if args.action in ("disable", "enable"):
            service.set_disabled(session, actor, user, args.action == "disable")
            if args.action == "disable":
                return f"disabled {user.username}: its API tokens and sessions no longer work"
            return f"enabled {user.username}"
        if args.action == "reset-password":
            assert password is not None  # noqa: S101 - read above for this action
            service.reset_password(session, actor, user, password)
            return f"new password set for {user.username}; its console sessions were ended"
        if args.action == "revoke-token":
            n = service.revoke_tokens(session, actor, user, token_id)
            return f"revoked {n} API token{'s' if n != 1 else ''} of {user.username}"
        n = service.end_sessions(session, actor, user)
        return f"ended {n} console session{'s' if n != 1 else ''} of {user.username}"

    print(_as_admin(work))
    if args.action in ("reset-password", "enable"):
        _lift_lockouts(args.name)
    return 0


def _lift_lockouts(name: str) -> None:
    """Ends the account's sign-in lockouts where they are shared (Redis); a worker's own
    memory forgets them when their window ends."""
    import asyncio

    from registry.web.throttle import RedisCounter, SignInThrottle

    settings = _settings()
    if settings.redis_url:
        counter = RedisCounter(settings.redis_url)

        async def lift() -> None:
            try:
                await SignInThrottle(counter, 0).lift(name)
            finally:
                await counter.close()

        asyncio.run(lift())


def cmd_user_tokens(args: argparse.Namespace) -> int:
    from registry.accounts import service
    from registry.actors import SYSTEM

    def work(session: Any) -> list[Any]:
        user = service.find_user(session, SYSTEM, name=args.name)
        return service.list_tokens(session, SYSTEM, user)

    tokens = _as_admin(work)
    for t in tokens:
        state = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
        print(f"{t.id}  created {_when(t.created_at)}  {state}")
    if not tokens:
        print(f"{args.name} has no API tokens")
    return 0


# ---- keys ---------------------------------------------------------------------------------


def _keystore() -> Any:
    from registry.vc.keystore import KeyStore

    settings = _settings()
    return KeyStore(settings.keys_dir, settings.keys_passphrase)


def _print_key(info: Any) -> None:
    dev = " (development)" if info.development else ""
    print(f"{info.kid}  {info.alg:6}  {info.state:11}  {info.created_at}{dev}")


def _thumbprint_of(kid: str) -> str:
    """A key as the store names it (its thumbprint), given that or its DID URL, as credentials,
    the JWKS and the DID document name it."""
    if not kid.startswith("did:"):
        return kid
    from registry.vc.did import did_web

    did, _, thumbprint = kid.partition("#")
    ours = did_web(_settings().public_url)
    if did != ours or not thumbprint:
        raise UsageError(f"{kid} is not a key of this registry's DID {ours}")
    return thumbprint


def cmd_keys(args: argparse.Namespace) -> int:
    from registry.vc.keystore import KeyStoreError

    store = _keystore()
    try:
        if args.action == "list":
            for info in store.list():
                _print_key(info)
        elif args.action == "generate":
            _print_key(store.generate(args.alg, development=args.development))
        elif args.action == "rotate":
            _print_key(store.rotate(args.alg))
        elif args.action == "retire":
            _print_key(store.retire(_thumbprint_of(args.kid)))
        elif args.action == "compromise":
            _print_key(store.compromise(_thumbprint_of(args.kid)))
        elif args.action == "ensure-dev" and not store.has_active():
            info = store.generate("EdDSA", development=True)
            bar = "!" * 72
            print(
                f"{bar}\n  No signing key was found in {store.directory}: made a DEVELOPMENT "
                f"key {info.kid}.\n  Credentials it signs are for trying the registry only."
                f"\n  For production run `registry keys rotate` and keep the keys folder "
                f"safe.\n{bar}",
                file=sys.stderr,
            )
    except KeyStoreError as exc:
        raise UsageError(str(exc)) from exc
    return 0


# ---- verify -------------------------------------------------------------------------------


def fetch_url(url: str, *, accept: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise OSError(f"only http(s) URLs can be fetched: {url}")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        data: bytes = response.read(MAX_FETCH + 1)
    if len(data) > MAX_FETCH:
        raise OSError(f"{url} answered more than {MAX_FETCH} bytes")
    return data


class HttpStatusSource:
    """Fetches status lists over HTTP(S)."""

    def fetch(self, url: str) -> str:
        from registry.verification.status import StatusUnavailable

        try:
            return fetch_url(url, accept="application/vc+jwt").decode("ascii").strip()
        except (OSError, UnicodeDecodeError, urllib.error.URLError) as exc:
            raise StatusUnavailable(f"could not fetch {url}: {exc}") from exc


class FallbackStatusSource:
    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def fetch(self, url: str) -> Any:
        from registry.verification.status import StatusUnavailable

        last: Exception = StatusUnavailable(url)
        for source in self.sources:
            try:
                return source.fetch(url)
            except StatusUnavailable as exc:
                last = exc
        raise last


def _read_token(arg: str) -> str:
    if arg.startswith("@"):
        path = Path(arg[1:])
        try:
            return path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc}") from exc
    return arg.strip()


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _trust_anchor_url(url: str) -> str:
    """`url` if keys may be fetched from it: over https, or plain http on this machine only
    (anyone on the path could otherwise swap the keys, and every verdict would follow them)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return url
    raise UsageError(
        f"refusing to fetch the issuer's keys from {url}: use https "
        "(plain http only from localhost, 127.0.0.1 or ::1)"
    )


def _load_jwks(source: str) -> Any:
    from registry.vc.keys import KeySet

    try:
        if source.startswith(("http://", "https://")):
            raw = fetch_url(_trust_anchor_url(source), accept="application/json")
        else:
            raw = Path(source).read_bytes()
        keys = KeySet.from_jwks(json.loads(raw))
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise UsageError(f"cannot load keys from {source}: {exc}") from exc
    if not len(keys):
        raise UsageError(f"{source} holds no usable public key (Ed25519 or P-256)")
    return keys


def cmd_verify(args: argparse.Namespace) -> int:
    from registry.verification.core import verify

    token = _read_token(args.token)
    issuer: str | None = None
    courses: frozenset[str] | None = None
    if args.jwks:
        keys = _load_jwks(args.jwks)
        issuer = args.issuer.rstrip("/") if args.issuer else None  # a name here, not fetched
        source: Any = HttpStatusSource()
    elif args.issuer:
        issuer = _trust_anchor_url(args.issuer.rstrip("/"))
        keys = _load_jwks(f"{issuer}/.well-known/jwks.json")
        source = HttpStatusSource()
    else:
        from sqlalchemy.exc import SQLAlchemyError

        from registry.credentials.service import Issuer
        from registry.db import make_engine
        from registry.verification.live import LiveStatus
        from registry.verification.service import Verifier

        settings = _settings()
        store = _keystore()
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


# ---- import -------------------------------------------------------------------------------

PROGRESS_FROM_ROWS = 200  # smaller files finish before a bar would say anything


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def cmd_import(args: argparse.Namespace) -> int:
    """Imports a CSV file of officers, agencies or a class roster: every row, or none of them."""
    import uuid

    from tqdm import tqdm  # type: ignore[import-untyped]

    from registry.actors import SYSTEM
    from registry.db import unit_of_work
    from registry.errors import RegistryError
    from registry.imports import reading, service

    data = _read_file(args.file)
    class_id = None
    if args.kind == "roster":
        try:
            class_id = uuid.UUID(args.class_id)
        except ValueError:
            raise UsageError(f"--class {args.class_id!r} is not a class id (a UUID)") from None
    source = args.file
    readers = {
        "officers": reading.read_officers,
        "agencies": service.read_agencies,
        "roster": service.read_roster,
    }
    try:
        rows = readers[args.kind](data, source)
    except RegistryError as exc:
        raise UsageError(exc.detail) from exc
    engine = open_database()
    bar = tqdm(
        total=len(rows),
        unit="row",
        desc=f"import {args.kind}",
        file=sys.stderr,
        disable=len(rows) < PROGRESS_FROM_ROWS,
        mininterval=0.25,
    )
    roster: service.RosterImport | None = None
    officers: service.OfficerImport | None = None
    try:
        with unit_of_work(engine) as session:
            if class_id is not None:
                roster = service.import_roster(
                    session, SYSTEM, class_id, rows, source=source, progress=bar.update
                )
                saved = roster.saved
            elif args.kind == "officers":
                officers = service.import_officers(
                    session,
                    SYSTEM,
                    rows,
                    source=source,
                    progress=bar.update,
                    existing=args.existing,
                    preview=args.preview,
                )
                saved = officers.saved
            else:
                saved = service.import_agencies(
                    session, SYSTEM, rows, source=source, progress=bar.update
                )
    except reading.ImportRefused as exc:
        bar.close()
        for e in exc.errors:
            column = e.field or "(whole row)"
            print(f"{source}:{e.line}: {column}: {e.reason}")
        print(f"registry: {exc.detail}", file=sys.stderr)
        return 1
    except RegistryError as exc:
        bar.close()
        raise UsageError(exc.detail) from exc
    finally:
        engine.dispose()
    bar.close()
    noun = "enrollments" if class_id is not None else args.kind
    if officers is not None:
        for kind, changes in (("updated", officers.updated), ("skipped", officers.skipped)):
            for c in changes:
                what = "; ".join(f"{k}: {b!r} -> {a!r}" for k, (b, a) in c.changes.items())
                print(
                    f"{source}:{c.line}: {kind} {c.post_id} {c.name}{': ' + what if what else ''}"
                )
        if args.preview:
            print(
                f"preview: would create {len(officers.created)}, update "
                f"{len(officers.updated)}, skip {len(officers.skipped)}; nothing was saved"
            )
            return 0
    print(f"saved {saved} {noun} from {source}")
    if roster is None:
        return 0
    for e in roster.skipped:
        print(f"{source}:{e.line}: skipped: {e.reason}")
    for e in roster.refused:
        print(f"{source}:{e.line}: refused: {e.reason}")
    if roster.refused:
        print(
            f"registry: {len(roster.refused)} rows refused; the others were saved", file=sys.stderr
        )
        return 1
    return 0


# ---- audit trail and backups --------------------------------------------------------------


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recomputes the audit trail's hash chain; exit 1 naming the first entry that breaks it."""
    from sqlalchemy.exc import SQLAlchemyError

    from registry.audit.chain import verify_chain
    from registry.db import READ_ONLY

    engine = open_database()
    try:
        with engine.execution_options(**READ_ONLY).connect() as connection:
            report = verify_chain(connection)
    except SQLAlchemyError as exc:
        raise UsageError(f"cannot read the audit trail: {exc}") from exc
    finally:
        engine.dispose()
    if report.broken is not None:
        print(f"audit trail BROKEN at entry {report.broken.id}: {report.broken.problem}")
        print(f"the {report.entries - 1} entries before it verify")
        return 1
    print(f"audit trail intact: {report.entries} entries")
    print(f"last hash: {report.head}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from registry import backup

    try:
        path = backup.backup(_settings().database_url, Path(args.path))
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from exc
    print(f"backed up the database to {path} ({path.stat().st_size:,} bytes)")
    print("the signing keys are not in it: back up the keys folder as well")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from registry import backup

    if not args.yes:
        raise UsageError(
            "restore replaces the whole database with the backup, losing every change made "
            "since it was taken; stop the servers and run again with --yes"
        )
    try:
        saved = backup.restore(_settings().database_url, Path(args.path))
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from exc
    print(f"restored the database from {args.path}")
    print(f"the database it replaced was saved first as {saved}")
    print("restart every server process: they cache status lists by revision")
    return 0


# ---- notify-expiring ----------------------------------------------------------------------


def cmd_notify_expiring(args: argparse.Namespace) -> int:
    """Sends expiry notices (email with REGISTRY_SMTP_HOST, else .eml files), each only once."""
    from registry.notices import service as notices
    from registry.windows import EXPIRING_MAX_DAYS

    if not 1 <= args.days <= EXPIRING_MAX_DAYS:
        raise UsageError(f"--days is a number of days from 1 to {EXPIRING_MAX_DAYS}")
    settings = _settings()
    outbox = Path(args.outbox) if args.outbox else notices.outbox_dir(os.environ)
    try:
        program, sender = notices.mail_setup(os.environ, settings.issuer_name, settings.public_url)
    except notices.NoticeConfigError as exc:
        raise UsageError(str(exc)) from exc
    engine = open_database()
    try:
        summary = notices.notify_expiring(
            engine, program, days=args.days, outbox=outbox, sender=sender
        )
    finally:
        if sender is not None:
            sender.close()
        engine.dispose()
    for post_id in summary.without_email:
        print(f"officer {post_id} has no email address: the notice was written to {outbox}")
    for failure in summary.failed:
        print(f"registry: notice not sent: {failure}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.failed else 0


# ---- serve --------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from registry.web.logfilter import uvicorn_log_config

    settings = _settings()
    workers = args.workers or settings.workers
    uvicorn.run(
        "registry.asgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers if workers > 1 else None,
        # X-Forwarded-For / -Proto are believed only from the proxies named in
        # REGISTRY_TRUSTED_PROXIES; then every limit counts the real client, and a request the
        # proxy took over https is https (HSTS). From anyone else they are ignored: a client
        # could otherwise pick its own address, and its own rate-limit bucket, per request.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        server_header=False,
        # Other log lines could otherwise print an officer's wallet key (it is in the path).
        log_config=uvicorn_log_config(),
        log_level=os.environ.get("REGISTRY_LOG_LEVEL", "info"),
        # The app writes its own, cheaper access log (registry.web.accesslog; REGISTRY_ACCESS_LOG).
        access_log=False,
    )
    return 0


# ---- the parser ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="action", required=True)
    create = user_sub.add_parser("create", help="create a user and print an API token")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=["admin", "coordinator", "instructor"])
    create.add_argument("--region", help="region code (coordinators and instructors)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read a web console password from stdin"
    )
    create.set_defaults(func=cmd_user_create)
    user_sub.add_parser(
        "list", help="every account, its role, region and last sign-in"
    ).set_defaults(func=cmd_user_list)
    for name, text in (
        ("disable", "shut an account off: its API tokens and sessions stop working at once"),
        ("enable", "let a disabled account back in"),
        ("reset-password", "set a new console password read from stdin (ends its sessions)"),
        ("end-sessions", "sign the account out of every console session"),
    ):
        p = user_sub.add_parser(name, help=text)
        p.add_argument("name")
        if name == "reset-password":
            p.add_argument(
                "--password-stdin", action="store_true", required=True, help="read it from stdin"
            )
        p.set_defaults(func=cmd_user_change)
    tokens = user_sub.add_parser("tokens", help="the account's API tokens (ids, never the token)")
    tokens.add_argument("name")
    tokens.set_defaults(func=cmd_user_tokens)
    revoke = user_sub.add_parser("revoke-token", help="revoke one API token, or --all")
    revoke.add_argument("name")
    revoke.add_argument("token_id", nargs="?", help="a token id from `registry user tokens`")
    revoke.add_argument("--all", action="store_true", help="every token of the account")
    revoke.set_defaults(func=cmd_user_change)

    keys = sub.add_parser("keys", help="signing keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    keys_sub.add_parser("list").set_defaults(func=cmd_keys)
    for name in ("generate", "rotate"):
        p = keys_sub.add_parser(name)
        p.add_argument(
            "--alg", choices=["EdDSA", "ES256"], default=None if name == "rotate" else "EdDSA"
        )
        if name == "generate":
            p.add_argument("--development", action="store_true", help=argparse.SUPPRESS)
        p.set_defaults(func=cmd_keys)
    for name in ("retire", "compromise"):
        p = keys_sub.add_parser(name)
        p.add_argument("kid", help="the key's thumbprint, or its DID URL ({did}#{thumbprint})")
        p.set_defaults(func=cmd_keys)
    keys_sub.add_parser("ensure-dev", help="make a development key if there is none").set_defaults(
        func=cmd_keys
    )

    verify = sub.add_parser("verify", help="verify a credential (exit 0 when valid)")
    verify.add_argument("token", help="a compact JWS, or @FILE")
    verify.add_argument("--jwks", help="trust exactly these keys: a JWKS or JWK file or URL")
    verify.add_argument("--issuer", help="the issuer URL; its /.well-known/jwks.json is fetched")
    verify.add_argument("--no-status", action="store_true", help="skip the status lists")
    verify.set_defaults(func=cmd_verify)

    imp = sub.add_parser("import", help="import a CSV file (all rows or none; exit 1 if refused)")
    imp_sub = imp.add_subparsers(dest="kind", required=True)
    officers = imp_sub.add_parser(
        "officers",
        help="columns post_id,first_name,last_name,agency_ori,patrol_start_date[,email,protected]",
    )
    officers.add_argument("file", help="a UTF-8 CSV file with a header line")
    officers.add_argument(
        "--existing",
        choices=["refuse", "skip", "update"],
        default="refuse",
        help="an officer already registered (by POST id): refuse the file, skip or update them",
    )
    officers.add_argument(
        "--preview", action="store_true", help="say what would change and save nothing"
    )
    officers.set_defaults(func=cmd_import)
    agencies = imp_sub.add_parser("agencies", help="columns name,ori,region (a region code)")
    agencies.add_argument("file", help="a UTF-8 CSV file with a header line")
    agencies.set_defaults(func=cmd_import)
    roster = imp_sub.add_parser("roster", help="enroll the officers of a post_id column in a class")
    roster.add_argument("file", help="a UTF-8 CSV file with a post_id column")
    roster.add_argument("--class", dest="class_id", required=True, help="the class id")
    roster.set_defaults(func=cmd_import)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    audit_sub.add_parser(
        "verify", help="recompute the hash chain (exit 1 at the first broken entry)"
    ).set_defaults(func=cmd_audit_verify)

    backup = sub.add_parser("backup", help="copy the live database to a new file")
    backup.add_argument("path", help="the backup file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("path", help="a file written by `registry backup`")
    restore.add_argument("--yes", action="store_true", help="confirm replacing the database")
    restore.set_defaults(func=cmd_restore)

    notify = sub.add_parser(
        "notify-expiring", help="send expiry notices once per credential and window"
    )
    notify.add_argument("--days", type=int, default=90, help="warn this many days ahead")
    notify.add_argument("--outbox", help="folder for .eml files (default var/outbox/)")
    notify.set_defaults(func=cmd_notify_expiring)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=cmd_serve)
    return parser


def _kid_as_operand(argv: Sequence[str]) -> list[str]:
    """A kid is base64url, so one in 64 begins with "-", which argparse would take for an option:
    `registry keys retire -0NSD...` must still mean that key."""
    args = list(argv)
    if (
        len(args) >= 3
        and args[:2] in (["keys", "retire"], ["keys", "compromise"])
        and args[2].startswith("-")
        and args[2] not in ("-h", "--help", "--")
    ):
        args.insert(2, "--")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(_kid_as_operand(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    try:
        result: int = args.func(args)
        return result
    except UsageError as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return 2

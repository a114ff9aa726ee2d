"""The verdict page for people (what a QR scan, a typed id and a pasted token all open) and the
hiring department's way in at /verify."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy import Engine
from sqlmodel import Session

from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.db import unit_of_work
from registry.http.deps import DbEngine
from registry.http.responses import public_page
from registry.tables.credentials import Credential
from registry.verification.dataintegrity import parse as parse_document
from registry.verification.dataintegrity import refused
from registry.verification.deps import CurrentVerifier
from registry.verification.service import PageFacts, Verifier, page_facts
from registry.verification.verdict import Verdict

# A .jwt of ours is about 2 KB; a pasted or uploaded one over the verify API's limit is no token.
MAX_TOKEN_CHARS = 64 * 1024
HEADERS = {"Cache-Control": "no-store", "Vary": "Accept"}

# What each check means, said plainly, when it passed; a failed check says its own detail.
PLAIN = {
    "signature": "Signed by the state CIT program, and not altered since.",
    "issuer": "Issued by this registry's program.",
    "time": "Within its dates of validity.",
    "status": "Not revoked and not suspended, per the live status list.",
}
FAILED = {
    "signature": "The signature does not check out: this is not the program's credential.",
    "issuer": "Not issued by this registry's program.",
    "time": "Outside its dates of validity.",
    "status": "Revoked or suspended by the state program.",
}


def plain_checks(verdict: dict[str, Any]) -> list[tuple[bool, str]]:
    """The checks that matter to a person, in words, in the order they were made."""
    out = []
    for check in verdict.get("checks", []):
        name = check.get("name", "")
        if name in PLAIN:
            ok = bool(check.get("ok"))
            out.append((ok, PLAIN[name] if ok else FAILED[name]))
    if not out and verdict.get("verdict") == "invalid":
        out.append((False, "The credential could not be read or its signature did not check out."))
    return out


def verdict_page(
    session: Session,
    issuer: Issuer,
    verdict: dict[str, Any],
    credential: Credential | None,
    protected: bool | None = None,
) -> Template:
    """The one template for a verdict, whichever way the credential arrived; `protected` is
    whether its holder is, when the caller already knows."""
    facts = page_facts(session, credential, protected) if credential is not None else None
    return render_verdict(issuer, verdict, facts)


def render_verdict(issuer: Issuer, verdict: dict[str, Any], facts: PageFacts | None) -> Template:
    """The verdict page from the verdict and what is on record (nothing: a token of ours that
    is not, or not ours at all). Reads nothing."""
    summary = verdict.get("credential") or {}
    successor = facts.successor if facts is not None else None
    return Template(
        template_name="credential.html",
        context={
            "v": verdict,
            "credential_id": facts.credential_id if facts else summary.get("credential_id"),
            "issuer_name": issuer.name,
            "verify_url": issuer.credential_url(facts.credential_id) if facts else None,
            # The date the status changed, for a revoked or suspended credential (not its
            # reason: that is the program's record, not the public's).
            "status_date": facts.status_date if facts else None,
            # From the record alone: never inferred from a certification that names no one.
            "protected": facts is not None and facts.protected,
            # The signed token and PDF are not handed out for a protected holder (404 there).
            "downloadable": facts is not None and facts.downloadable,
            "plain": plain_checks(verdict),
            "successor": {"valid_until": successor[1]} if successor else None,
            "successor_url": issuer.credential_url(successor[0]) if successor else None,
        },
        headers=HEADERS,
    )


# Crockford base32 as people type it from paper: O for 0, I and L for 1, spaces and dashes.
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
_ID = re.compile(r"[0-9A-Z]{1,32}")


def typed_credential_id(raw: str) -> str | None:
    """The credential id a person typed, as stored; None when it cannot be one."""
    wanted = _SEPARATORS.sub("", raw).upper().translate(_TYPED)
    return wanted if _ID.fullmatch(wanted) else None


def _form(issuer: Issuer, *, status: int = 200, error: str = "", field: str = "") -> Template:
    said = {"error": error, "error_field": field}
    return public_page("verify.html", issuer.name, said, status=status, headers=HEADERS)


@get("/verify", public=True, include_in_schema=False)
async def verify_form(issuer: CurrentIssuer) -> Template:
    """For people handed a certificate or a file: type the id, paste or upload the token."""
    return _form(issuer)


async def _uploaded(value: Any) -> str | None:
    if not isinstance(value, UploadFile):
        return None
    raw = await value.read(MAX_TOKEN_CHARS + 1)
    return raw.decode("utf-8", errors="replace") if raw else None


@post(
    "/verify",
    public=True,
    include_in_schema=False,
    status_code=200,
    request_max_body_size=4 * MAX_TOKEN_CHARS,
)
async def verify_submit(
    request: Request[Any, Any, Any],
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    engine: DbEngine,
) -> Response[Any] | Template | Redirect:
    """A typed id opens the same page as the QR code; a token is verified and shown with it."""
    data = await request.form()
    text = await _uploaded(data.get("file"))
    if text is None:
        pasted = data.get("token")
        text = pasted if isinstance(pasted, str) and pasted.strip() else None
    if text is not None:
        return await _verify_text(issuer, verifier, engine, text.strip())
    typed = data.get("credential_id")
    if isinstance(typed, str) and typed.strip():
        wanted = typed_credential_id(typed)
        if wanted is None:
            return _form(
                issuer,
                status=400,
                field="credential_id",
                error="A credential id is up to 32 letters and digits, as printed on the "
                "certificate beside \u201cCredential id\u201d.",
            )
        return Redirect(path=f"/c/{wanted}", status_code=303)
    return _form(
        issuer,
        status=400,
        field="credential_id",
        error="Type the credential id, paste the token, or choose the .jwt file.",
    )


async def _verify_text(issuer: Issuer, verifier: Verifier, engine: Engine, text: str) -> Template:
    if len(text) > MAX_TOKEN_CHARS:
        return _form(
            issuer, status=400, field="token", error="That is far longer than a credential."
        )
    if text.startswith("{"):
        # A Data Integrity document (.json): milliseconds of canonicalization, off the loop.
        verdict = await anyio.to_thread.run_sync(_verify_document, verifier, text)
    else:
        verdict = await verifier.verify_on_loop(text)
    # The same rule as every public surface: no name for a holder who is protected now.
    shown = (await verifier.honour_protection(verdict)).to_dict()
    return await anyio.to_thread.run_sync(_token_page, engine, issuer, shown)


def _verify_document(verifier: Verifier, text: str) -> Verdict:
    try:
        document = parse_document(text)
    except ValueError as exc:
        return refused(str(exc), datetime.now(UTC))
    return verifier.verify_document(document)


def _token_page(engine: Engine, issuer: Issuer, verdict: dict[str, Any]) -> Template:
    # The stored record adds what the token cannot say: the date of a revocation, a renewal.
    summary = verdict.get("credential") or {}
    wanted = typed_credential_id(str(summary.get("credential_id") or ""))
    with unit_of_work(engine, read_only=True) as session:
        credential = session.get(Credential, wanted) if wanted else None
        return verdict_page(session, issuer, verdict, credential)

"""The hiring department's way in at /verify: a typed id, a pasted or uploaded token or document,
shown on the verdict page (`verification.verdict_page`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy import Engine

from registry import metrics
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.db import unit_of_work
from registry.http.deps import AnyRequest, DbEngine
from registry.http.responses import public_page
from registry.tables.credentials import Credential
from registry.verification.dataintegrity import parse as parse_document
from registry.verification.dataintegrity import refused
from registry.verification.deps import CurrentVerifier
from registry.verification.service import Verifier
from registry.verification.verdict import Verdict
from registry.verification.verdict_page import HEADERS, verdict_page

# A .jwt of ours is about 2 KB; a pasted or uploaded one over the verify API's limit is no token.
MAX_TOKEN_CHARS = 64 * 1024
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
    request: AnyRequest,
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
    metrics.verified("page", verdict.verdict)
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

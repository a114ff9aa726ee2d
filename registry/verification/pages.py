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
from sqlmodel import col, select

from registry import metrics
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.db import unit_of_work
from registry.http.deps import AnyRequest, DbEngine
from registry.http.responses import public_page
from registry.tables.credentials import Credential
from registry.tables.people import Officer
from registry.verification import files
from registry.verification.dataintegrity import parse as parse_document
from registry.verification.dataintegrity import refused
from registry.verification.deps import CurrentVerifier
from registry.verification.service import Verifier
from registry.verification.typed import near, not_found, typed_credential_id
from registry.verification.verdict import Verdict
from registry.verification.verdict_page import HEADERS, verdict_page

# A .jwt of ours is about 2 KB; a pasted or uploaded one over the verify API's limit is no token.
MAX_TOKEN_CHARS = 64 * 1024
# What a credential looks like as text: a compact JWS, or a JSON document.
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
FILE_SECONDS = 10  # a certificate or a photo is read in well under a second
NOT_FOUND = "We could not find a certificate in this file."
READS = (
    "It reads our PDF certificate, a photo or screenshot of a certificate's or a wallet's QR "
    "code (PNG, JPEG, or an iPhone's HEIC), and the signed credential (.jwt or .json)."
)


def _form(
    issuer: Issuer,
    *,
    status: int = 200,
    error: str = "",
    field: str = "",
    typed: str = "",
    suggested: str | None = None,
) -> Template:
    """The form; a refused id stays in its field, to be corrected rather than typed again."""
    said = {"error": error, "error_field": field, "typed": typed[:64], "suggested": suggested}
    return public_page("verify.html", issuer.name, said, status=status, headers=HEADERS)


@get("/verify", public=True, include_in_schema=False)
async def verify_form(issuer: CurrentIssuer) -> Template:
    """For people handed a certificate or a file: type the id, paste or upload the token."""
    return _form(issuer)


async def _uploaded(value: Any) -> bytes | None:
    if not isinstance(value, UploadFile):
        return None
    return await value.read(files.MAX_FILE_BYTES + 1) or None


@post(
    "/verify",
    public=True,
    include_in_schema=False,
    status_code=200,
    request_max_body_size=files.MAX_FILE_BYTES + 4 * MAX_TOKEN_CHARS,
)
async def verify_submit(
    request: AnyRequest,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    engine: DbEngine,
) -> Response[Any] | Template | Redirect:
    """A typed id opens the same page as the QR code; a token is verified and shown with it."""
    data = await request.form()
    uploaded = await _uploaded(data.get("file"))
    if uploaded is not None:
        return await _verify_file(issuer, verifier, engine, uploaded)
    pasted = data.get("token")
    if isinstance(pasted, str) and pasted.strip():
        text = pasted.strip()
        if len(text) <= MAX_TOKEN_CHARS and not _credential_like(text):
            return _form(
                issuer,
                status=422,
                field="token",
                error="What was pasted is not a credential: a .jwt starts with \u201ceyJ\u201d "
                "and a .json credential with \u201c{\u201d.",
            )
        return await _verify_text(issuer, verifier, engine, text)
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
                typed=typed,
            )
        if not await anyio.to_thread.run_sync(_issued, engine, wanted):
            # A typo, most likely: said plainly, on the form, with what its shape shows and the
            # one id a single slip explains, if there is one.
            suggested = await anyio.to_thread.run_sync(_one_slip_away, engine, wanted)
            return _form(
                issuer,
                status=404,
                field="credential_id",
                error=not_found(typed),
                typed=typed,
                suggested=suggested,
            )
        return Redirect(path=f"/c/{wanted}", status_code=303)
    return _form(
        issuer,
        status=400,
        field="credential_id",
        error="Type the credential id, paste the token, or choose the .jwt file.",
    )


def _issued(engine: Engine, credential_id: str) -> bool:
    with unit_of_work(engine, read_only=True) as session:
        return session.get(Credential, credential_id) is not None


def _one_slip_away(engine: Engine, wanted: str) -> str | None:
    """The only issued id one slip from `wanted`, unless its holder is protected (typed.py)."""
    candidates = near(wanted)
    if not candidates:
        return None
    with unit_of_work(engine, read_only=True) as session:
        found = session.exec(
            select(Credential.id, Officer.protected)
            .join(Officer, col(Officer.id) == Credential.officer_id)
            .where(col(Credential.id).in_(sorted(candidates)))
            .limit(2)
        ).all()
    if len(found) != 1 or found[0][1]:
        return None
    return str(found[0][0])


def _credential_like(text: str) -> bool:
    return text.startswith("{") or bool(_JWS.fullmatch(text))


def _no_certificate(issuer: Issuer, why: str = "", status: int = 422) -> Template:
    said = f"{NOT_FOUND} {why}".strip()
    return _form(issuer, status=status, field="file", error=said)


async def _verify_file(
    issuer: Issuer, verifier: Verifier, engine: Engine, data: bytes
) -> Template | Redirect:
    """A file: a credential as text, or a PDF or an image holding one (attached) or its QR code.
    A file with none of these is said to hold no certificate, never to be a forgery."""
    if len(data) > files.MAX_FILE_BYTES:
        limit = files.MAX_FILE_BYTES // (1024 * 1024)
        return _no_certificate(issuer, f"The file is larger than {limit} MB.", status=413)
    kind = files.kind_of(data)
    if kind == files.TEXT:
        text = data.decode("utf-8").strip()
        if len(text) <= MAX_TOKEN_CHARS and _credential_like(text):
            return await _verify_text(issuer, verifier, engine, text)
    if kind not in (files.PDF, files.IMAGE):
        return _no_certificate(issuer, READS)
    try:
        with anyio.fail_after(FILE_SECONDS):
            # PDFium and zxing-cpp cannot be interrupted: the thread runs on to its end, in one
            # of files.SLOTS, while the person is told.
            found = await anyio.to_thread.run_sync(files.read, data, abandon_on_cancel=True)
    except TimeoutError:
        return _no_certificate(issuer, "The file took too long to read; upload a smaller one.")
    except files.Busy:
        return _no_certificate(issuer, "Many files are being read just now: try again.", 503)
    except files.Unreadable as exc:
        return _no_certificate(issuer, str(exc))
    if found.attached is not None and _credential_like(found.attached):
        return await _verify_text(issuer, verifier, engine, found.attached)
    ours = f"{issuer.public_url}/c/"
    for code in found.codes:
        wanted = typed_credential_id(code[len(ours) :]) if code.startswith(ours) else None
        if wanted is not None:
            return Redirect(path=f"/c/{wanted}", status_code=303)
        if _credential_like(code) and len(code) <= MAX_TOKEN_CHARS:
            return await _verify_text(issuer, verifier, engine, code)
    if found.codes:
        shown = found.codes[0][:120]
        return _no_certificate(
            issuer, f"Its QR code does not lead to this registry (it reads \u201c{shown}\u201d)."
        )
    return _no_certificate(
        issuer,
        "No credential is attached to it and no QR code could be read in it. For a photo, take "
        "it again with the whole QR code sharp and in the frame, or type the credential id "
        "printed beside \u201cCredential id\u201d.",
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

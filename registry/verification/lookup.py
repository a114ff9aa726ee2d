"""Public lookup by POST id and last name: is this officer CIT-certified right now?

It answers only for a matching pair, in the same shape whether the POST id is unknown or the
name does not match, so it cannot be used to list officers or to learn which POST ids exist.
Protected (undercover) officers are never found here; they show their QR code instead.
The form is sent as POST, so the POST id and the name never sit in a URL, a browser's history
or an access log.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Response, get, post
from litestar.response import Template
from sqlalchemy import func
from sqlmodel import Session, col, select

from registry.credentials.deps import CurrentIssuer
from registry.credentials.display import SUPERSEDED, display_state
from registry.credentials.service import Issuer
from registry.dates import local_date
from registry.db import unit_of_work
from registry.errors import InvalidInput
from registry.http.content import wants_json
from registry.http.deps import AnyRequest, DbEngine, ProgramZone
from registry.http.responses import public_page
from registry.tables.credentials import Credential
from registry.tables.people import Officer
from registry.verification.deps import CurrentVerifier
from registry.verification.service import Verifier

NOT_FOUND = "No CIT certification was found for this POST id and last name."
HEADERS = {"Cache-Control": "no-store", "Vary": "Accept"}


def fold(value: str) -> str:
    """What two spellings of one name or POST id share: "García" and "Garcia", O'Brien with a
    straight or a curly apostrophe (a phone's default) and "OBrien", "UT-14000" and "ut 14000".
    Letters lose their accents and case; apostrophes, dashes, spaces and punctuation drop out."""
    decomposed = unicodedata.normalize("NFKD", value)
    # Letters and digits only; the modifier letters (Lm) are dropped too: U+02BC, the
    # "modifier letter apostrophe", is an apostrophe to a reader.
    return "".join(
        ch
        for ch in decomposed
        if unicodedata.category(ch)[0] in "LN" and unicodedata.category(ch) != "Lm"
    ).casefold()


def lookup(
    session: Session,
    verifier: Verifier,
    issuer: Issuer,
    post_id: str,
    last_name: str,
    zone: ZoneInfo,
) -> dict[str, Any]:
    wanted_id, wanted_name = fold(post_id).upper()[:32], fold(last_name)
    nothing = {"found": False, "message": NOT_FOUND, "certifications": []}
    if not wanted_id or not wanted_name:
        return nothing
    # A stored POST id is letters, digits and hyphens (people/service.py), so without its
    # hyphens it compares with the folded one the person typed.
    candidates = session.exec(
        select(Officer).where(func.replace(Officer.post_id, "-", "") == wanted_id)
    ).all()
    matched = [o for o in candidates if not o.protected and fold(o.last_name) == wanted_name]
    if len(matched) != 1:
        return nothing
    [officer] = matched
    credentials = session.exec(
        select(Credential)
        .where(Credential.officer_id == officer.id)
        .order_by(col(Credential.valid_until).desc())
    ).all()
    items = []
    for credential in credentials:
        verdict = verifier.verify_stored(session, credential)
        summary = verdict.credential
        items.append(
            {
                "credential_id": credential.id,
                "verdict": verdict.verdict,
                "achievement": summary.achievement if summary else None,
                # The last day as the program counts it (the page tells this day).
                "valid_until": local_date(credential.valid_until, zone).isoformat(),
                "superseded": display_state(verdict.verdict, credential.superseded_by is not None)
                == SUPERSEDED,
                "verify_url": issuer.credential_url(credential.id),
            }
        )
    if not items:
        return nothing
    return {
        "found": True,
        "message": "",
        "holder": {"name": f"{officer.first_name} {officer.last_name}", "post_id": officer.post_id},
        "certifications": items,
    }


def _form(
    issuer: Issuer,
    *,
    post_id: str = "",
    last_name: str = "",
    result: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    asked = {"post_id": post_id, "last_name": last_name, "result": result, "error": error}
    return public_page("lookup.html", issuer.name, asked, status=status, headers=HEADERS)


@get("/lookup", public=True, include_in_schema=False)
async def lookup_form(issuer: CurrentIssuer) -> Template:
    """The empty form. Query parameters are ignored: the lookup itself is a POST."""
    return _form(issuer)


@post("/lookup", public=True, tags=["public"], status_code=200, request_max_body_size=4096)
async def lookup_page(
    request: AnyRequest,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    engine: DbEngine,
    zone: ProgramZone,
) -> Response[Any] | Template:
    """Form fields `post_id` and `last_name`; a page, or JSON with `Accept: application/json`."""
    data = await request.form()
    post_id = str(data.get("post_id") or "")[:64]
    last_name = str(data.get("last_name") or "")[:100]
    missing = "post_id" if not post_id.strip() else "last_name" if not last_name.strip() else ""
    if missing:
        if wants_json(request):
            raise InvalidInput("Give post_id and last_name.", field=missing, rule="required")
        return _form(
            issuer,
            post_id=post_id,
            last_name=last_name,
            error="Give both the POST id and the last name.",
            status=400,
        )

    def work() -> dict[str, Any]:
        with unit_of_work(engine, read_only=True) as session:
            return lookup(session, verifier, issuer, post_id, last_name, zone)

    result = await anyio.to_thread.run_sync(work)
    if wants_json(request):
        return Response(result, headers=HEADERS)
    return _form(issuer, post_id=post_id, last_name=last_name, result=result)

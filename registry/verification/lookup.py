"""Public lookup by POST id and exact last name: is this officer CIT-certified right now?

It answers only for a matching pair, in the same shape whether the POST id is unknown or the
name does not match, so it cannot be used to list officers or to learn which POST ids exist.
Protected (undercover) officers are never found here; they show their QR code instead.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from sqlmodel import Session, col, select

from registry.credentials.models import Credential
from registry.credentials.service import Issuer
from registry.people.models import Officer
from registry.verification.service import Verifier
from registry.web.deps import CurrentIssuer, DbSession

NOT_FOUND = "No CIT certification was found for this POST id and last name."


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def lookup(
    session: Session, verifier: Verifier, issuer: Issuer, post_id: str, last_name: str
) -> dict[str, Any]:
    officer = session.exec(
        select(Officer).where(Officer.post_id == post_id.strip().upper()[:32])
    ).first()
    matched = (
        officer is not None
        and not officer.protected
        and _fold(officer.last_name) == _fold(last_name)
    )
    if officer is None or not matched:
        return {"found": False, "message": NOT_FOUND, "certifications": []}
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
                "valid_until": credential.valid_until.date().isoformat(),
                "superseded": credential.superseded_by is not None,
                "verify_url": issuer.credential_url(credential.id),
            }
        )
    if not items:
        return {"found": False, "message": NOT_FOUND, "certifications": []}
    return {
        "found": True,
        "message": "",
        "holder": {"name": f"{officer.first_name} {officer.last_name}", "post_id": officer.post_id},
        "certifications": items,
    }


@get("/lookup", public=True, tags=["public"], sync_to_thread=True)
def lookup_page(
    request: Request[Any, Any, Any], session: DbSession, issuer: CurrentIssuer
) -> Response[Any] | Template:
    post_id = (request.query_params.get("post_id") or "")[:64]
    last_name = (request.query_params.get("last_name") or "")[:100]
    result: dict[str, Any] | None = None
    if post_id.strip() and last_name.strip():
        result = lookup(session, request.app.state.verifier, issuer, post_id, last_name)
    headers = {"Cache-Control": "no-store", "Vary": "Accept"}
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        if result is None:
            return Response(
                {"detail": "Give post_id and last_name.", "found": False, "certifications": []},
                status_code=400,
                media_type="application/problem+json",
                headers=headers,
            )
        return Response(result, headers=headers)
    return Template(
        template_name="lookup.html",
        context={
            "issuer_name": issuer.name,
            "post_id": post_id,
            "last_name": last_name,
            "result": result,
        },
        headers=headers,
    )

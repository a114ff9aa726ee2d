"""Public pages and small public endpoints: health, home, course descriptions, the wallet."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import text
from sqlmodel import select

from registry.credentials.models import Credential
from registry.errors import NotFound
from registry.people.models import Officer
from registry.training.models import Course
from registry.training.service import course_public
from registry.web.deps import CurrentIssuer, DbSession


@get("/health", public=True, tags=["public"], sync_to_thread=True)
def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        return Response({"status": "unavailable"}, status_code=503)
    return Response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@get("/", public=True, include_in_schema=False)
async def home(issuer: CurrentIssuer) -> Template:
    return Template(template_name="home.html", context={"issuer_name": issuer.name})


@get("/courses/{code:str}", public=True, tags=["public"], sync_to_thread=True)
def course(session: DbSession, code: FromPath[str]) -> dict[str, Any]:
    """The achievement a credential names: what the course is and what it takes to pass."""
    row = session.exec(select(Course).where(Course.code == code.upper()[:32])).first()
    if row is None:
        raise NotFound("No course with this code.", field="code")
    public = course_public(session, row).model_dump(mode="json")
    public["criteria"] = row.criteria
    return public


@get("/wallet/{key:str}", public=True, tags=["public"], sync_to_thread=True)
def wallet(
    request: Request[Any, Any, Any], session: DbSession, issuer: CurrentIssuer, key: FromPath[str]
) -> Template:
    officer = session.exec(select(Officer).where(Officer.wallet_key == key[:64])).first()
    if officer is None:
        raise NotFound("This wallet link is not valid.")
    verifier = request.app.state.verifier
    items = []
    for credential in session.exec(select(Credential).where(Credential.officer_id == officer.id)):
        verdict = verifier.verify_stored(session, credential)
        items.append(
            {
                "id": credential.id,
                "verdict": verdict.verdict,
                "achievement": verdict.credential.achievement if verdict.credential else "",
                "valid_until": credential.valid_until.isoformat(),
            }
        )
    return Template(
        template_name="wallet.html",
        context={
            "issuer_name": issuer.name,
            "name": f"{officer.first_name} {officer.last_name}",
            "items": items,
        },
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )

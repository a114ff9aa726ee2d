"""Console forms on the officer page: record continuing education, renew a certification."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect
from sqlmodel import Session, col, select

from registry.accounts.guards import office
from registry.actors import Actor
from registry.common import utcnow
from registry.credentials import renewal
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import get_credential_for
from registry.http.deps import DbSession
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Officer
from registry.tables.training import Course
from registry.training import ce
from registry.web.console.common import attempt, build, posted, text


@dataclass(frozen=True)
class RenewalOption:
    """One credential in force that is not yet renewed, and whether it may be renewed now."""

    credential_id: str
    valid_until: datetime
    ce_recorded: float
    ce_required: float
    blockers: list[str]

    @property
    def ready(self) -> bool:
        return not self.blockers


def officer_context(session: Session, actor: Actor, officer: Officer) -> dict[str, Any]:
    """What the officer page's CE section needs for its forms (records.officer() passes it on)."""
    now = utcnow()
    options = []
    credentials = session.exec(
        select(Credential, Course)
        .join(Course, col(Course.id) == Credential.course_id)
        .where(
            Credential.officer_id == officer.id,
            Credential.status == CredentialStatus.ACTIVE,
            col(Credential.superseded_by).is_(None),
        )
        .order_by(col(Credential.valid_until))
    ).all()
    for credential, course in credentials:
        standing = renewal.ce_standing(session, credential, course, now)
        blockers = renewal.renewal_blockers(session, credential, course, now)
        options.append(
            RenewalOption(
                credential_id=credential.id,
                valid_until=credential.valid_until,
                ce_recorded=standing.recorded,
                ce_required=standing.required,
                blockers=[b.detail for b in blockers],
            )
        )
    return {"renewal_options": options, "ce_max_date": now.date().isoformat()}


@post("/officers/{officer_id:uuid}/ce", guards=[office], name="console-add-ce")
async def add_ce(
    request: Request[Any, Any, Any], session: DbSession, officer_id: FromPath[uuid.UUID]
) -> Redirect:
    data, actor = await posted(request)
    back = f"/console/officers/{officer_id}"
    values = {
        "title": text(data, "title"),
        "hours": text(data, "hours"),
        "completed_on": text(data, "completed_on"),
    }

    def work() -> str:
        r = ce.record_ce(session, actor, officer_id, build(ce.CECreate, values))
        return f"Recorded {r.hours:g} hours of continuing education."

    return await attempt(session, work, back=back)


@post("/credentials/{credential_id:str}/renew", guards=[office], name="console-renew")
async def renew(
    request: Request[Any, Any, Any],
    issuer: CurrentIssuer,
    session: DbSession,
    credential_id: FromPath[str],
) -> Redirect:
    _, actor = await posted(request)

    def holder() -> uuid.UUID:
        return get_credential_for(session, actor, credential_id).officer_id

    back = f"/console/officers/{await anyio.to_thread.run_sync(holder)}"

    def work() -> str:
        c = renewal.renew(session, actor, issuer, credential_id)
        return f"Renewed: new credential {c.id}, valid until {c.valid_until.date().isoformat()}."

    return await attempt(session, work, back=back)


HANDLERS = [add_ce, renew]

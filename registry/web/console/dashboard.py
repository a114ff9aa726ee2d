"""The dashboard: this month's classes, graduates waiting, expiring certifications, coverage;
for the administrator also the first-run checklist."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from registry.credentials.deps import CurrentIssuer
from registry.directory import contact
from registry.http.deps import AnyRequest, DbSession, ProgramContact, ProgramZone
from registry.reports import firstrun
from registry.reports import service as reports
from registry.web.console.charts import coverage_chart
from registry.web.console.common import actor_of, page


@get("/", sync_to_thread=True)
def dashboard(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    program_contact: ProgramContact,
    zone: ProgramZone,
) -> Template:
    actor = actor_of(request)
    board = reports.dashboard(session, actor, zone)
    rows = board.coverage.regions if actor.is_admin else board.coverage.agencies
    checklist = None
    if actor.is_admin:
        keys = issuer.keys
        active = keys.has_active()
        checklist = firstrun.checklist(
            session,
            public_url=issuer.public_url,
            key=firstrun.KeyState(active, active and keys.active().development),
            program_contact=contact.contact_text(contact.program_contact(session), program_contact),
            zone=zone,
        )
    return page(
        request,
        "dashboard.html",
        title="Dashboard",
        board=board,
        chart=coverage_chart(rows, by_region=actor.is_admin),
        checklist=checklist,
    )

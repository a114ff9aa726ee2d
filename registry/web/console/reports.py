"""Console pages that read across records: the audit trail, expiring certifications, coverage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from litestar import get
from litestar.response import Template
from sqlmodel import Session, select

from registry.actors import Actor
from registry.audit import service as audit_service
from registry.coverage import nominations
from registry.coverage import reads as coverage_reads
from registry.http.deps import AnyRequest, DbSession, Now, ProgramZone
from registry.reports import service as reports
from registry.tables.people import Region
from registry.web.console.charts import coverage_chart
from registry.web.console.common import actor_of, page, whole_number
from registry.windows import RENEWAL_GRACE_MONTHS as GRACE_MONTHS
from registry.windows import expiring_days


@get("/audit", sync_to_thread=True)
def audit(request: AnyRequest, session: DbSession) -> Template:
    """Admins see everything; others see what touches their region (audit.visible_entries)."""
    params = request.query_params
    officer_q = (params.get("officer") or "").strip()[:64]
    class_q = (params.get("class") or "").strip()[:64]
    user_q = (params.get("user") or "").strip()[:64]
    entries = audit_service.visible_entries(
        session,
        actor_of(request),
        officer=officer_q,
        klass=class_q,
        user=user_q,
        before=whole_number(params.get("before")),
    )
    return page(
        request,
        "audit.html",
        title="Audit trail",
        entries=entries,
        officer=officer_q,
        klass=class_q,
        user=user_q,
        next_before=entries[-1].id if len(entries) == audit_service.PAGE else None,
    )


# Certifications a page of the expiring report (the CSV has them all): a state's 90 days hold
# ~2,500, a region's ~500, which no one reads down a single page.
EXPIRING_PAGE = 100


def next_after(rows: Sequence[reports.Expiring]) -> str | None:
    """The credential a next page starts after, when a page read one more than it shows."""
    return rows[EXPIRING_PAGE - 1].credential_id if len(rows) > EXPIRING_PAGE else None


@get("/expiring", sync_to_thread=True)
def expiring(request: AnyRequest, session: DbSession) -> Template:
    params = request.query_params
    days = expiring_days(whole_number(params.get("days")))
    after, lapsed_after = params.get("after") or None, params.get("lapsed_after") or None
    actor = actor_of(request)
    rows = reports.expiring(session, actor, days, after=after, limit=EXPIRING_PAGE + 1)
    lapsed = reports.expired_renewable(session, actor, after=lapsed_after, limit=EXPIRING_PAGE + 1)
    return page(
        request,
        "expiring.html",
        title="Expiring certifications",
        days=days,
        rows=rows[:EXPIRING_PAGE],
        after=after,
        next_after=next_after(rows),
        lapsed=lapsed[:EXPIRING_PAGE],
        lapsed_after=lapsed_after,
        next_lapsed=next_after(lapsed),
        grace_months=GRACE_MONTHS,
    )


@get("/coverage", sync_to_thread=True)
def coverage(request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now) -> Template:
    actor = actor_of(request)
    # The counts and the officers certified today by agency (for the outlook): one read.
    data = reports.coverage(session, actor, zone=zone, now=now)
    # Districts and shifts: the office's (an instructor sees certification counts only).
    office = actor.is_office
    by_first_gap = (
        coverage_reads.region_outlook(
            session, actor, None, zone, now, certified=data.certified_on_day
        )
        if office
        else []
    )
    nominated = nominations.open_nominations(session, actor, None, zone) if office else []
    volunteers = Counter(n.agency_id for n in nominated if n.certified_until is None)
    return page(
        request,
        "coverage.html",
        title="Coverage",
        coverage=data,
        chart=coverage_chart(data.agencies, by_region=False),
        by_first_gap=by_first_gap,
        totals=coverage_reads.totals(session, by_first_gap, actor.is_admin) if by_first_gap else [],
        volunteers=volunteers,
        with_gap=[r.agency_id for r in by_first_gap if r.first_gap is not None],
        nominated=nominated,
        contact_regions=contact_regions(session, actor) if office else [],
    )


def contact_regions(session: Session, actor: Actor) -> list[Region]:
    """The regions whose public contact the actor may set: a coordinator's own, or all."""
    return list(session.exec(select(Region).where(actor.in_scope(Region.id)).order_by(Region.code)))


HANDLERS = [audit, expiring, coverage]

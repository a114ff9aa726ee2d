"""Console pages that read across records: the audit trail, expiring certifications, coverage."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import String, cast, or_
from sqlmodel import col, select

from registry.audit.models import AuditEntry
from registry.credentials.renewal import GRACE_MONTHS
from registry.people.models import Officer
from registry.reports import service as reports
from registry.training.models import TrainingClass
from registry.web.console.charts import coverage_chart
from registry.web.console.common import actor_of, page, whole_number
from registry.web.deps import DbSession

PAGE = 100


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@get("/audit", sync_to_thread=True)
def audit(request: Request[Any, Any, Any], session: DbSession) -> Template:
    """Admins see everything; others see what touches their region's classes and officers."""
    actor = actor_of(request)
    params = request.query_params
    officer_q = (params.get("officer") or "").strip()[:64]
    class_q = (params.get("class") or "").strip()[:64]
    user_q = (params.get("user") or "").strip()[:64]
    before = whole_number(params.get("before"))
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    if officer_q:
        officer = session.exec(select(Officer).where(Officer.post_id == officer_q.upper())).first()
        oid = str(officer.id) if officer else str(_uuid(officer_q) or officer_q)
        query = query.where(
            or_(col(AuditEntry.entity_id) == oid, cast(AuditEntry.after, String).contains(oid))
        )
    if class_q:
        query = query.where(AuditEntry.entity_id == class_q)
    if user_q:
        query = query.where(AuditEntry.actor == user_q)
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    if not actor.is_admin:
        mine = [
            str(k)
            for k in session.exec(
                select(TrainingClass.id).where(TrainingClass.region_id == actor.region_id)
            )
        ]
        query = query.where(
            or_(col(AuditEntry.entity_id).in_(mine), col(AuditEntry.actor) == actor.username)
        )
    entries = list(session.exec(query.limit(PAGE)))
    return page(
        request,
        "audit.html",
        title="Audit trail",
        entries=entries,
        officer=officer_q,
        klass=class_q,
        user=user_q,
        next_before=entries[-1].id if len(entries) == PAGE else None,
    )


@get("/expiring", sync_to_thread=True)
def expiring(request: Request[Any, Any, Any], session: DbSession) -> Template:
    asked = whole_number(request.query_params.get("days"))
    days = 90 if asked is None else min(max(asked, 1), 3650)
    return page(
        request,
        "expiring.html",
        title="Expiring certifications",
        days=days,
        rows=reports.expiring(session, actor_of(request), days),
        lapsed=reports.expired_renewable(session, actor_of(request)),
        grace_months=GRACE_MONTHS,
    )


@get("/coverage", sync_to_thread=True)
def coverage(request: Request[Any, Any, Any], session: DbSession) -> Template:
    actor = actor_of(request)
    data = reports.coverage(session, actor)
    return page(
        request,
        "coverage.html",
        title="Coverage",
        coverage=data,
        chart=coverage_chart(data.agencies, by_region=False),
    )


HANDLERS = [audit, expiring, coverage]

"""Coverage per agency and region, certifications about to expire, the coordinator's dashboard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.common import add_months, utcnow
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import Course, TrainingClass
from registry.training.standing import standings
from registry.windows import EXPIRING_DEFAULT_DAYS as EXPIRY_WINDOW_DAYS
from registry.windows import RENEWAL_GRACE_MONTHS as GRACE_MONTHS


@dataclass
class CoverageRow:
    """One agency or region: who is known, who holds a valid CIT certification."""

    name: str
    code: str
    region: str
    officers: int = 0
    certified: int = 0
    expiring: int = 0
    agency_id: uuid.UUID | None = None

    @property
    def share(self) -> float:
        return self.certified / self.officers if self.officers else 0.0


@dataclass
class Coverage:
    agencies: list[CoverageRow] = field(default_factory=list)
    regions: list[CoverageRow] = field(default_factory=list)


def _valid_until_by_officer(
    session: Session, officer_ids: set[uuid.UUID], course_code: str, now: datetime
) -> dict[uuid.UUID, datetime]:
    """Each officer's latest validity among credentials in force (active, not expired)."""
    out: dict[uuid.UUID, datetime] = {}
    if not officer_ids:
        return out
    rows = session.exec(
        select(Credential.officer_id, Credential.valid_until)
        .join(Course, col(Course.id) == Credential.course_id)
        .where(
            Course.code == course_code,
            Credential.status == CredentialStatus.ACTIVE,
            col(Credential.valid_until) > now,
            col(Credential.valid_from) <= now,
        )
    ).all()
    for officer_id, valid_until in rows:
        if officer_id in officer_ids and (officer_id not in out or valid_until > out[officer_id]):
            out[officer_id] = valid_until
    return out


def coverage(
    session: Session,
    actor: Actor,
    *,
    course_code: str = "CIT-40",
    window_days: int = EXPIRY_WINDOW_DAYS,
    now: datetime | None = None,
) -> Coverage:
    now = now or utcnow()
    query = (
        select(Agency, Region)
        .join(Region, col(Region.id) == Agency.region_id)
        .order_by(Region.code, Agency.name)
    )
    query = query.where(actor.in_scope(Agency.region_id))
    agencies = session.exec(query).all()
    staff = session.exec(
        select(Employment.agency_id, Employment.officer_id).where(
            col(Employment.end_date).is_(None)
        )
    ).all()
    by_agency: dict[uuid.UUID, set[uuid.UUID]] = {}
    for agency_id, officer_id in staff:
        by_agency.setdefault(agency_id, set()).add(officer_id)
    everyone = set().union(*by_agency.values()) if by_agency else set()
    valid = _valid_until_by_officer(session, everyone, course_code, now)
    soon = now + timedelta(days=window_days)
    result = Coverage()
    regions: dict[str, CoverageRow] = {}
    for agency, region in agencies:
        officers = by_agency.get(agency.id, set())
        row = CoverageRow(
            name=agency.name,
            code=agency.ori,
            region=region.code,
            agency_id=agency.id,
            officers=len(officers),
            certified=sum(1 for o in officers if o in valid),
            expiring=sum(1 for o in officers if o in valid and valid[o] <= soon),
        )
        result.agencies.append(row)
        total = regions.setdefault(
            region.code, CoverageRow(name=region.name, code=region.code, region=region.code)
        )
        total.officers += row.officers
        total.certified += row.certified
        total.expiring += row.expiring
    result.regions = list(regions.values())
    return result


@dataclass
class Expiring:
    credential_id: str
    officer_id: uuid.UUID
    post_id: str
    name: str
    email: str | None
    agency: str | None
    valid_until: datetime
    days_left: int


@dataclass
class Lapsed(Expiring):
    """An expired credential that can still be renewed, until `renew_by`."""

    renew_by: datetime | None = None


def expiring(
    session: Session, actor: Actor | None, days: int, now: datetime | None = None
) -> list[Expiring]:
    """Credentials in force whose validity ends within `days`, soonest first.

    A credential already renewed (superseded) is left out: its holder has nothing to do.
    `actor=None` means the whole state (the notifier).
    """
    now = now or utcnow()
    return _unrenewed(
        session,
        actor,
        now,
        col(Credential.valid_until) > now,
        col(Credential.valid_until) <= now + timedelta(days=days),
    )


def expired_renewable(
    session: Session, actor: Actor | None, now: datetime | None = None
) -> list[Lapsed]:
    """Credentials past their expiry but still within the renewal grace, most recent first,
    unless the officer already holds a newer certification of the course in force."""
    now = now or utcnow()
    rows = _unrenewed(
        session,
        actor,
        now,
        col(Credential.valid_until) <= now,
        col(Credential.valid_until) > add_months(now, -GRACE_MONTHS),
    )
    held = set(
        session.exec(
            select(Credential.officer_id, Credential.course_id).where(
                Credential.status != CredentialStatus.REVOKED, col(Credential.valid_until) > now
            )
        ).all()
    )
    courses = dict(
        session.exec(
            select(Credential.id, Credential.course_id).where(
                col(Credential.id).in_([r.credential_id for r in rows])
            )
        ).all()
    )
    return [
        Lapsed(**vars(r), renew_by=add_months(r.valid_until, GRACE_MONTHS))
        for r in sorted(rows, key=lambda r: r.valid_until, reverse=True)
        if (r.officer_id, courses.get(r.credential_id)) not in held
    ]


def _unrenewed(
    session: Session, actor: Actor | None, now: datetime, *window: Any
) -> list[Expiring]:
    """Active, not superseded credentials whose expiry falls in `window`, soonest first, that
    `actor` may see (issued in, or held by an officer serving in, their region)."""
    query = (
        select(Credential, Officer)
        .join(Officer, col(Officer.id) == Credential.officer_id)
        .where(
            Credential.status == CredentialStatus.ACTIVE,
            col(Credential.superseded_by).is_(None),
            *window,
        )
        .order_by(col(Credential.valid_until))
    )
    rows = session.exec(query).all()
    current = {
        e.officer_id: a
        for e, a in session.exec(
            select(Employment, Agency)
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(col(Employment.end_date).is_(None))
        ).all()
    }
    classes = {k.id: k.region_id for k in session.exec(select(TrainingClass)).all()}
    out = []
    for credential, officer in rows:
        agency = current.get(officer.id)
        if actor is not None and not (
            actor.can_act_in(classes.get(credential.class_id))
            or actor.can_act_in(agency.region_id if agency else None)
        ):
            continue
        out.append(
            Expiring(
                credential_id=credential.id,
                officer_id=officer.id,
                post_id=officer.post_id,
                name=f"{officer.first_name} {officer.last_name}",
                email=officer.email,
                agency=agency.name if agency else None,
                valid_until=credential.valid_until,
                days_left=(credential.valid_until - now).days,
            )
        )
    return out


@dataclass
class Waiting:
    class_id: uuid.UUID
    class_label: str
    officers: int


@dataclass
class Dashboard:
    classes_this_month: list[TrainingClass]
    waiting: list[Waiting]
    expiring: list[Expiring]
    coverage: Coverage


def _month(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def dashboard(session: Session, actor: Actor, today: date | None = None) -> Dashboard:
    today = today or date.today()
    first, last = _month(today)
    query = select(TrainingClass).order_by(col(TrainingClass.start_date))
    query = query.where(actor.in_scope(TrainingClass.region_id))
    classes = session.exec(query).all()
    this_month = [k for k in classes if k.start_date <= last and k.end_date >= first]
    waiting = []
    # Graduates wait on classes that have started; very old classes are not a queue any more.
    for klass in classes:
        if klass.start_date > today or klass.end_date < today - timedelta(days=365):
            continue
        ready = [s for s in standings(session, klass) if s.eligible and not s.credential_id]
        if ready:
            waiting.append(
                Waiting(
                    class_id=klass.id,
                    class_label=f"{klass.location}, {klass.start_date.isoformat()}",
                    officers=len(ready),
                )
            )
    return Dashboard(
        classes_this_month=this_month,
        waiting=waiting,
        expiring=expiring(session, actor, EXPIRY_WINDOW_DAYS),
        coverage=coverage(session, actor),
    )

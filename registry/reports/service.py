"""Coverage per agency and region, certifications about to expire, the coordinator's dashboard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.common import add_months, utcnow
from registry.dates import local_date, long_date
from registry.reports import tallies
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import TrainingClass
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
    # By agency, officers certified on a local day (only when `coverage` is given one).
    certified_on_day: dict[uuid.UUID, int] = field(default_factory=dict)


def coverage(
    session: Session,
    actor: Actor,
    *,
    zone: ZoneInfo,
    course_code: str = "CIT-40",
    window_days: int = EXPIRY_WINDOW_DAYS,
    now: datetime | None = None,
) -> Coverage:
    """Each agency's and region's counts (reports/tallies.py), and each agency's officers
    certified on the local day around `now` (in `zone`), in `certified_on_day`: the console's
    page shows both."""
    now = now or utcnow()
    query = (
        select(Agency, Region)
        .join(Region, col(Region.id) == Agency.region_id)
        .order_by(Region.code, Agency.name)
    )
    query = query.where(actor.in_scope(Agency.region_id))
    agencies = session.exec(query).all()
    counts = tallies.counts_by_agency(
        session,
        [agency.id for agency, _ in agencies],
        zone=zone,
        now=now,
        window_days=window_days,
        course_code=course_code,
    )
    result = Coverage()
    regions: dict[str, CoverageRow] = {}
    for agency, region in agencies:
        count = counts.get(agency.id, tallies.NONE)
        if count.on_day:
            result.certified_on_day[agency.id] = count.on_day
        row = CoverageRow(
            name=agency.name,
            code=agency.ori,
            region=region.code,
            agency_id=agency.id,
            officers=count.officers,
            certified=count.certified,
            expiring=count.expiring,
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
    session: Session,
    actor: Actor | None,
    days: int,
    now: datetime | None = None,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> list[Expiring]:
    """Credentials in force whose validity ends within `days`, soonest first.

    A credential already renewed (superseded) is left out: its holder has nothing to do.
    `actor=None` means the whole state (the notifier). A page: at most `limit`, those listed
    after the credential `after` (an id not found: from the first).
    """
    now = now or utcnow()
    return _unrenewed(
        session,
        actor,
        now,
        limit,
        col(Credential.valid_until) > now,
        col(Credential.valid_until) <= now + timedelta(days=days),
        *_listed_after(session, after),
    )


def _listed_after(
    session: Session, credential_id: str | None, *, newest_first: bool = False
) -> tuple[Any, ...]:
    """Keyset: the credentials after `credential_id` in (valid_until, id) order (or its
    reverse), read from the index on valid_until without walking past the earlier pages (no
    OFFSET)."""
    if not credential_id:
        return ()
    until = session.exec(
        select(Credential.valid_until).where(Credential.id == credential_id[:64])
    ).first()
    if until is None:
        return ()
    key = sa.tuple_(col(Credential.valid_until), col(Credential.id))
    mark = (until, credential_id[:64])
    return (key < mark if newest_first else key > mark,)


def expired_renewable(
    session: Session,
    actor: Actor | None,
    now: datetime | None = None,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> list[Lapsed]:
    """Credentials past their expiry but still within the renewal grace, most recent first,
    unless the officer already holds a newer certification of the course in force. A page: at
    most `limit`, those listed after the credential `after`."""
    now = now or utcnow()
    newer = aliased(Credential)
    holds_newer = (
        select(newer.id)
        .where(
            newer.officer_id == Credential.officer_id,
            newer.course_id == Credential.course_id,
            newer.status != CredentialStatus.REVOKED,
            newer.valid_until > now,
        )
        .exists()
    )
    rows = _unrenewed(
        session,
        actor,
        now,
        limit,
        col(Credential.valid_until) <= now,
        col(Credential.valid_until) > add_months(now, -GRACE_MONTHS),
        ~holds_newer,
        *_listed_after(session, after, newest_first=True),
        newest_first=True,
    )
    return [Lapsed(**vars(r), renew_by=add_months(r.valid_until, GRACE_MONTHS)) for r in rows]


def _unrenewed(
    session: Session,
    actor: Actor | None,
    now: datetime,
    limit: int | None,
    *window: Any,
    newest_first: bool = False,
) -> list[Expiring]:
    """Active, not superseded credentials whose expiry falls in `window`, soonest first, that
    `actor` may see (issued in, or held by an officer serving in, their region); one query,
    filtered in the database."""
    query = (
        sa.select(
            col(Credential.id),
            col(Credential.valid_until),
            col(Officer.id),
            col(Officer.post_id),
            col(Officer.first_name),
            col(Officer.last_name),
            col(Officer.email),
            col(Agency.name),
        )
        .join(Officer, col(Officer.id) == Credential.officer_id)
        .join(TrainingClass, col(TrainingClass.id) == Credential.class_id)
        .outerjoin(
            Employment,
            sa.and_(col(Employment.officer_id) == Officer.id, col(Employment.end_date).is_(None)),
        )
        .outerjoin(Agency, col(Agency.id) == Employment.agency_id)
        .where(
            col(Credential.status) == CredentialStatus.ACTIVE,
            col(Credential.superseded_by).is_(None),
            *window,
        )
        .order_by(
            *(
                (col(Credential.valid_until).desc(), col(Credential.id).desc())
                if newest_first
                else (col(Credential.valid_until), col(Credential.id))
            )
        )
    )
    if actor is not None:
        query = query.where(
            sa.or_(actor.in_scope(TrainingClass.region_id), actor.in_scope(Agency.region_id))
        )
    if limit is not None:
        query = query.limit(limit)
    return [
        Expiring(
            credential_id=credential_id,
            officer_id=officer_id,
            post_id=post_id,
            name=f"{first} {last}",
            email=email,
            agency=agency,
            valid_until=valid_until,
            days_left=(valid_until - now).days,
        )
        for credential_id, valid_until, officer_id, post_id, first, last, email, agency in (
            session.execute(query)
        )
    ]


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


def dashboard(
    session: Session, actor: Actor, zone: ZoneInfo, today: date | None = None
) -> Dashboard:
    today = today or local_date(utcnow(), zone)
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
        ready = [s for s in standings(session, klass, zone) if s.eligible and not s.credential_id]
        if ready:
            waiting.append(
                Waiting(
                    class_id=klass.id,
                    class_label=f"{klass.location}, {long_date(klass.start_date)}",
                    officers=len(ready),
                )
            )
    return Dashboard(
        classes_this_month=this_month,
        waiting=waiting,
        expiring=expiring(session, actor, EXPIRY_WINDOW_DAYS),
        coverage=coverage(session, actor, zone=zone),
    )

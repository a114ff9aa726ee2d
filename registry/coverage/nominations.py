"""The liaison's nominations of volunteers for the next CIT class, and the coordinator's list of
them with the course's prerequisite checks beside each (patrol experience, not certified already,
when a current certification lapses). A nomination enrolls nobody: the coordinator does."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session, col, select

from registry.actors import Actor, Role
from registry.audit.service import record
from registry.common import copied, utcnow
from registry.coverage.service import officer_for
from registry.dates import local_date, long_date
from registry.errors import NotFound
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.nominations import Nomination
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import Course
from registry.training.service import months_between

COURSE = "CIT-40"


class Check(BaseModel):
    name: str
    ok: bool
    detail: str


class NominationPublic(BaseModel):
    officer_id: uuid.UUID
    name: str
    post_id: str
    agency_id: uuid.UUID
    agency: str
    nominated_by: str
    nominated_at: datetime
    certified_until: date | None
    eligible: bool
    checks: list[Check]


def _open(session: Session, officer_id: uuid.UUID) -> Nomination | None:
    return session.exec(
        select(Nomination).where(
            Nomination.officer_id == officer_id, col(Nomination.withdrawn_at).is_(None)
        )
    ).first()


def nominate(session: Session, actor: Actor, officer_id: uuid.UUID) -> Nomination:
    """Puts an officer of the agency forward for the next class; once is enough (nominating
    again answers the open nomination)."""
    officer, agency = officer_for(session, actor, officer_id)
    existing = _open(session, officer.id)
    if existing is not None:
        return existing
    nomination = Nomination(officer_id=officer.id, agency_id=agency.id, nominated_by=actor.username)
    session.add(nomination)
    session.flush()
    made = {"agency_id": str(agency.id), "nomination_id": str(nomination.id)}
    record(session, actor, "officer.nominate", "officer", officer.id, after=made)
    return nomination


def withdraw(session: Session, actor: Actor, officer_id: uuid.UUID) -> None:
    """Withdraws the officer's open nomination; none open is already the result asked for."""
    officer, _ = officer_for(session, actor, officer_id)
    existing = _open(session, officer.id)
    if existing is None:
        return
    existing.withdrawn_at = utcnow()
    session.add(existing)
    was = {"nomination_id": str(existing.id)}
    record(session, actor, "officer.nomination_withdraw", "officer", officer.id, was)


def open_nominations(
    session: Session,
    actor: Actor,
    region_code: str | None,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> list[NominationPublic]:
    """The open nominations of a region (the coordinator's own without a code; the
    administrator's: every region's), soonest-nominated first, each with its checks; three
    queries. Another region's code answers as an unknown one. Its days (today, the last day
    of a certification) are the program's, in `zone`."""
    if actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise NotFound("No region with this code.", field="region", rule="exists")
    now = now or utcnow()
    query = (
        select(Nomination, Officer, Agency)
        .join(Officer, col(Officer.id) == Nomination.officer_id)
        .join(Employment, col(Employment.officer_id) == Officer.id)
        .join(Agency, col(Agency.id) == Employment.agency_id)
        .where(col(Nomination.withdrawn_at).is_(None), col(Employment.end_date).is_(None))
    )
    if region_code is not None or not actor.is_admin:
        code = (region_code or actor.region_code or "").strip().upper()
        region = session.exec(select(Region).where(Region.code == code)).first()
        if region is None or not actor.can_act_in(region.id):
            raise NotFound("No region with this code.", field="region", rule="exists")
        query = query.where(Agency.region_id == region.id)
    rows = session.exec(query.order_by(col(Nomination.nominated_at))).all()
    course = session.exec(select(Course).where(Course.code == COURSE)).one()
    until: dict[uuid.UUID, datetime] = {}
    ids = [officer.id for _, officer, _ in rows]
    for officer_id, valid_until in session.exec(
        select(Credential.officer_id, Credential.valid_until).where(
            col(Credential.officer_id).in_(ids),
            Credential.course_id == course.id,
            Credential.status == CredentialStatus.ACTIVE,
            col(Credential.valid_until) > now,
        )
    ):
        until[officer_id] = max(valid_until, until.get(officer_id, valid_until))
    out = []
    today = local_date(now, zone)
    for nomination, officer, agency in rows:
        months = months_between(officer.patrol_start_date, today)
        held = until.get(officer.id)
        last_day = local_date(held, zone) if held else None
        checks = [
            Check(
                name="patrol_experience",
                ok=months >= course.min_patrol_months,
                detail=f"{max(months, 0)} months on patrol; the course needs "
                f"{course.min_patrol_months}.",
            ),
            Check(
                name="not_certified",
                ok=held is None,
                detail="No valid CIT certification."
                if held is None
                else f"Certified until {long_date(last_day)}: the certification lapses "
                "after that day (a renewal, not the course, keeps it).",
            ),
        ]
        out.append(
            copied(
                NominationPublic,
                nomination,
                name=f"{officer.first_name} {officer.last_name}",
                post_id=officer.post_id,
                # The officer's agency now, which a transfer may have changed since.
                agency_id=agency.id,
                agency=agency.name,
                certified_until=last_day,
                eligible=all(c.ok for c in checks),
                checks=checks,
            )
        )
    return out


def volunteers(
    session: Session, actor: Actor, agency_ids: list[uuid.UUID], zone: ZoneInfo
) -> list[NominationPublic]:
    """The open nominations of officers not certified now, at these agencies (those the actor
    sees): whom "schedule a class" proposes to enroll. The coordinator still confirms."""
    wanted = set(agency_ids)
    return [
        n
        for n in open_nominations(session, actor, None, zone)
        if n.agency_id in wanted and n.certified_until is None
    ]


def nominated_at(session: Session, agency_id: uuid.UUID) -> set[uuid.UUID]:
    """The officers with an open nomination made at this agency: one query."""
    return set(
        session.exec(
            select(Nomination.officer_id).where(
                Nomination.agency_id == agency_id, col(Nomination.withdrawn_at).is_(None)
            )
        )
    )


def change_many(
    session: Session, actor: Actor, agency_id: uuid.UUID, officer_ids: list[uuid.UUID], put: bool
) -> int:
    """Nominates (`put`) or withdraws several officers of one agency, each as `nominate` or
    `withdraw` does; an officer serving elsewhere answers as an unknown one."""
    for officer_id in officer_ids:
        _, agency = officer_for(session, actor, officer_id)
        if agency.id != agency_id:
            raise NotFound("No officer with this id.", field="officer_id", rule="exists")
        if put:
            nominate(session, actor, officer_id)
        else:
            withdraw(session, actor, officer_id)
    return len(officer_ids)

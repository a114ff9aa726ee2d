"""Continuing education: the hours that keep a certification alive from one cycle to the next."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from registry.actors import Actor, Role
from registry.audit.service import saved
from registry.common import copied, utcnow
from registry.dates import local_date
from registry.errors import InvalidInput
from registry.people.service import clean_text, get_officer_for
from registry.tables.accounts import User
from registry.tables.credentials import Credential
from registry.tables.training import CERecord, Course
from registry.training.service import course_by_code

# One record is one class or event; a longer one is a typing slip (or the fraud DOMAIN warns of).
MAX_HOURS_PER_RECORD = 40


class CECreate(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Annual CIT recertification"])
    hours: float = Field(gt=0, le=MAX_HOURS_PER_RECORD)
    completed_on: date
    course: str = Field(
        default="CIT-40", min_length=1, max_length=32, description="the certification it counts for"
    )


class CEPublic(BaseModel):
    id: uuid.UUID
    officer_id: uuid.UUID
    course: str
    title: str
    hours: float
    completed_on: date
    recorded_by: str | None
    recorded_at: datetime
    used_by: str | None = Field(
        default=None, description="the renewal these hours counted for (once used, never again)"
    )


def _public(session: Session, row: CERecord, course_code: str) -> CEPublic:
    user = session.get(User, row.recorded_by) if row.recorded_by else None
    return copied(
        CEPublic,
        row,
        course=course_code,
        recorded_by=user.username if user else None,
    )


def record_ce(
    session: Session,
    actor: Actor,
    officer_id: uuid.UUID,
    data: CECreate,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> CEPublic:
    """Records completed continuing education; only the program's office may (never the officer,
    and not instructors, who record attendance in their own classes only)."""
    actor.require_role(Role.ADMIN, Role.COORDINATOR)
    officer = get_officer_for(session, actor, officer_id)
    now = now or utcnow()
    title = clean_text(data.title, "title")
    # The day the coordinator types is the program's: in Denver's evening, UTC is already
    # tomorrow, which has not happened yet.
    if data.completed_on > local_date(now, zone):
        raise InvalidInput(
            "completed_on is in the future; record education once it has happened.",
            field="completed_on",
            rule="not_future",
        )
    course = course_by_code(session, data.course)
    row = CERecord(
        officer_id=officer.id,
        course_id=course.id,
        title=title,
        hours=data.hours,
        completed_on=data.completed_on,
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    saved(session, actor, "ce.record", "ce_record", row)
    return _public(session, row, course.code)


def list_ce(session: Session, actor: Actor, officer_id: uuid.UUID) -> list[CEPublic]:
    officer = get_officer_for(session, actor, officer_id)
    rows = session.exec(
        select(CERecord, Course)
        .join(Course, col(Course.id) == CERecord.course_id)
        .where(CERecord.officer_id == officer.id)
        .order_by(col(CERecord.completed_on).desc(), col(CERecord.recorded_at).desc())
    ).all()
    return [_public(session, row, course.code) for row, course in rows]


def hours_in_cycle(
    session: Session, officer_id: uuid.UUID, course_id: uuid.UUID, start: date, end: date
) -> float:
    """CE hours for one course completed from `start` to `end`, both days included, that no
    renewal has used yet."""
    total = session.exec(
        select(func.coalesce(func.sum(CERecord.hours), 0.0)).where(
            *_unused_in_cycle(officer_id, course_id, start, end)
        )
    ).one()
    return float(total)


def _unused_in_cycle(
    officer_id: uuid.UUID, course_id: uuid.UUID, start: date, end: date
) -> tuple[Any, ...]:
    return (
        CERecord.officer_id == officer_id,
        CERecord.course_id == course_id,
        col(CERecord.completed_on) >= start,
        col(CERecord.completed_on) <= end,
        col(CERecord.used_by).is_(None),
    )


def use_ce(
    session: Session, credential: Credential, renewal_id: str, now: datetime, zone: ZoneInfo
) -> list[str]:
    """Marks the CE records that `hours_in_cycle` counted for `credential` as used by the
    renewal `renewal_id`: hours count for one renewal only. Answers their ids."""
    rows = session.exec(
        select(CERecord)
        .where(
            *_unused_in_cycle(
                credential.officer_id,
                credential.course_id,
                local_date(credential.valid_from, zone),
                local_date(now, zone),
            )
        )
        .with_for_update()
    ).all()
    for row in rows:
        row.used_by = renewal_id
        session.add(row)
    session.flush()
    return [str(row.id) for row in rows]

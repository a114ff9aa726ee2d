"""Courses and classes: scheduling, reading, who may see them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import saved
from registry.common import add_months, copied, utcnow
from registry.dates import local_date, long_date
from registry.errors import (
    NotFound,
    RuleViolation,
)
from registry.people.service import (
    clean_text,
    region_by_code,
)
from registry.tables.people import Region
from registry.tables.training import (
    Course,
    Enrollment,
    Module,
    TrainingClass,
)
from registry.training import schemas

# A class further ahead than this is a typing slip, or a way to hold an officer's seat forever.
SCHEDULE_AHEAD_MONTHS = 18


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - 1 if end.day < start.day else months


# ---- courses ------------------------------------------------------------------------------


def modules_of(session: Session, course_id: uuid.UUID) -> list[Module]:
    return list(
        session.exec(
            select(Module).where(Module.course_id == course_id).order_by(col(Module.position))
        )
    )


def course_public(session: Session, course: Course) -> schemas.CoursePublic:
    return copied(
        schemas.CoursePublic,
        course,
        modules=[
            schemas.ModulePublic(code=m.code, title=m.title, hours=m.hours, required=m.required)
            for m in modules_of(session, course.id)
        ],
    )


def list_courses(session: Session) -> list[schemas.CoursePublic]:
    return [course_public(session, c) for c in session.exec(select(Course).order_by(Course.code))]


def course_by_code(session: Session, code: str) -> Course:
    course = session.exec(select(Course).where(Course.code == code.strip().upper())).first()
    if course is None:
        raise NotFound(f"No course with code {code!r}.", field="course", rule="exists")
    return course


# ---- classes ------------------------------------------------------------------------------


def create_class(
    session: Session,
    actor: Actor,
    data: schemas.ClassCreate,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> TrainingClass:
    course = course_by_code(session, data.course)
    region = region_by_code(session, data.region)
    actor.require_region(region.id, "region")
    if data.end_date < data.start_date:
        raise RuleViolation(
            "end_date is before start_date.", field="end_date", rule="end_after_start"
        )
    if (data.end_date - data.start_date).days > 366:
        raise RuleViolation("A class lasts at most a year.", field="end_date", rule="max_duration")
    # Counted from the program's today, the day the refusal's date is read against.
    horizon = add_months(local_date(now or utcnow(), zone), SCHEDULE_AHEAD_MONTHS)
    if data.start_date > horizon:
        raise RuleViolation(
            f"A class is scheduled at most {SCHEDULE_AHEAD_MONTHS} months ahead "
            f"(start_date on or before {long_date(horizon)}).",
            field="start_date",
            rule="schedule_horizon",
        )
    klass = TrainingClass(
        course_id=course.id,
        region_id=region.id,
        start_date=data.start_date,
        end_date=data.end_date,
        location=clean_text(data.location, "location"),
        capacity=data.capacity,
        created_by=actor.user_id,
    )
    saved(session, actor, "class.create", "class", klass)
    return klass


def get_class(session: Session, actor: Actor, class_id: uuid.UUID) -> TrainingClass:
    klass = session.get(TrainingClass, class_id)
    if klass is None:
        raise NotFound("No class with this id.", field="id", rule="exists")
    actor.require_region(klass.region_id, "class")
    return klass


def class_public(session: Session, klass: TrainingClass) -> schemas.ClassPublic:
    course = session.get(Course, klass.course_id)
    region = session.get(Region, klass.region_id)
    enrolled = session.exec(
        select(func.count()).select_from(Enrollment).where(Enrollment.class_id == klass.id)
    ).one()
    return schemas.ClassPublic(
        id=klass.id,
        course=course.code if course else "",
        region=region.code if region else "",
        start_date=klass.start_date,
        end_date=klass.end_date,
        location=klass.location,
        capacity=klass.capacity,
        enrolled=int(enrolled),
    )


def class_summary(session: Session, class_id: uuid.UUID) -> schemas.ClassPublic | None:
    """The class a credential came from, for whoever may see the credential (the credential's
    own access rule has been checked; the class may be another region's)."""
    klass = session.get(TrainingClass, class_id)
    return class_public(session, klass) if klass is not None else None


def list_classes(session: Session, actor: Actor) -> list[schemas.ClassPublic]:
    query = select(TrainingClass).order_by(col(TrainingClass.start_date).desc())
    query = query.where(actor.in_scope(TrainingClass.region_id))
    return [class_public(session, k) for k in session.exec(query)]


# ---- enrollment ---------------------------------------------------------------------------

"""Who may enroll in a class (patrol experience, capacity, a certification already held), one
by one or a whole list at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import record
from registry.dates import local_date, long_date
from registry.errors import (
    Forbidden,
    NotEligible,
    NotFound,
    RegistryError,
    RuleViolation,
)
from registry.people.service import (
    get_officer_for,
    officer_by_post_id_for,
)
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Agency, Employment, Officer
from registry.tables.training import (
    Course,
    Enrollment,
    TrainingClass,
)
from registry.training import schemas
from registry.training.service import get_class, months_between


def holds_valid_certification(
    session: Session, officer_id: uuid.UUID, course_id: uuid.UUID, on: date, zone: ZoneInfo
) -> Credential | None:
    """A certification still valid after the day `on` (a class's first day, the program's):
    its validUntil day is the one the refusal names, in the program's zone."""
    for credential in session.exec(
        select(Credential).where(
            Credential.officer_id == officer_id,
            Credential.course_id == course_id,
            Credential.status != CredentialStatus.REVOKED,
        )
    ):
        if local_date(credential.valid_until, zone) > on:
            return credential
    return None


def enroll(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    data: schemas.EnrollmentCreate,
    zone: ZoneInfo,
) -> Enrollment:
    klass = get_class(session, actor, class_id)
    # Lock the class row so that two coordinators cannot both take the last seat.
    session.exec(select(TrainingClass).where(TrainingClass.id == klass.id).with_for_update()).one()
    # Before any other rule: to an actor who may not act in the officer's region, the officer
    # is unknown (no "already certified until ..." for an officer of another region).
    officer = get_officer_for(session, actor, data.officer_id, field="officer_id")
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101 - guaranteed by the foreign key
    if session.exec(
        select(Enrollment).where(
            Enrollment.class_id == klass.id, Enrollment.officer_id == officer.id
        )
    ).first():
        raise NotEligible(
            "The officer is already enrolled in this class.",
            field="officer_id",
            rule="already_enrolled",
        )
    months = months_between(officer.patrol_start_date, klass.start_date)
    if months < course.min_patrol_months:
        raise NotEligible(
            f"The course needs {course.min_patrol_months} months of patrol experience; "
            f"the officer will have {max(months, 0)} when the class starts.",
            field="officer_id",
            rule="patrol_experience",
        )
    held = holds_valid_certification(session, officer.id, course.id, klass.start_date, zone)
    if held is not None:
        raise NotEligible(
            f"The officer already holds a valid {course.code} certification until "
            f"{long_date(held.valid_until, zone)}.",
            field="officer_id",
            rule="already_certified",
        )
    enrolled = session.exec(
        select(func.count()).select_from(Enrollment).where(Enrollment.class_id == klass.id)
    ).one()
    if enrolled >= klass.capacity:
        raise NotEligible(
            f"The class is full ({klass.capacity} seats).", field="officer_id", rule="capacity"
        )
    enrollment = Enrollment(class_id=klass.id, officer_id=officer.id, enrolled_by=actor.user_id)
    session.add(enrollment)
    session.flush()
    record(
        session,
        actor,
        "enrollment.create",
        "class",
        klass.id,
        after={"officer_id": str(officer.id)},
    )
    return enrollment


@dataclass(frozen=True)
class EnrollOutcome:
    """One officer of a bulk enrollment. `name` and `post_id` are set only when the enrollment
    service answered about this officer (enrolled, or refused by a rule of the course): an id
    that is unknown, or names an officer this coordinator may not see, is given back as typed."""

    typed: str
    enrolled: bool
    name: str | None = None
    post_id: str | None = None
    rule: str | None = None
    reason: str | None = None


UNKNOWN_OFFICER = "No officer with this POST id."


def officer_name(officer: Officer) -> str:
    return f"{officer.first_name} {officer.last_name}"


def _visible_officer_id(session: Session, actor: Actor, post_id: str) -> uuid.UUID | None:
    """The officer a typed POST id names, when the actor may see them (else as unknown)."""
    try:
        return officer_by_post_id_for(session, actor, post_id).id
    except NotFound:
        return None


def enroll_many(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    post_ids: list[str],
    officer_ids: list[uuid.UUID],
    zone: ZoneInfo,
) -> list[EnrollOutcome]:
    """Each officer through `enroll`, one at a time: those it refuses are named with the rule,
    the rest are enrolled (not all or nothing)."""
    get_class(session, actor, class_id)
    wanted: list[tuple[str, uuid.UUID | None]] = []
    # Repeats are dropped by what was typed (and by ticked id), never by the officer an id
    # names: an officer out of sight typed twice must answer twice, as an unknown id does.
    typed_seen: set[str] = set()
    for typed in post_ids:
        key = typed.strip().upper()
        if key in typed_seen:
            continue
        typed_seen.add(key)
        wanted.append((typed.strip(), _visible_officer_id(session, actor, typed)))
    wanted += [(str(i), i) for i in dict.fromkeys(officer_ids)]
    out = []
    for typed, officer_id in wanted:
        if officer_id is None:
            out.append(EnrollOutcome(typed, False, rule="exists", reason=UNKNOWN_OFFICER))
            continue
        try:
            with session.begin_nested():
                wanted_one = schemas.EnrollmentCreate(officer_id=officer_id)
                enroll(session, actor, class_id, wanted_one, zone)
        except (NotFound, Forbidden):
            # Unknown or out of sight: the same words either way, and nothing about the officer.
            out.append(EnrollOutcome(typed, False, rule="exists", reason=UNKNOWN_OFFICER))
            continue
        except RegistryError as refused:
            officer = session.get(Officer, officer_id)
            out.append(
                EnrollOutcome(
                    typed,
                    False,
                    name=officer_name(officer) if officer else None,
                    post_id=officer.post_id if officer else None,
                    rule=refused.rule,
                    reason=refused.detail,
                )
            )
            continue
        officer = session.get(Officer, officer_id)
        assert officer is not None  # noqa: S101 - enroll found it
        out.append(EnrollOutcome(typed, True, name=officer_name(officer), post_id=officer.post_id))
    return out


def enrolled_ids(session: Session, class_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.exec(select(Enrollment.officer_id).where(Enrollment.class_id == class_id)))


def certified_ids(session: Session, class_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.exec(select(Credential.officer_id).where(Credential.class_id == class_id)))


def check_batch_officer(
    officer_id: uuid.UUID, index: int, enrolled: set[uuid.UUID], certified: set[uuid.UUID]
) -> None:
    if officer_id not in enrolled:
        raise RuleViolation(
            "This officer is not enrolled in the class.",
            field=f"records[{index}].officer_id",
            rule="enrolled",
        )
    if officer_id in certified:
        raise RuleViolation(
            "This officer is already certified from this class; the record is closed.",
            field=f"records[{index}].officer_id",
            rule="already_certified",
        )


def enrollable_officers(session: Session, actor: Actor, class_id: uuid.UUID) -> list[Officer]:
    """The officers serving in the class's region who are not enrolled in it yet."""
    klass = get_class(session, actor, class_id)
    return list(
        session.exec(
            select(Officer)
            .join(Employment, col(Employment.officer_id) == Officer.id)
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(
                col(Employment.end_date).is_(None),
                Agency.region_id == klass.region_id,
                col(Officer.id).not_in(
                    select(Enrollment.officer_id).where(Enrollment.class_id == klass.id)
                ),
            )
            .order_by(Officer.last_name, Officer.first_name)
            .limit(1000)
        )
    )

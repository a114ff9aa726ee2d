"""The training rules: classes, who may enroll, attendance, results and eligibility."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from registry.accounts.service import Actor
from registry.audit.service import record, snapshot
from registry.common import add_months, utcnow
from registry.credentials.models import Credential, CredentialStatus
from registry.errors import InvalidInput, NotEligible, NotFound, RuleViolation
from registry.people.models import Officer, Region
from registry.people.service import clean_text, get_officer_for, region_by_code
from registry.training import schemas
from registry.training.models import (
    Attendance,
    Course,
    Enrollment,
    Module,
    Result,
    TrainingClass,
)

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
    return schemas.CoursePublic(
        id=course.id,
        code=course.code,
        title=course.title,
        description=course.description,
        total_hours=course.total_hours,
        validity_months=course.validity_months,
        min_patrol_months=course.min_patrol_months,
        ce_hours_per_cycle=course.ce_hours_per_cycle,
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


def create_class(session: Session, actor: Actor, data: schemas.ClassCreate) -> TrainingClass:
    course = course_by_code(session, data.course)
    region = region_by_code(session, data.region)
    actor.require_region(region.id, "region")
    if data.end_date < data.start_date:
        raise RuleViolation(
            "end_date is before start_date.", field="end_date", rule="end_after_start"
        )
    if (data.end_date - data.start_date).days > 366:
        raise RuleViolation("A class lasts at most a year.", field="end_date", rule="max_duration")
    horizon = add_months(date.today(), SCHEDULE_AHEAD_MONTHS)
    if data.start_date > horizon:
        raise RuleViolation(
            f"A class is scheduled at most {SCHEDULE_AHEAD_MONTHS} months ahead "
            f"(start_date on or before {horizon.isoformat()}).",
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
    session.add(klass)
    session.flush()
    record(
        session,
        actor=actor.username,
        action="class.create",
        entity="class",
        entity_id=klass.id,
        after=snapshot(klass),
    )
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


def list_classes(session: Session, actor: Actor) -> list[schemas.ClassPublic]:
    query = select(TrainingClass).order_by(col(TrainingClass.start_date).desc())
    if not actor.is_admin:
        query = query.where(TrainingClass.region_id == actor.region_id)
    return [class_public(session, k) for k in session.exec(query)]


# ---- enrollment ---------------------------------------------------------------------------


def holds_valid_certification(
    session: Session, officer_id: uuid.UUID, course_id: uuid.UUID, on: date
) -> Credential | None:
    for credential in session.exec(
        select(Credential).where(
            Credential.officer_id == officer_id,
            Credential.course_id == course_id,
            Credential.status != CredentialStatus.REVOKED,
        )
    ):
        if credential.valid_until.date() > on:
            return credential
    return None


def enroll(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.EnrollmentCreate
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
    held = holds_valid_certification(session, officer.id, course.id, klass.start_date)
    if held is not None:
        raise NotEligible(
            f"The officer already holds a valid {course.code} certification until "
            f"{held.valid_until.date().isoformat()}.",
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
        actor=actor.username,
        action="enrollment.create",
        entity="class",
        entity_id=klass.id,
        after={"officer_id": str(officer.id)},
    )
    return enrollment


def _enrolled_ids(session: Session, class_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.exec(select(Enrollment.officer_id).where(Enrollment.class_id == class_id)))


def _certified_ids(session: Session, class_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.exec(select(Credential.officer_id).where(Credential.class_id == class_id)))


def _check_batch_officer(
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


def record_attendance(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.AttendanceBatch
) -> int:
    """Sets the hours per officer and module, all records or none."""
    klass = get_class(session, actor, class_id)
    modules = {m.code: m for m in modules_of(session, klass.course_id)}
    enrolled = _enrolled_ids(session, klass.id)
    certified = _certified_ids(session, klass.id)
    seen: set[tuple[uuid.UUID, str]] = set()
    for i, rec in enumerate(data.records):
        _check_batch_officer(rec.officer_id, i, enrolled, certified)
        module = modules.get(rec.module.strip().upper())
        if module is None:
            raise RuleViolation(
                f"The course has no module {rec.module!r}.",
                field=f"records[{i}].module",
                rule="module_exists",
            )
        if rec.hours > module.hours:
            raise RuleViolation(
                f"Module {module.code} lasts {module.hours:g} hours; {rec.hours:g} were given.",
                field=f"records[{i}].hours",
                rule="max_module_hours",
            )
        key = (rec.officer_id, module.code)
        if key in seen:
            raise InvalidInput(
                "The same officer and module appear twice in one submission.",
                field=f"records[{i}]",
                rule="duplicate",
            )
        seen.add(key)
    existing = {
        (a.officer_id, a.module_id): a
        for a in session.exec(select(Attendance).where(Attendance.class_id == klass.id))
    }
    for rec in data.records:
        module = modules[rec.module.strip().upper()]
        row = existing.get((rec.officer_id, module.id))
        before = row.hours if row else None
        if row is None:
            row = Attendance(
                class_id=klass.id,
                officer_id=rec.officer_id,
                module_id=module.id,
                hours=rec.hours,
                recorded_by=actor.user_id,
            )
        else:
            row.hours = rec.hours
            row.recorded_by = actor.user_id
            row.recorded_at = utcnow()
        session.add(row)
        record(
            session,
            actor=actor.username,
            action="attendance.set",
            entity="class",
            entity_id=klass.id,
            before=None
            if before is None
            else {"officer_id": str(rec.officer_id), "module": module.code, "hours": before},
            after={"officer_id": str(rec.officer_id), "module": module.code, "hours": rec.hours},
        )
    session.flush()
    return len(data.records)


def record_results(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.ResultsBatch
) -> int:
    klass = get_class(session, actor, class_id)
    enrolled = _enrolled_ids(session, klass.id)
    certified = _certified_ids(session, klass.id)
    seen: set[uuid.UUID] = set()
    for i, rec in enumerate(data.records):
        _check_batch_officer(rec.officer_id, i, enrolled, certified)
        if rec.written_exam is None and rec.scenario_evaluation is None:
            raise InvalidInput(
                "Give written_exam, scenario_evaluation or both.",
                field=f"records[{i}]",
                rule="required",
            )
        if rec.officer_id in seen:
            raise InvalidInput(
                "The same officer appears twice in one submission.",
                field=f"records[{i}].officer_id",
                rule="duplicate",
            )
        seen.add(rec.officer_id)
    existing = {
        r.officer_id: r for r in session.exec(select(Result).where(Result.class_id == klass.id))
    }
    for rec in data.records:
        row = existing.get(rec.officer_id)
        before = None
        if row is None:
            row = Result(class_id=klass.id, officer_id=rec.officer_id)
        else:
            before = {
                "written_exam": row.written_exam,
                "scenario_evaluation": row.scenario_evaluation,
            }
        if rec.written_exam is not None:
            row.written_exam = rec.written_exam
        if rec.scenario_evaluation is not None:
            row.scenario_evaluation = rec.scenario_evaluation
        row.recorded_by = actor.user_id
        row.recorded_at = utcnow()
        session.add(row)
        record(
            session,
            actor=actor.username,
            action="results.set",
            entity="class",
            entity_id=klass.id,
            before=before,
            after={
                "officer_id": str(rec.officer_id),
                "written_exam": row.written_exam,
                "scenario_evaluation": row.scenario_evaluation,
            },
        )
    session.flush()
    return len(data.records)


# ---- eligibility and roster ---------------------------------------------------------------


@dataclass
class Standing:
    """Where one enrolled officer stands against the course's graduation rules."""

    officer: Officer
    module_hours: dict[str, float] = field(default_factory=dict)
    written_exam: str | None = None
    scenario_evaluation: str | None = None
    missing_modules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    credential_id: str | None = None

    @property
    def hours(self) -> float:
        return sum(self.module_hours.values())

    @property
    def eligible(self) -> bool:
        return not self.reasons


def standings(session: Session, klass: TrainingClass) -> list[Standing]:
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101 - guaranteed by the foreign key
    modules = modules_of(session, course.id)
    by_id = {m.id: m for m in modules}
    officers = session.exec(
        select(Officer)
        .join(Enrollment, col(Enrollment.officer_id) == Officer.id)
        .where(Enrollment.class_id == klass.id)
        .order_by(Officer.last_name, Officer.first_name)
    ).all()
    hours: dict[uuid.UUID, dict[str, float]] = defaultdict(dict)
    # Plain columns, not entities: a class can be thousands of officers times eleven modules.
    for officer_id, module_id, got in session.exec(
        select(Attendance.officer_id, Attendance.module_id, Attendance.hours).where(
            Attendance.class_id == klass.id
        )
    ):
        module = by_id.get(module_id)
        if module is not None:
            hours[officer_id][module.code] = got
    results = {
        officer_id: (written, scenario)
        for officer_id, written, scenario in session.exec(
            select(Result.officer_id, Result.written_exam, Result.scenario_evaluation).where(
                Result.class_id == klass.id
            )
        )
    }
    credentials = dict(
        session.exec(
            select(Credential.officer_id, Credential.id).where(Credential.class_id == klass.id)
        ).all()
    )
    # Enrolment refuses an officer who holds a valid certification, but an officer enrolled in
    # two classes before either certified would otherwise get a second credential from the other.
    held_elsewhere: dict[uuid.UUID, date] = {}
    for other in session.exec(
        select(Credential)
        .join(Enrollment, col(Enrollment.officer_id) == Credential.officer_id)
        .where(
            Enrollment.class_id == klass.id,
            Credential.course_id == course.id,
            Credential.class_id != klass.id,
            Credential.status != CredentialStatus.REVOKED,
        )
    ):
        until = other.valid_until.date()
        if until > klass.start_date:
            held_elsewhere[other.officer_id] = max(
                until, held_elsewhere.get(other.officer_id, until)
            )
    out = []
    for officer in officers:
        s = Standing(officer=officer, module_hours=hours[officer.id])
        s.written_exam, s.scenario_evaluation = results.get(officer.id, (None, None))
        for m in modules:
            got = s.module_hours.get(m.code, 0.0)
            if m.required and got < m.hours:
                s.missing_modules.append(m.code)
                s.reasons.append(f"Module {m.code} ({m.title}): {got:g} of {m.hours:g} hours.")
        if s.hours < course.total_hours:
            s.reasons.append(f"Total attendance {s.hours:g} of {course.total_hours:g} hours.")
        for name, label in (
            ("written_exam", "Written exam"),
            ("scenario_evaluation", "Scenario evaluation"),
        ):
            value = getattr(s, name)
            if value is None:
                s.reasons.append(f"{label} result not recorded.")
            elif value != "pass":
                s.reasons.append(f"{label} not passed.")
        s.credential_id = credentials.get(officer.id)
        if s.credential_id is None and officer.id in held_elsewhere:
            s.reasons.append(
                f"Already holds a valid {course.code} certification until "
                f"{held_elsewhere[officer.id].isoformat()}."
            )
        out.append(s)
    return out


def roster(session: Session, actor: Actor, class_id: uuid.UUID) -> schemas.Roster:
    klass = get_class(session, actor, class_id)
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101
    return schemas.Roster(
        class_id=klass.id,
        course=course.code,
        total_hours=course.total_hours,
        officers=[
            schemas.RosterEntry(
                officer_id=s.officer.id,
                post_id=s.officer.post_id,
                name=f"{s.officer.first_name} {s.officer.last_name}",
                hours=s.hours,
                module_hours=s.module_hours,
                missing_modules=s.missing_modules,
                written_exam=s.written_exam,
                scenario_evaluation=s.scenario_evaluation,
                eligible=s.eligible,
                reasons=s.reasons,
                credential_id=s.credential_id,
            )
            for s in standings(session, klass)
        ],
    )

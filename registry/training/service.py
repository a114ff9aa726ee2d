"""The training rules: classes, who may enroll, attendance, results and eligibility."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import record, snapshot
from registry.common import add_months, utcnow
from registry.errors import (
    Forbidden,
    InvalidInput,
    NotEligible,
    NotFound,
    RegistryError,
    RuleViolation,
)
from registry.people.service import (
    clean_text,
    get_officer_for,
    officer_by_post_id_for,
    region_by_code,
)
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import (
    Attendance,
    Course,
    Enrollment,
    MakeupAttendance,
    Module,
    Result,
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


def class_summary(session: Session, class_id: uuid.UUID) -> schemas.ClassPublic | None:
    """The class a credential came from, for whoever may see the credential (the credential's
    own access rule has been checked; the class may be another region's)."""
    klass = session.get(TrainingClass, class_id)
    return class_public(session, klass) if klass is not None else None


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


def _name(officer: Officer) -> str:
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
                enroll(session, actor, class_id, schemas.EnrollmentCreate(officer_id=officer_id))
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
                    name=_name(officer) if officer else None,
                    post_id=officer.post_id if officer else None,
                    rule=refused.rule,
                    reason=refused.detail,
                )
            )
            continue
        officer = session.get(Officer, officer_id)
        assert officer is not None  # noqa: S101 - enroll found it
        out.append(EnrollOutcome(typed, True, name=_name(officer), post_id=officer.post_id))
    return out


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


def record_makeup(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.MakeupCreate
) -> MakeupAttendance:
    """Make-up hours for one officer and module: counted toward the module, audited, and never
    more than the hours the officer still missed in it."""
    klass = get_class(session, actor, class_id)
    modules = {m.code: m for m in modules_of(session, klass.course_id)}
    _check_batch_officer(
        data.officer_id, 0, _enrolled_ids(session, klass.id), _certified_ids(session, klass.id)
    )
    module = modules.get(data.module.strip().upper())
    if module is None:
        raise RuleViolation(
            f"The course has no module {data.module!r}.", field="module", rule="module_exists"
        )
    if data.source_class_id is not None:
        source = session.get(TrainingClass, data.source_class_id)
        if source is None or source.id == klass.id:
            raise NotFound("No other class with this id.", field="source_class_id", rule="exists")
        actor.require_region(source.region_id, "source_class_id")
        if source.course_id != klass.course_id:
            raise RuleViolation(
                "Make-up hours come from a class of the same course.",
                field="source_class_id",
                rule="same_course",
            )
    if data.held_on > date.today():
        raise RuleViolation(
            "Make-up hours are recorded once they were attended.",
            field="held_on",
            rule="not_in_future",
        )
    attended = (
        session.exec(
            select(Attendance.hours).where(
                Attendance.class_id == klass.id,
                Attendance.officer_id == data.officer_id,
                Attendance.module_id == module.id,
            )
        ).first()
        or 0.0
    )
    made_up = sum(
        session.exec(
            select(MakeupAttendance.hours).where(
                MakeupAttendance.class_id == klass.id,
                MakeupAttendance.officer_id == data.officer_id,
                MakeupAttendance.module_id == module.id,
            )
        )
    )
    missing = max(0.0, module.hours - attended - made_up)
    if data.hours > missing:
        raise RuleViolation(
            f"Module {module.code} lasts {module.hours:g} hours; the officer attended "
            f"{attended:g} and made up {made_up:g}, so at most {missing:g} can be made up.",
            field="hours",
            rule="max_module_hours",
        )
    row = MakeupAttendance(
        class_id=klass.id,
        officer_id=data.officer_id,
        module_id=module.id,
        hours=data.hours,
        source_class_id=data.source_class_id,
        held_on=data.held_on,
        location=clean_text(data.location, "location"),
        note=clean_text(data.note, "note") if data.note.strip() else "",
        recorded_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor.username,
        action="attendance.makeup",
        entity="class",
        entity_id=klass.id,
        after={
            "officer_id": str(data.officer_id),
            "module": module.code,
            "hours": data.hours,
            "held_on": data.held_on.isoformat(),
            "location": row.location,
            "source_class_id": str(data.source_class_id) if data.source_class_id else None,
            "note": row.note,
        },
    )
    return row


def attended_hours(
    session: Session, actor: Actor, class_id: uuid.UUID
) -> dict[tuple[uuid.UUID, str], float]:
    """The hours attended in the class itself, per officer and module code (the grid's cells;
    make-up hours are recorded apart)."""
    klass = get_class(session, actor, class_id)
    codes = {m.id: m.code for m in modules_of(session, klass.course_id)}
    return {
        (officer_id, codes[module_id]): got
        for officer_id, module_id, got in session.exec(
            select(Attendance.officer_id, Attendance.module_id, Attendance.hours).where(
                Attendance.class_id == klass.id
            )
        )
        if module_id in codes
    }


def makeups(session: Session, actor: Actor, class_id: uuid.UUID) -> list[dict[str, object]]:
    """The make-up hours recorded for the class, for its page."""
    klass = get_class(session, actor, class_id)
    rows = session.exec(
        select(MakeupAttendance, Officer, Module)
        .join(Officer, col(Officer.id) == MakeupAttendance.officer_id)
        .join(Module, col(Module.id) == MakeupAttendance.module_id)
        .where(MakeupAttendance.class_id == klass.id)
        .order_by(col(MakeupAttendance.held_on))
    ).all()
    return [
        {
            "name": _name(o),
            "module": m.code,
            "hours": mk.hours,
            "held_on": mk.held_on,
            "location": mk.location,
            "note": mk.note,
            "from_class": mk.source_class_id is not None,
        }
        for mk, o, m in rows
    ]


def record_attendance_changes(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.AttendanceBatch
) -> int:
    """A whole grid as the console sends it: only the cells whose hours differ from those on
    record are set (and audited); the number of cells changed."""
    klass = get_class(session, actor, class_id)
    by_id = {m.id: m.code for m in modules_of(session, klass.course_id)}
    stored = {
        (officer_id, by_id.get(module_id)): hours
        for officer_id, module_id, hours in session.exec(
            select(Attendance.officer_id, Attendance.module_id, Attendance.hours).where(
                Attendance.class_id == klass.id
            )
        )
    }
    changed = [
        r for r in data.records if stored.get((r.officer_id, r.module.strip().upper())) != r.hours
    ]
    if not changed:
        return 0
    return record_attendance(session, actor, class_id, schemas.AttendanceBatch(records=changed))


def full_attendance(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    *,
    officer_id: uuid.UUID | None = None,
    module: str | None = None,
) -> int:
    """Every module's full hours for every officer still open in the class, or for one officer,
    or one module: the common case in one step; the exceptions are then edited in the grid."""
    klass = get_class(session, actor, class_id)
    modules = modules_of(session, klass.course_id)
    if module is not None:
        modules = [m for m in modules if m.code == module.strip().upper()]
        if not modules:
            raise RuleViolation(
                f"The course has no module {module!r}.", field="module", rule="module_exists"
            )
    open_ids = _enrolled_ids(session, klass.id) - _certified_ids(session, klass.id)
    if officer_id is not None:
        if officer_id not in open_ids:
            raise RuleViolation(
                "This officer is not enrolled in the class, or is already certified from it.",
                field="officer_id",
                rule="enrolled",
            )
        open_ids = {officer_id}
    if not open_ids:
        raise RuleViolation(
            "Nobody in this class is waiting for attendance.", field="class", rule="enrolled"
        )
    records = [
        schemas.AttendanceRecord(officer_id=o, module=m.code, hours=m.hours)
        for o in sorted(open_ids)
        for m in modules
    ]
    return record_attendance(session, actor, class_id, schemas.AttendanceBatch(records=records))


def record_results_changes(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.ResultsBatch
) -> int:
    """The results table as the console sends it: only officers whose results differ from
    those on record are set (and audited); the number of officers changed."""
    klass = get_class(session, actor, class_id)
    stored = {
        officer_id: (written, scenario)
        for officer_id, written, scenario in session.exec(
            select(Result.officer_id, Result.written_exam, Result.scenario_evaluation).where(
                Result.class_id == klass.id
            )
        )
    }
    changed = []
    for r in data.records:
        written, scenario = stored.get(r.officer_id, (None, None))
        if (r.written_exam or written, r.scenario_evaluation or scenario) != (written, scenario):
            changed.append(r)
    if not changed:
        return 0
    return record_results(session, actor, class_id, schemas.ResultsBatch(records=changed))


def pass_everyone(session: Session, actor: Actor, class_id: uuid.UUID, field: str) -> int:
    """Records a pass in the written exam or the scenario evaluation for every open officer who
    has no result in it yet; a fail is then recorded for the few who did not pass."""
    if field not in ("written_exam", "scenario_evaluation"):
        raise InvalidInput(
            "Choose written_exam or scenario_evaluation.", field="field", rule="choice"
        )
    klass = get_class(session, actor, class_id)
    open_ids = _enrolled_ids(session, klass.id) - _certified_ids(session, klass.id)
    recorded = {
        officer_id
        for officer_id, value in session.exec(
            select(Result.officer_id, getattr(Result, field)).where(Result.class_id == klass.id)
        )
        if value is not None
    }
    waiting = sorted(open_ids - recorded)
    if not waiting:
        raise RuleViolation(
            "Every officer still open in this class already has this result.",
            field=field,
            rule="nothing_to_record",
        )
    records = [
        schemas.ResultRecord.model_validate({"officer_id": o, field: "pass"}) for o in waiting
    ]
    return record_results(session, actor, class_id, schemas.ResultsBatch(records=records))


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
    # Make-up hours count with the class's own, never past the module's length.
    for officer_id, module_id, got in session.exec(
        select(
            MakeupAttendance.officer_id, MakeupAttendance.module_id, MakeupAttendance.hours
        ).where(MakeupAttendance.class_id == klass.id)
    ):
        module = by_id.get(module_id)
        if module is not None:
            total = hours[officer_id].get(module.code, 0.0) + got
            hours[officer_id][module.code] = min(total, module.hours)
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
                name=_name(s.officer),
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


@dataclass(frozen=True)
class ClassPage:
    """Everything the console's class page shows, read with the actor's rights."""

    klass: schemas.ClassPublic
    course: Course
    modules: list[Module]
    roster: schemas.Roster
    attended: dict[tuple[uuid.UUID, str], float]
    makeups: list[dict[str, object]]
    may_enroll: bool
    # The region's officers not in the class yet, for coordinators to tick.
    enrollable: list[Officer]
    # Other classes of the course this actor sees: where make-up hours may come from.
    other_classes: list[schemas.ClassPublic]


def class_page(session: Session, actor: Actor, class_id: uuid.UUID) -> ClassPage:
    klass = get_class(session, actor, class_id)
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101 - foreign key
    may_enroll = actor.is_office
    return ClassPage(
        klass=class_public(session, klass),
        course=course,
        modules=modules_of(session, course.id),
        roster=roster(session, actor, class_id),
        attended=attended_hours(session, actor, class_id),
        makeups=makeups(session, actor, class_id),
        may_enroll=may_enroll,
        enrollable=enrollable_officers(session, actor, class_id) if may_enroll else [],
        other_classes=[
            k for k in list_classes(session, actor) if k.course == course.code and k.id != klass.id
        ],
    )

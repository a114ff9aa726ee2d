"""Attendance, make-up hours and results: recorded, corrected in bulk, audited."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.dates import local_date
from registry.errors import (
    InvalidInput,
    NotFound,
    RuleViolation,
)
from registry.people.service import (
    clean_text,
)
from registry.tables.people import Officer
from registry.tables.training import (
    Attendance,
    MakeupAttendance,
    Module,
    TrainingClass,
)
from registry.training import schemas
from registry.training.enrollment import (
    certified_ids,
    check_batch_officer,
    enrolled_ids,
    officer_name,
)
from registry.training.service import get_class, modules_of


def record_attendance(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.AttendanceBatch
) -> int:
    """Sets the hours per officer and module, all records or none."""
    klass = get_class(session, actor, class_id)
    modules = {m.code: m for m in modules_of(session, klass.course_id)}
    enrolled = enrolled_ids(session, klass.id)
    certified = certified_ids(session, klass.id)
    seen: set[tuple[uuid.UUID, str]] = set()
    for i, rec in enumerate(data.records):
        check_batch_officer(rec.officer_id, i, enrolled, certified)
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
        cell = {"officer_id": str(rec.officer_id), "module": module.code}
        was = None if before is None else {**cell, "hours": before}
        record(
            session, actor, "attendance.set", "class", klass.id, was, {**cell, "hours": rec.hours}
        )
    session.flush()
    return len(data.records)


def record_makeup(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    data: schemas.MakeupCreate,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> MakeupAttendance:
    """Make-up hours for one officer and module: counted toward the module, audited, and never
    more than the hours the officer still missed in it."""
    klass = get_class(session, actor, class_id)
    modules = {m.code: m for m in modules_of(session, klass.course_id)}
    check_batch_officer(
        data.officer_id, 0, enrolled_ids(session, klass.id), certified_ids(session, klass.id)
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
    # The program's day: in Denver's evening UTC's is already tomorrow, not yet attended.
    if data.held_on > local_date(now or utcnow(), zone):
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
        actor,
        "attendance.makeup",
        "class",
        klass.id,
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
            "name": officer_name(o),
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
    open_ids = enrolled_ids(session, klass.id) - certified_ids(session, klass.id)
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


# ---- eligibility and roster ---------------------------------------------------------------

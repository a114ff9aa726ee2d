"""Where each enrolled officer stands (hours, missing modules, results, eligible or why not),
and the class page built from it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.dates import local_date, long_date
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Officer
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
from registry.training.attendance import attended_hours, makeups
from registry.training.enrollment import enrollable_officers, officer_name
from registry.training.results import history
from registry.training.service import class_public, get_class, list_classes, modules_of


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


def standings(session: Session, klass: TrainingClass, zone: ZoneInfo) -> list[Standing]:
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
        until = local_date(other.valid_until, zone)
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
                f"{long_date(held_elsewhere[officer.id])}."
            )
        out.append(s)
    return out


def roster(session: Session, actor: Actor, class_id: uuid.UUID, zone: ZoneInfo) -> schemas.Roster:
    klass = get_class(session, actor, class_id)
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101
    attempts = history(session, klass.id)
    return schemas.Roster(
        class_id=klass.id,
        course=course.code,
        total_hours=course.total_hours,
        officers=[
            schemas.RosterEntry(
                officer_id=s.officer.id,
                post_id=s.officer.post_id,
                name=officer_name(s.officer),
                hours=s.hours,
                module_hours=s.module_hours,
                missing_modules=s.missing_modules,
                written_exam=s.written_exam,
                scenario_evaluation=s.scenario_evaluation,
                eligible=s.eligible,
                reasons=s.reasons,
                credential_id=s.credential_id,
                result_history=attempts.get(s.officer.id, []),
            )
            for s in standings(session, klass, zone)
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


def class_page(session: Session, actor: Actor, class_id: uuid.UUID, zone: ZoneInfo) -> ClassPage:
    klass = get_class(session, actor, class_id)
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101 - foreign key
    may_enroll = actor.is_office
    return ClassPage(
        klass=class_public(session, klass),
        course=course,
        modules=modules_of(session, course.id),
        roster=roster(session, actor, class_id, zone),
        attended=attended_hours(session, actor, class_id),
        makeups=makeups(session, actor, class_id),
        may_enroll=may_enroll,
        enrollable=enrollable_officers(session, actor, class_id) if may_enroll else [],
        other_classes=[
            k for k in list_classes(session, actor) if k.course == course.code and k.id != klass.id
        ],
    )

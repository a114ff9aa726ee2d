"""Tables for courses and their modules, classes, enrollments, attendance and results."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.tables.columns import key, moment


class Course(SQLModel, table=True):
    __tablename__ = "courses"

    id: uuid.UUID = key()
    code: str = Field(max_length=32, unique=True, index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    achievement_name: str = Field(max_length=200)
    credential_name: str = Field(max_length=200)
    criteria: str = Field(max_length=2000)
    total_hours: float
    validity_months: int
    min_patrol_months: int
    ce_hours_per_cycle: float


class Module(SQLModel, table=True):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "code"),)

    id: uuid.UUID = key()
    course_id: uuid.UUID = Field(foreign_key="courses.id", index=True)
    code: str = Field(max_length=32)
    title: str = Field(max_length=200)
    hours: float
    required: bool = True
    position: int = 0


class TrainingClass(SQLModel, table=True):
    __tablename__ = "classes"

    id: uuid.UUID = key()
    course_id: uuid.UUID = Field(foreign_key="courses.id", index=True)
    region_id: uuid.UUID = Field(foreign_key="regions.id", index=True)
    start_date: date
    end_date: date
    location: str = Field(max_length=300)
    capacity: int
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = moment(now=True)


class Enrollment(SQLModel, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("class_id", "officer_id"),)

    id: uuid.UUID = key()
    class_id: uuid.UUID = Field(foreign_key="classes.id", index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    enrolled_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    enrolled_at: datetime = moment(now=True)


class _ClassRecord(SQLModel):
    """What attendance (a class's own or made up) and results are: something recorded of an
    officer in a class, by whom (and when: `recorded_at`, a column of each table's own)."""

    id: uuid.UUID = key()
    class_id: uuid.UUID = Field(foreign_key="classes.id", index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id")
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class Attendance(_ClassRecord, table=True):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("class_id", "officer_id", "module_id"),)

    module_id: uuid.UUID = Field(foreign_key="modules.id")
    hours: float
    recorded_at: datetime = moment(now=True)


class Result(_ClassRecord, table=True):
    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("class_id", "officer_id"),)

    written_exam: str | None = Field(default=None, max_length=4)
    scenario_evaluation: str | None = Field(default=None, max_length=4)
    recorded_at: datetime = moment(now=True)


class ResultAttempt(SQLModel, table=True):
    """Every exam or scenario result as recorded, in order: a retake adds an attempt and leaves
    the earlier ones (the latest is the one in `results`, which decides eligibility)."""

    __tablename__ = "result_attempts"

    id: uuid.UUID = key()
    class_id: uuid.UUID = Field(foreign_key="classes.id", index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id")
    evaluation: str = Field(max_length=24)  # written_exam or scenario_evaluation
    attempt: int  # 1 for the first result, 2 for the first retake, ...
    outcome: str = Field(max_length=4)
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    recorded_at: datetime = moment(now=True)


class CERecord(SQLModel, table=True):
    """Continuing education that keeps a certification alive (4 hours per 2-year cycle)."""

    __tablename__ = "ce_records"

    id: uuid.UUID = key()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    course_id: uuid.UUID = Field(foreign_key="courses.id")
    title: str = Field(max_length=200)
    hours: float
    completed_on: date
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    recorded_at: datetime = moment(now=True)
    # The renewal these hours counted for: CE hours count for one renewal only.
    used_by: str | None = Field(
        default=None, foreign_key="credentials.id", max_length=32, index=True
    )


class MakeupAttendance(_ClassRecord, table=True):
    """Hours of a module an officer made up outside their class (in another class of the same
    course, or a make-up session): who recorded them, when and where they were held, and why.
    Eligibility counts them with the class's own attendance, up to the module's hours."""

    __tablename__ = "makeup_attendance"

    module_id: uuid.UUID = Field(foreign_key="modules.id")
    hours: float
    # The other class of the same course where the hours were attended; None for a session.
    source_class_id: uuid.UUID | None = Field(default=None, foreign_key="classes.id")
    held_on: date
    location: str = Field(max_length=300)
    note: str = Field(default="", max_length=1000)
    recorded_at: datetime = moment(now=True)

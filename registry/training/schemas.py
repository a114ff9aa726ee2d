"""Request and response models for courses, classes, enrollment, attendance, results, rosters."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Outcome = Literal["pass", "fail"]


class ModulePublic(BaseModel):
    code: str
    title: str
    hours: float
    required: bool


class CoursePublic(BaseModel):
    id: uuid.UUID
    code: str
    title: str
    description: str
    total_hours: float
    validity_months: int
    min_patrol_months: int
    ce_hours_per_cycle: float
    modules: list[ModulePublic]


class ClassCreate(BaseModel):
    course: str = Field(min_length=1, max_length=32, description="course code", examples=["CIT-40"])
    region: str = Field(min_length=1, max_length=16, description="region code")
    start_date: date
    end_date: date
    location: str = Field(min_length=1, max_length=300)
    capacity: int = Field(ge=1, le=500)


class ClassPublic(BaseModel):
    id: uuid.UUID
    course: str
    region: str
    start_date: date
    end_date: date
    location: str
    capacity: int
    enrolled: int


class EnrollmentCreate(BaseModel):
    officer_id: uuid.UUID


class EnrollmentPublic(BaseModel):
    id: uuid.UUID
    class_id: uuid.UUID
    officer_id: uuid.UUID


class AttendanceRecord(BaseModel):
    officer_id: uuid.UUID
    module: str = Field(min_length=1, max_length=32, description="module code")
    hours: float = Field(ge=0, allow_inf_nan=False)


class AttendanceBatch(BaseModel):
    records: list[AttendanceRecord] = Field(min_length=1, max_length=10_000)


class ResultRecord(BaseModel):
    officer_id: uuid.UUID
    written_exam: Outcome | None = None
    scenario_evaluation: Outcome | None = None


class ResultsBatch(BaseModel):
    records: list[ResultRecord] = Field(min_length=1, max_length=10_000)


class BatchSaved(BaseModel):
    saved: int


class ResultAttemptPublic(BaseModel):
    """One recorded result; a retake is a later attempt, and the latest decides eligibility."""

    officer_id: uuid.UUID
    evaluation: Literal["written_exam", "scenario_evaluation"]
    attempt: int = Field(description="1 for the first result, 2 for the first retake, ...")
    outcome: Outcome
    recorded_at: datetime


class RosterEntry(BaseModel):
    officer_id: uuid.UUID
    post_id: str
    name: str
    hours: float
    module_hours: dict[str, float]
    missing_modules: list[str]
    written_exam: Outcome | None
    scenario_evaluation: Outcome | None
    eligible: bool
    reasons: list[str]
    credential_id: str | None
    result_history: list[ResultAttemptPublic] = Field(
        default_factory=list, description="every result recorded, retakes after the first"
    )


class Roster(BaseModel):
    class_id: uuid.UUID
    course: str
    total_hours: float
    officers: list[RosterEntry]


class MakeupCreate(BaseModel):
    """Hours of one module made up outside the class: where, when, and why."""

    officer_id: uuid.UUID
    module: str = Field(min_length=1, max_length=32, description="module code")
    hours: float = Field(gt=0, allow_inf_nan=False)
    held_on: date
    location: str = Field(min_length=1, max_length=300)
    source_class_id: uuid.UUID | None = Field(
        default=None, description="another class of the same course, if the hours were there"
    )
    note: str = Field(default="", max_length=1000)

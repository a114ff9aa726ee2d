"""Request and response models for patrol plans, assignments, coverage and the on-duty list."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$"
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Rotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    anchor: date = Field(examples=["2027-01-04"])
    cycle_days: int = Field(ge=1, le=366, examples=[14])
    on_days: list[int] = Field(min_length=1, max_length=366, examples=[[0, 1, 4, 5, 6, 9, 10]])


class District(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE, examples=["NORTH"])
    name: str = Field(min_length=1, max_length=200, examples=["North district"])


class Shift(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE, examples=["NIGHT"])
    name: str = Field(min_length=1, max_length=200, examples=["Night"])
    starts: str = Field(pattern=CLOCK, examples=["22:00"], description="local time, HH:MM")
    ends: str = Field(
        pattern=CLOCK, examples=["06:00"], description="local time; at or before starts: next day"
    )
    rotation: Rotation | None = None


class PatrolPlan(BaseModel):
    """An agency's whole plan; a PUT replaces it (assignments to codes that remain are kept)."""

    model_config = ConfigDict(extra="forbid")

    districts: list[District] = Field(max_length=200)
    shifts: list[Shift] = Field(max_length=50)


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district: str | None = Field(default=None, max_length=16)
    shift: str | None = Field(default=None, max_length=16)


class AssignmentPublic(BaseModel):
    officer_id: uuid.UUID
    district: str | None
    shift: str | None


class AgencyRef(BaseModel):
    id: uuid.UUID
    name: str
    ori: str


class SlotPublic(BaseModel):
    district: str
    shift: str
    certified_now: int
    assigned: int


class DayPublic(BaseModel):
    date: date
    covered: int
    slots: int


class GapPublic(BaseModel):
    date: date
    district: str
    shift: str
    cause: str


class AgencyCoverage(BaseModel):
    agency: AgencyRef
    slots: list[SlotPublic]
    days: list[DayPublic]
    gaps: list[GapPublic]
    first_gap: date | None


class AgencyOutlook(BaseModel):
    agency_id: uuid.UUID
    name: str
    slots: int
    covered_now: int
    first_gap: date | None
    officers_certified: int
    officers_to_train: int


class OnDutyOfficer(BaseModel):
    officer_id: uuid.UUID
    name: str
    post_id: str
    shift: str
    valid_until: datetime


class OnDutyDistrict(BaseModel):
    code: str
    officers: list[OnDutyOfficer]


class OnDuty(BaseModel):
    at: datetime
    districts: list[OnDutyDistrict]


class AgencyOfficer(BaseModel):
    """An officer of the agency as its liaison sees them: who, where, certified until when."""

    officer_id: uuid.UUID
    post_id: str
    name: str
    district: str | None
    shift: str | None
    certified_until: date | None

"""Request and response models for regions, agencies and officers."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class RegionCreate(BaseModel):
    code: str = Field(min_length=1, max_length=16, examples=["SL"])
    name: str = Field(min_length=1, max_length=200, examples=["Salt Lake County"])


class RegionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class RegionSummary(BaseModel):
    """A region with what it holds, for the administrator's overview."""

    code: str
    name: str
    agencies: int
    officers: int
    coordinators: int


class RegionPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str


class AgencyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Salt Lake City Police Department"])
    ori: str = Field(min_length=1, max_length=32, examples=["UT0180000"])
    region: str = Field(min_length=1, max_length=16, description="region code", examples=["SL"])


class AgencyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    ori: str | None = Field(default=None, min_length=1, max_length=32)
    region: str | None = Field(
        default=None, min_length=1, max_length=16, description="region code (admin only)"
    )


class AgencyPublic(BaseModel):
    id: uuid.UUID
    name: str
    ori: str
    region: str


class OfficerCreate(BaseModel):
    post_id: str = Field(min_length=1, max_length=32, examples=["UT-123456"])
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    agency_id: uuid.UUID
    patrol_start_date: date
    email: str | None = Field(default=None, max_length=254)
    protected: bool = False


class OfficerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    patrol_start_date: date | None = None
    email: str | None = Field(default=None, max_length=254)
    protected: bool | None = None


class TransferRequest(BaseModel):
    agency_id: uuid.UUID
    effective_date: date


class EmploymentPublic(BaseModel):
    agency_id: uuid.UUID
    agency_name: str
    ori: str
    start_date: date
    end_date: date | None


class OfficerPublic(BaseModel):
    id: uuid.UUID
    post_id: str
    first_name: str
    last_name: str
    email: str | None
    protected: bool
    patrol_start_date: date
    agency_id: uuid.UUID | None
    region: str | None
    employments: list[EmploymentPublic]

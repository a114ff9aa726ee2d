"""Tables for each agency's patrol plan: its districts and its shifts (fixed or rotating)."""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.tables.columns import key


class _PlanEntry(SQLModel):
    """What a district and a shift both are: an entry of one agency's plan, named by a code
    unique within the agency."""

    id: uuid.UUID = key()
    agency_id: uuid.UUID = Field(foreign_key="agencies.id", index=True)
    code: str = Field(max_length=16)
    name: str = Field(max_length=200)


class PatrolDistrict(_PlanEntry, table=True):
    """A district (beat, sector, zone) of an agency; officers are assigned to it by code."""

    __tablename__ = "patrol_districts"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    # The plan's own order, as the agency gave it (districts are not always alphabetical).
    position: int = 0


class PatrolShift(_PlanEntry, table=True):
    """A shift in the program's local time; it may end after midnight (it belongs to the day it
    starts). Without a rotation it works every day; with one, on `on_days` offsets of a cycle of
    `cycle_days` days counted from `anchor`."""

    __tablename__ = "patrol_shifts"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    starts: time
    ends: time
    anchor: date | None = None
    cycle_days: int | None = None
    # Comma-separated offsets into the cycle ("0,1,4,5,6"): read and written by the service only.
    on_days: str | None = Field(default=None, max_length=400)
    position: int = 0

"""Coverage's counts by agency, kept between requests: each agency's tally of officers and
certifications, and the changes (written by triggers) that tell a current tally from a stale one."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from registry.tables.columns import moment


class AgencyTally(SQLModel, table=True):
    """An agency's counts for one course and expiry window, as they stood after `version` of
    the agency's changes (the sum of its AgencyChange weights), on the local day beginning at
    `day_start`, from `fresh_from` (the moment they were counted) until `fresh_until` (the next
    moment time alone changes one of them). A cache: any row may be deleted at any time."""

    __tablename__ = "agency_tallies"

    agency_id: uuid.UUID = Field(primary_key=True)
    course_id: uuid.UUID = Field(primary_key=True)
    window_days: int = Field(primary_key=True)
    version: int
    officers: int
    certified: int
    expiring: int
    day_start: datetime = moment()
    on_day: int
    fresh_from: datetime = moment()
    fresh_until: datetime = moment()


class AgencyChange(SQLModel, table=True):
    """Changes to what an agency's tallies count, written by the database's triggers on
    credentials and employments (migration 0020), one row a change, never updated: the sum of
    an agency's `weight` only grows. Reads fold an agency's rows into one of their sum
    (registry/reports/tallies.py), which keeps the sum."""

    __tablename__ = "agency_changes"
    __table_args__ = (Index("ix_agency_changes_agency", "agency_id", "weight"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: uuid.UUID
    weight: int = 1

"""Coverage's counts by agency, kept between requests: each agency's tally of officers and
certifications, and the change count that tells a tally from a stale one (kept by triggers)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from registry.tables.columns import moment


class AgencyTally(SQLModel, table=True):
    """An agency's counts for one course and expiry window, as they stood at `version` of the
    agency's changes, on the local day beginning at `day_start`, from `fresh_from` (the moment
    they were counted) until `fresh_until` (the next moment time alone changes one of them). A
    cache: any row may be deleted at any time."""

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


class AgencyChanges(SQLModel, table=True):
    """How many times what an agency's tallies count has changed: the database's triggers on
    credentials and employments (migration 0020) count up `version`; no row is version 0."""

    __tablename__ = "agency_tally_versions"

    agency_id: uuid.UUID = Field(primary_key=True)
    version: int = 0

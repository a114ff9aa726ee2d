"""Table for the liaison's nominations of volunteers for the next CIT class."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from registry.tables.columns import key, moment


class Nomination(SQLModel, table=True):
    """An officer who volunteers for the next class, put forward by the agency; open until
    withdrawn (the coordinator enrolls from the list, with the prerequisite checks beside it)."""

    __tablename__ = "nominations"
    # The open nominations, oldest first, without reading every current employment.
    __table_args__ = (Index("ix_nominations_open", "withdrawn_at", "nominated_at"),)

    id: uuid.UUID = key()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    agency_id: uuid.UUID = Field(foreign_key="agencies.id", index=True)
    nominated_by: str = Field(max_length=100)
    nominated_at: datetime = moment(now=True)
    withdrawn_at: datetime | None = moment(optional=True)

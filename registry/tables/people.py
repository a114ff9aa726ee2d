"""Tables for regions, agencies, officers and employments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.tables.columns import key, moment


class Region(SQLModel, table=True):
    __tablename__ = "regions"

    id: uuid.UUID = key()
    code: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=200)
    # How the public reaches the region's coordinator (printed on /agencies).
    contact: str | None = Field(default=None, max_length=200)
    created_at: datetime = moment(now=True)


class ProgramContact(SQLModel, table=True):
    """How the public and officers reach the state program, set by the administrator: one row
    (id 1), printed on the verdict pages, the lookup and the wallet."""

    __tablename__ = "program_contact"

    id: int = Field(default=1, primary_key=True)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=300)
    updated_at: datetime = moment(now=True)


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: uuid.UUID = key()
    name: str = Field(max_length=200)
    ori: str = Field(max_length=9, unique=True, index=True)
    region_id: uuid.UUID = Field(foreign_key="regions.id", index=True)
    created_at: datetime = moment(now=True)


class Officer(SQLModel, table=True):
    __tablename__ = "officers"

    id: uuid.UUID = key()
    post_id: str = Field(max_length=32, unique=True, index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100, index=True)
    email: str | None = Field(default=None, max_length=254)
    protected: bool = False
    patrol_start_date: date
    # The capability secret behind the officer's wallet link; a coordinator can re-issue it.
    wallet_key: str = Field(max_length=64, unique=True)
    # Where and when the officer patrols: codes of the current agency's plan (tables/patrol.py),
    # both set or both empty; a transfer clears them.
    district: str | None = Field(default=None, max_length=16)
    shift: str | None = Field(default=None, max_length=16)
    created_at: datetime = moment(now=True)


class Employment(SQLModel, table=True):
    __tablename__ = "employments"
    __table_args__ = (
        UniqueConstraint("officer_id", "start_date", "agency_id"),
        # An agency's current officers from the index alone (coverage's counts, by agency).
        Index("ix_employments_agency_current", "agency_id", "end_date", "officer_id"),
    )

    id: uuid.UUID = key()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    agency_id: uuid.UUID = Field(foreign_key="agencies.id", index=True)
    start_date: date
    end_date: date | None = None

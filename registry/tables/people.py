"""Tables for regions, agencies, officers and employments."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint, event
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


def folded(text: str) -> str:
    """Text as the officer search compares it: accents dropped (É → e), case folded (ß → ss),
    compatibility forms spelled out (ﬁ → fi). The same on both databases, whatever their
    collation: it is done here, not by the database."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare.casefold())


def search_text(post_id: str, first_name: str, last_name: str) -> str:
    """What the officer search looks in: the POST id and the full name, folded."""
    return folded(f"{post_id} {first_name} {last_name}")


def _search_text_default(context: Any) -> str:
    """For inserts that do not name it (the state generator's bulk inserts)."""
    row = context.get_current_parameters()
    return search_text(row["post_id"], row["first_name"], row["last_name"])


class Officer(SQLModel, table=True):
    __tablename__ = "officers"
    __table_args__ = (
        # An agency's officers by name, a page at a time, read off the index (people/listing).
        Index("ix_officers_agency_name", "agency_id", "last_name", "first_name", "id"),
        # Everyone by name (the search without a term, and the order of its results).
        Index("ix_officers_name", "last_name", "first_name", "id"),
    )

    id: uuid.UUID = key()
    post_id: str = Field(max_length=32, unique=True, index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
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
    # The agency of the open employment (None without one): a copy kept by people/service on
    # create and transfer, so that an agency's officers come off one index in name order. The
    # employment holds the foreign key (a key here would make SQLite rebuild this table to
    # add or drop the column: migration 0018).
    agency_id: uuid.UUID | None = None
    # search_text() of the record, kept by the events below; what people/search.py looks in
    # (through a trigram index: an FTS5 table on SQLite, pg_trgm on PostgreSQL, migration 0018).
    search_text: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=False, default=_search_text_default),
    )


@event.listens_for(Officer, "before_insert")
@event.listens_for(Officer, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, officer: Officer) -> None:
    officer.search_text = search_text(officer.post_id, officer.first_name, officer.last_name)


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

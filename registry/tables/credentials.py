"""Tables for issued credentials and the status lists their indexes live in."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.tables.columns import moment


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Credential(SQLModel, table=True):
    __tablename__ = "credentials"
    __table_args__ = (
        # One credential per officer and class; renewals count up `generation`.
        UniqueConstraint("class_id", "officer_id", "generation", name="uq_credentials_class_gen"),
        UniqueConstraint("status_list", "status_index"),
        # Coverage's counts (officers holding a certification in force): an officer's
        # credentials of a course read from the index alone, whatever the table's size.
        Index(
            "ix_credentials_officer_course",
            "officer_id",
            "course_id",
            "status",
            "valid_until",
            "valid_from",
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    class_id: uuid.UUID = Field(foreign_key="classes.id", index=True)
    course_id: uuid.UUID = Field(foreign_key="courses.id")
    token: str = Field(sa_column=Column(Text, nullable=False))
    kid: str = Field(max_length=64)
    status: str = Field(default=CredentialStatus.ACTIVE, max_length=16)
    status_reason: str | None = Field(default=None, max_length=1000)
    status_changed_at: datetime | None = moment(optional=True)
    status_list: int
    status_index: int
    hours: float
    issued_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    issued_at: datetime = moment(now=True)
    valid_from: datetime = moment()
    valid_until: datetime = moment(index=True)
    generation: int = 0
    renewal_of: str | None = Field(default=None, foreign_key="credentials.id", max_length=32)
    superseded_by: str | None = Field(default=None, max_length=32)


class StatusList(SQLModel, table=True):
    """One numbered list; revocation and suspension share its size and indexes."""

    __tablename__ = "status_lists"

    n: int = Field(primary_key=True)
    size: int
    # Bumped on every status change so every worker's cached signed list knows it is stale.
    revision: int = 0
    created_at: datetime = moment(now=True)


class StatusAllocation(SQLModel, table=True):
    """Every index ever handed out; the primary key is what keeps indexes unique across workers."""

    __tablename__ = "status_allocations"

    list_n: int = Field(primary_key=True, foreign_key="status_lists.n")
    idx: int = Field(primary_key=True)


class ExpiryNotice(SQLModel, table=True):
    """One expiry notice sent (or written to the outbox) per credential and warning window."""

    __tablename__ = "expiry_notices"
    __table_args__ = (UniqueConstraint("credential_id", "window_days"),)

    id: int | None = Field(default=None, primary_key=True)
    credential_id: str = Field(foreign_key="credentials.id", max_length=32, index=True)
    window_days: int
    channel: str = Field(max_length=16)
    address: str | None = Field(default=None, max_length=254)
    sent_at: datetime = moment(now=True)


class CredentialDocument(SQLModel, table=True):
    """A credential's Data Integrity form: made on its first request, then kept as it is."""

    __tablename__ = "credential_documents"

    credential_id: str = Field(primary_key=True, foreign_key="credentials.id", max_length=32)
    document: str = Field(sa_column=Column(Text, nullable=False))
    kid: str = Field(max_length=64)
    created_at: datetime = moment(now=True)

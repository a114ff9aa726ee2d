"""Tables for users and their API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from registry.tables.columns import key, moment


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = key()
    username: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    region_id: uuid.UUID | None = Field(default=None, foreign_key="regions.id")
    # A liaison's one agency (every other role has none).
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id")
    password_hash: str | None = Field(default=None, max_length=200)
    # Where invitations and password resets are sent (staff only; officers' emails are theirs).
    email: str | None = Field(default=None, max_length=254)
    active: bool = True
    created_at: datetime = moment(now=True)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: uuid.UUID = key()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    # SHA-256 of the token: tokens carry 256 random bits, so a slow hash would add nothing.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = moment(now=True)
    revoked_at: datetime | None = moment(optional=True)


class WebSession(SQLModel, table=True):
    """A signed-in console session; the cookie holds a random token, the table its hash."""

    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = moment(now=True)
    expires_at: datetime = moment()


class AccountLink(SQLModel, table=True):
    """A single-use link that lets a person set their own password: an invitation from the
    administrator or a reset they asked for. The link holds a random token; only its SHA-256 is
    stored (256 random bits: a slow hash would add nothing)."""

    __tablename__ = "account_links"

    id: uuid.UUID = key()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=16)  # "invite" or "reset"
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = moment(now=True)
    expires_at: datetime = moment()
    used_at: datetime | None = moment(optional=True)


class ImportMapping(SQLModel, table=True):
    """The columns of an agency's own spreadsheet, as last mapped to the registry's fields: the
    next file from that agency is offered the same mapping."""

    __tablename__ = "import_mappings"

    agency_id: uuid.UUID = Field(foreign_key="agencies.id", primary_key=True)
    # JSON: {registry field: the file's column name}
    columns: str = Field(max_length=4000)
    updated_at: datetime = moment(now=True)


class FormSubmission(SQLModel, table=True):
    """A creating form's one-time token (its hash), stored with the page of what it created:
    the same form sent again (Back, then submit) lands there instead of creating it twice."""

    __tablename__ = "form_submissions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="users.id")
    landed_on: str = Field(default="", max_length=300)
    created_at: datetime = moment(now=True)

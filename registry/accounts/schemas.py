"""What the account pages and commands show of a user (never a hash)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class UserPublic(BaseModel):
    id: uuid.UUID
    username: str
    role: str
    region: str | None
    agency: str | None = None  # a liaison's agency, by ORI
    email: str | None = None  # where invitations and resets go
    disabled: bool
    has_password: bool
    last_sign_in: datetime | None
    created_at: datetime

"""Request and response models for certification and credential status changes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class CertifyRequest(BaseModel):
    officer_ids: list[uuid.UUID] | None = Field(default=None, max_length=10_000)


class IssuedCredential(BaseModel):
    officer_id: uuid.UUID
    credential_id: str
    token: str
    verify_url: str
    wallet_url: str


class Skipped(BaseModel):
    officer_id: uuid.UUID
    reasons: list[str]


class CertifyResult(BaseModel):
    issued: list[IssuedCredential]
    skipped: list[Skipped]


class StatusChange(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class Holder(BaseModel):
    officer_id: uuid.UUID
    name: str
    post_id: str
    protected: bool


class CredentialRecord(BaseModel):
    id: str
    credential_id: str
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    token: str
    kid: str
    holder: Holder
    class_id: uuid.UUID
    course: str
    hours: float
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    verify_url: str
    wallet_url: str
    # Renewal chain: the credential this one renewed, and the newer one that replaced it.
    renewal_of: str | None = None
    superseded_by: str | None = None


class StatusChangeRecord(CredentialRecord):
    also_changed: list[str] = Field(
        default_factory=list,
        description="the other credentials of the renewal chain this change reached: a "
        "revocation revokes every renewal of the credential; a suspension or reinstatement "
        "reaches the whole chain",
    )


class RenewalResult(BaseModel):
    id: str
    credential_id: str
    token: str
    verify_url: str
    wallet_url: str
    renewal_of: str
    valid_from: datetime
    valid_until: datetime

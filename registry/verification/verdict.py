"""The verdict: what a verification answers (every check and its reason, the credential's facts),
in the shape API.md promises."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import msgspec

from registry.vc.payload import format_datetime

VALID, REVOKED, SUSPENDED, EXPIRED, INVALID = "valid", "revoked", "suspended", "expired", "invalid"


class Check(msgspec.Struct, frozen=True):
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


class Holder(msgspec.Struct, frozen=True):
    name: str | None
    post_id: str | None


class IssuerRef(msgspec.Struct, frozen=True):
    id: str
    name: str | None


class CredentialSummary(msgspec.Struct, frozen=True):
    credential_id: str | None
    holder: Holder
    achievement: str | None
    hours: int | float | None
    issued: str | None
    valid_until: str | None
    issuer: IssuerRef

    def to_dict(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "holder": {"name": self.holder.name, "post_id": self.holder.post_id},
            "achievement": self.achievement,
            "hours": self.hours,
            "issued": self.issued,
            "valid_until": self.valid_until,
            "issuer": {"id": self.issuer.id, "name": self.issuer.name},
        }


@dataclass
class Verdict:
    verdict: str
    reasons: list[str]
    checks: list[Check]
    checked_at: datetime
    credential: CredentialSummary | None = None
    payload: dict[str, Any] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The verdict JSON of API.md (the payload is not part of it)."""
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "checks": [c.to_dict() for c in self.checks],
            "checked_at": format_utc(self.checked_at),
        }
        if self.credential is not None:
            out["credential"] = self.credential.to_dict()
        return out

    def json(self) -> bytes:
        """`to_dict()` as JSON, byte for byte, without building the dictionaries: msgspec writes
        the structs' fields in their order, the order `to_dict` gives them (the verify API's
        answer to a token, on every request)."""
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "checks": self.checks,
            "checked_at": format_utc(self.checked_at),
        }
        if self.credential is not None:
            out["credential"] = self.credential
        return _ENCODE(out)

    def redacted(self) -> Verdict:
        """A copy without the holder's name and POST id, for holders protected after issuance."""
        credential = self.credential
        if credential is not None:
            credential = msgspec.structs.replace(credential, holder=Holder(name=None, post_id=None))
        payload = self.payload
        if payload is not None:
            payload = copy.deepcopy(payload)
            subject = payload.get("credentialSubject")
            if isinstance(subject, dict):
                subject.pop("name", None)
                subject.pop("identifier", None)
        return replace(
            self,
            reasons=list(self.reasons),
            checks=list(self.checks),
            credential=credential,
            payload=payload,
        )


_ENCODE = msgspec.json.Encoder().encode


def format_utc(value: datetime) -> str:
    """RFC 3339 in UTC to the second (naive values are taken as UTC)."""
    return format_datetime(value if value.tzinfo is not None else value.replace(tzinfo=UTC))

"""A credential's state as every page, export, certificate, wallet and lookup shows it, and the
status actions it offers: one rule each, read from here."""

from __future__ import annotations

from datetime import datetime

from registry.tables.credentials import Credential, CredentialStatus

VALID, EXPIRED, REVOKED, SUSPENDED, INVALID = "valid", "expired", "revoked", "suspended", "invalid"
SUPERSEDED = "superseded"

# action: (the statuses it may be taken from, the status it leads to, only the issuing region)
TRANSITIONS: dict[str, tuple[frozenset[CredentialStatus], CredentialStatus, bool]] = {
    "revoke": (
        frozenset({CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED}),
        CredentialStatus.REVOKED,
        True,
    ),
    "suspend": (frozenset({CredentialStatus.ACTIVE}), CredentialStatus.SUSPENDED, False),
    "reinstate": (frozenset({CredentialStatus.SUSPENDED}), CredentialStatus.ACTIVE, False),
}


def display_state(state: str, superseded: bool) -> str:
    """`state` (a verdict, or `record_state`) as shown: a renewal supersedes a certification in
    force or expired, never one that is revoked or suspended, which says so (a renewed
    certification revoked afterwards is revoked, wherever it is shown)."""
    return SUPERSEDED if superseded and state in (VALID, EXPIRED) else state


def record_state(credential: Credential, now: datetime) -> str:
    """What the record alone says, without verifying the signature: revoked or suspended by its
    status, else expired or valid by its dates."""
    return state_of(credential.status, credential.valid_until, now)


def state_of(status: str, valid_until: datetime, now: datetime) -> str:
    """`record_state` of a record's columns (exports read plain rows, not records)."""
    if status == CredentialStatus.REVOKED:
        return REVOKED
    if status == CredentialStatus.SUSPENDED:
        return SUSPENDED
    return EXPIRED if valid_until <= now else VALID


def shown_state(credential: Credential, now: datetime) -> str:
    """The record's state as shown (console lists, exports)."""
    return display_state(record_state(credential, now), credential.superseded_by is not None)


def allowed_actions(credential: Credential) -> list[str]:
    """The status actions the credential offers now (each may still be refused to an actor of
    another region: the service decides that)."""
    return [name for name, (sources, _, _) in TRANSITIONS.items() if credential.status in sources]

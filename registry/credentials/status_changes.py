"""Revoking, suspending and reinstating a credential, and the others of its renewal chain the
change reaches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.credentials.display import TRANSITIONS
from registry.credentials.service import get_credential_for
from registry.credentials.status import bump_revision
from registry.errors import RuleViolation
from registry.tables.credentials import Credential, CredentialStatus

REASON_MAX = 1000  # the status_reason column's size


@dataclass(frozen=True)
class StatusChanged:
    """A status change: the credential asked for, and the others of its renewal chain that the
    change reached with it (see `reach`)."""

    credential: Credential
    reached: list[str]


def _follow(session: Session, credential: Credential, link: str) -> list[Credential]:
    """The renewal chain from `credential` along `link` ("superseded_by" or "renewal_of")."""
    out: list[Credential] = []
    seen = {credential.id}
    next_id = getattr(credential, link)
    while next_id is not None and next_id not in seen:
        other = session.get(Credential, next_id)
        if other is None:
            break
        out.append(other)
        seen.add(other.id)
        next_id = getattr(other, link)
    return out


def reach(session: Session, credential: Credential, action: str) -> list[Credential]:
    """The other credentials of the renewal chain a status change carries to.

    A renewal rests on the certification it renewed: revoking a credential (fraud in the
    training, say) revokes every renewal of it as well, while revoking a renewal leaves what
    it renewed alone. A suspension is about the officer, not one document: it reaches the whole
    chain (the superseded credential still verifies until its own expiry, and the successor is
    what the officer shows now), and so does lifting it.
    """
    after = _follow(session, credential, "superseded_by")
    if action == "revoke":
        return after
    return _follow(session, credential, "renewal_of") + after


def _set_status(
    session: Session,
    actor: Actor,
    credential: Credential,
    action: str,
    reason: str,
    with_credential: str | None = None,
) -> None:
    _, target, _ = TRANSITIONS[action]
    before = {"status": credential.status, "status_reason": credential.status_reason}
    credential.status = target.value
    credential.status_reason = reason
    credential.status_changed_at = utcnow()
    session.add(credential)
    bump_revision(session, credential.status_list)
    after: dict[str, Any] = {"status": credential.status, "status_reason": reason}
    if with_credential is not None:
        after["with"] = with_credential  # the chain's credential the change was asked for
    record(
        session,
        actor,
        f"credential.{action}",
        "credential",
        credential.id,
        before=before,
        after=after,
    )


def change_status(
    session: Session, actor: Actor, credential_id: str, action: str, reason: str
) -> StatusChanged:
    """Revokes, suspends or reinstates a credential and, in the same transaction, the others of
    its renewal chain the change reaches (`reach`); each change is its own audit entry."""
    allowed_from, _, issuing_only = TRANSITIONS[action]
    credential = get_credential_for(session, actor, credential_id, issuing_region_only=issuing_only)
    reason = reason.strip()
    if not reason:
        raise RuleViolation("A reason is required.", field="reason", rule="required")
    if len(reason) > REASON_MAX:
        raise RuleViolation(
            f"A reason is at most {REASON_MAX:,} characters.", field="reason", rule="max_length"
        )
    current = CredentialStatus(credential.status)
    if current not in allowed_from:
        if current is CredentialStatus.REVOKED:
            detail = "The credential is revoked; revocation is final."
        else:
            detail = f"A {current.value} credential cannot be {action}d."
        raise RuleViolation(detail, field="status", rule="status_transition")
    _set_status(session, actor, credential, action, reason)
    reached = []
    for other in reach(session, credential, action):
        # A renewal shares its class (and so its issuing region) with what it renewed; those
        # already in the target state, or past it (revoked), are left as they are.
        if CredentialStatus(other.status) in allowed_from:
            _set_status(session, actor, other, action, reason, with_credential=credential.id)
            reached.append(other.id)
    session.flush()
    return StatusChanged(credential=credential, reached=reached)

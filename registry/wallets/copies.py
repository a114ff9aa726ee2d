"""The copies handed to wallet apps: listed for the officer and their coordinator, withdrawn (a
phone lost, a link leaked); and the wallet link itself, re-issued when it leaked."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.errors import NotFound
from registry.people.service import get_officer_for
from registry.tables.people import Officer
from registry.tables.wallets import HolderCopy, Interaction
from registry.wallets.service import digest, end_link_handovers


class CopyRow(BaseModel):
    """A copy as the officer and their coordinator see it (the API answers it as it is)."""

    model_config = ConfigDict(frozen=True)

    id: str
    credential_id: str
    holder_did: str
    protocol: str
    handed_at: datetime
    user_agent: str | None
    address: str | None
    withdrawn_at: datetime | None
    through: str = Field(
        description='"coordinator": started by staff; "link": from the current wallet link; '
        '"old link": from a wallet link since re-issued (the copies to withdraw when it leaked)'
    )


def copies_of(session: Session, officer_id: Any) -> list[CopyRow]:
    officer = session.get(Officer, officer_id)
    current = digest(officer.wallet_key) if officer is not None else None
    rows = session.exec(
        select(HolderCopy, Interaction)
        .join(Interaction, col(Interaction.id) == col(HolderCopy.interaction_id))
        .where(HolderCopy.officer_id == officer_id)
        .order_by(col(HolderCopy.handed_at).desc())
    ).all()
    return [
        CopyRow(
            id=copy.id,
            credential_id=copy.credential_id,
            holder_did=copy.holder_did,
            protocol=copy.protocol,
            handed_at=copy.handed_at,
            user_agent=copy.user_agent,
            address=copy.address,
            withdrawn_at=copy.withdrawn_at,
            through="coordinator"
            if interaction.via_link is None
            else ("link" if interaction.via_link == current else "old link"),
        )
        for copy, interaction in rows
    ]


def _withdraw(session: Session, copy: HolderCopy, by: str, now: datetime) -> HolderCopy:
    if copy.withdrawn_at is None:
        copy.withdrawn_at = now
        copy.withdrawn_by = by
        session.add(copy)
        record(
            session,
            by,
            "wallet.copy_withdrawn",
            "credential",
            copy.credential_id,
            after={"copy_id": copy.id, "holder_did": copy.holder_did},
        )
        session.flush()
    return copy


def withdraw_for_holder(
    session: Session, officer: Officer, copy_ids: list[str], now: datetime | None = None
) -> int:
    """The officer withdraws copies of their own (a phone lost, an app removed); another
    officer's copy is unknown here. Returns how many were withdrawn now."""
    return _withdraw_all(session, officer.id, copy_ids, f"wallet:{officer.post_id}", now)


def withdraw_for_actor(
    session: Session,
    actor: Actor,
    officer_id: Any,
    copy_ids: list[str],
    now: datetime | None = None,
) -> int:
    """A coordinator withdraws an officer's copies: the coordinator of the region the holder
    serves in now, or the administrator (as for starting a hand-over). To anyone else the
    officer is unknown, as everywhere."""
    officer = get_officer_for(session, actor, officer_id)
    return _withdraw_all(session, officer.id, copy_ids, actor.username, now)


def _withdraw_all(
    session: Session, officer_id: Any, copy_ids: list[str], by: str, now: datetime | None
) -> int:
    now = now or utcnow()
    wanted = [c for c in copy_ids if isinstance(c, str) and 0 < len(c) <= 32][:200]
    copies = session.exec(
        select(HolderCopy).where(
            HolderCopy.officer_id == officer_id, col(HolderCopy.id).in_(wanted)
        )
    ).all()
    if len(copies) != len(set(wanted)) or not wanted:
        raise NotFound("No such copy in a wallet app.", field="copy_id", rule="exists")
    fresh = [c for c in copies if c.withdrawn_at is None]
    for copy in fresh:
        _withdraw(session, copy, by, now)
    return len(fresh)


def rotate_wallet_key(session: Session, actor: Actor, officer_id: uuid.UUID) -> Officer:
    """Gives the officer a new wallet key (coordinator of the officer's region, or admin), and
    ends every hand-over started from the old link: a leaked link must not go on minting copies
    (those it minted already are listed as made through an old link, to withdraw)."""
    officer = get_officer_for(session, actor, officer_id)
    ended = end_link_handovers(session, officer.wallet_key)
    officer.wallet_key = secrets.token_urlsafe(32)
    session.add(officer)
    # The key is a capability: the audit row says that it changed, never what it is.
    record(
        session,
        actor,
        "officer.wallet_link_reissued",
        "officer",
        officer.id,
        after={
            "wallet_link": "re-issued; the previous link no longer works",
            "handovers_ended": ended,
        },
    )
    session.flush()
    return officer

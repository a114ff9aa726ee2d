"""Re-issuing an officer's wallet link: a new secret, and the old link dead at once."""

from __future__ import annotations

import secrets
import uuid

from litestar import post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from pydantic import BaseModel
from sqlmodel import Session

from registry.accounts.guards import office
from registry.actors import Actor
from registry.audit.service import record
from registry.credentials.deps import CurrentIssuer
from registry.http.deps import CurrentActor, DbSession
from registry.people.service import get_officer_for
from registry.tables.people import Officer
from registry.wallets.service import end_link_handovers


class WalletLink(BaseModel):
    wallet_url: str


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


@post(
    "/api/v1/officers/{officer_id:uuid}/wallet-link",
    guards=[office],
    status_code=200,
    tags=["officers"],
    sync_to_thread=True,
    summary="Re-issue the officer's wallet link (the old one stops working)",
    cache_control=CacheControlHeader(no_store=True),
)
def rotate_wallet_link(
    session: DbSession,
    actor: CurrentActor,
    issuer: CurrentIssuer,
    officer_id: FromPath[uuid.UUID],
) -> WalletLink:
    officer = rotate_wallet_key(session, actor, officer_id)
    return WalletLink(wallet_url=issuer.wallet_url(officer))

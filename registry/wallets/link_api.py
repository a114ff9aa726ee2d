"""Re-issuing an officer's wallet link by API (`wallets.copies.rotate_wallet_key`)."""

from __future__ import annotations

from litestar import post
from litestar.datastructures import CacheControlHeader
from pydantic import BaseModel

from registry.accounts.guards import office
from registry.credentials.deps import CurrentIssuer
from registry.http.deps import CurrentActor, DbSession, PathUUID
from registry.wallets.copies import rotate_wallet_key


class WalletLink(BaseModel):
    wallet_url: str


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
    officer_id: PathUUID,
) -> WalletLink:
    officer = rotate_wallet_key(session, actor, officer_id)
    return WalletLink(wallet_url=issuer.wallet_url(officer))

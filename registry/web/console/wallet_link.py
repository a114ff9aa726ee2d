"""The console's wallet forms for an officer: re-issue the wallet link, withdraw copies in
wallet apps."""

from __future__ import annotations

import anyio.to_thread
from litestar import post
from litestar.response import Redirect

from registry.accounts.guards import office
from registry.http.deps import AnyRequest, DbSession, PathUUID
from registry.wallets.copies import copies_of, rotate_wallet_key, withdraw_for_actor
from registry.web.console.common import PREFIX, attempt, posted, redirect


@post("/officers/{officer_id:uuid}/wallet-link", guards=[office], status_code=303)
async def reissue_wallet_link(
    request: AnyRequest,
    session: DbSession,
    officer_id: PathUUID,
) -> Redirect:
    _, actor = await posted(request)  # checks the CSRF token

    def work() -> int:
        officer = rotate_wallet_key(session, actor, officer_id)
        copies = copies_of(session, officer.id)
        return sum(1 for c in copies if c.through == "old link" and c.withdrawn_at is None)

    minted = await anyio.to_thread.run_sync(work)
    # The link is a capability: it stays out of cookies (a flash cookie would carry it); the
    # officer's page, read behind the session, shows the current one.
    message = "New wallet link issued (the old one no longer works): give the officer the link."
    if minted:
        message += (
            f" {minted} cop{'y was' if minted == 1 else 'ies were'} added to wallet apps "
            "through an old link: if it leaked, withdraw them under Copies in wallet apps."
        )
    return redirect(f"{PREFIX}/officers/{officer_id}" + ("#h-copies" if minted else ""), message)


@post("/officers/{officer_id:uuid}/copies/withdraw", guards=[office], status_code=303)
async def withdraw_copies(
    request: AnyRequest,
    session: DbSession,
    officer_id: PathUUID,
) -> Redirect:
    """Withdraws the chosen copies in wallet apps: their keys no longer prove the holder."""
    data, actor = await posted(request)
    copy_ids = [str(v) for v in data.getall("copy_id", [])]
    back = f"{PREFIX}/officers/{officer_id}#h-copies"

    def work() -> int:
        return withdraw_for_actor(session, actor, officer_id, copy_ids)

    def done(n: int) -> Redirect:
        return redirect(back, f"{n} cop{'y' if n == 1 else 'ies'} withdrawn.")

    return await attempt(session, work, back=back, done=done)


HANDLERS = [reissue_wallet_link, withdraw_copies]

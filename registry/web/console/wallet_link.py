"""The console's "new wallet link" button: re-issues an officer's wallet link."""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect

from registry.accounts.guards import office
from registry.people.wallet_api import rotate_wallet_key
from registry.web.console.common import PREFIX, actor_of, form_data, redirect
from registry.web.deps import DbSession


@post("/officers/{officer_id:uuid}/wallet-link", guards=[office], status_code=303)
async def reissue_wallet_link(
    request: Request[Any, Any, Any],
    session: DbSession,
    officer_id: FromPath[uuid.UUID],
) -> Redirect:
    await form_data(request)  # checks the CSRF token
    actor = actor_of(request)
    await anyio.to_thread.run_sync(rotate_wallet_key, session, actor, officer_id)
    # The link is a capability: it stays out of cookies (a flash cookie would carry it); the
    # officer's page, read behind the session, shows the current one.
    return redirect(
        f"{PREFIX}/officers/{officer_id}",
        "New wallet link issued (the old one no longer works): give the officer the link below.",
    )


HANDLERS = [reissue_wallet_link]

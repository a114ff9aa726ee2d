"""Console page for one credential: live verdict, QR, revoke / suspend / reinstate."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.guards import office
from registry.credentials import service, status_changes
from registry.credentials.deps import CurrentIssuer
from registry.credentials.display import allowed_actions
from registry.errors import RegistryError
from registry.http.deps import AnyRequest, DbSession
from registry.http.qr import qr_data_uri
from registry.training import service as training
from registry.verification.deps import CurrentVerifier
from registry.wallets import service as wallets
from registry.wallets.service import lcw_links
from registry.web.console.common import actor_of, attempt, page, posted, redirect, text


@get("/credentials/{credential_id:str}", guards=[office], sync_to_thread=True)
def credential(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    credential_id: FromPath[str],
) -> Template:
    actor = actor_of(request)
    record = service.get_credential_for(session, actor, credential_id)
    verdict = verifier.verify_stored(session, record).to_dict()
    return page(
        request,
        "credential.html",
        title=f"Credential {record.id}",
        record=service.credential_record(session, issuer, record),
        klass=training.class_summary(session, record.class_id),
        superseded_by=record.superseded_by,
        actions=allowed_actions(record),
        v=verdict,
        handover_minutes=int(wallets.INTERACTION_TTL.total_seconds() // 60),
    )


def _change(action: str) -> Any:
    @post(f"/credentials/{{credential_id:str}}/{action}", guards=[office], name=f"console-{action}")
    async def change(
        request: AnyRequest,
        session: DbSession,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
    ) -> Redirect | Template:
        data, actor = await posted(request)
        back = f"/console/credentials/{credential_id}"
        reason = text(data, "reason")
        if action == "revoke" and text(data, "confirm") != "yes":
            # Revocation is final: one more page says so before anything changes.
            def confirm() -> Template:
                record = service.get_credential_for(session, actor, credential_id)
                return page(
                    request,
                    "revoke_confirm.html",
                    title="Revoke this credential?",
                    record=service.credential_record(session, issuer, record),
                    reason=reason,
                )

            return await attempt(session, confirm, back=back)

        past = {"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}[action]

        def work() -> str:
            reached = status_changes.change_status(
                session, actor, credential_id, action, reason
            ).reached
            if not reached:
                return f"Credential {past}."
            others = "the renewals resting on it" if action == "revoke" else "its renewal chain"
            return f"Credential {past}, and with it {others}: {', '.join(reached)}."

        return await attempt(session, work, back=back)

    return change


@post("/credentials/{credential_id:str}/handover", guards=[office], name="console-handover")
async def handover(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    credential_id: FromPath[str],
) -> Template | Redirect:
    """A hand-over to a wallet app, as a handout: its QR code, link and transaction code exist
    only on this page (the registry keeps their hashes), so it is rendered by the POST."""
    data, actor = await posted(request)
    with_code = text(data, "tx_code") == "on"

    def work() -> wallets.Started:
        return wallets.start_for_actor(session, actor, credential_id, with_tx_code=with_code)

    try:
        started = await anyio.to_thread.run_sync(work)
    except RegistryError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return redirect(f"/console/credentials/{credential_id}", exc.detail, error=True)
    url = wallets.interaction_url(issuer, started.secret)
    protocols = wallets.protocols(issuer, started.secret, tx_code=started.tx_code is not None)
    links: dict[str, Any] = lcw_links(issuer, started.secret, tx_code=started.tx_code is not None)
    return page(
        request,
        "handover.html",
        title=f"Hand-over of {started.credential_id}",
        credential_id=started.credential_id,
        interaction_url=url,
        qr=qr_data_uri(url),
        tx_code=started.tx_code,
        offer=protocols[wallets.OID4VCI],
        **links,
        expires_at=started.expires_at,
    )


HANDLERS = [
    credential,
    _change("revoke"),
    _change("suspend"),
    _change("reinstate"),
    handover,
]

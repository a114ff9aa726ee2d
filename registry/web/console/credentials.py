"""Console page for one credential: live verdict, QR, revoke / suspend / reinstate."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.guards import office
from registry.credentials import service
from registry.web.console.common import actor_of, attempt, form_data, page, redirect, text
from registry.web.deps import DbSession


@get("/credentials/{credential_id:str}", guards=[office], sync_to_thread=True)
def credential(
    request: Request[Any, Any, Any], session: DbSession, credential_id: FromPath[str]
) -> Template:
    actor = actor_of(request)
    issuer = request.app.state.issuer
    record = service.get_credential_for(session, actor, credential_id)
    verdict = request.app.state.verifier.verify_stored(session, record).to_dict()
    return page(
        request,
        "credential.html",
        title=f"Credential {record.id}",
        record=service.credential_record(session, issuer, record),
        superseded_by=record.superseded_by,
        v=verdict,
    )


def _change(action: str) -> Any:
    @post(f"/credentials/{{credential_id:str}}/{action}", guards=[office], name=f"console-{action}")
    async def change(
        request: Request[Any, Any, Any], session: DbSession, credential_id: FromPath[str]
    ) -> Redirect:
        data = await form_data(request)
        actor = actor_of(request)
        back = f"/console/credentials/{credential_id}"

        def work() -> list[str]:
            reason = text(data, "reason")
            return service.change_status(session, actor, credential_id, action, reason).reached

        past = {"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}[action]

        def done(reached: list[str]) -> Redirect:
            if not reached:
                return redirect(back, f"Credential {past}.")
            others = "the renewals resting on it" if action == "revoke" else "its renewal chain"
            return redirect(back, f"Credential {past}, and with it {others}: {', '.join(reached)}.")

        return await attempt(session, work, back=back, done=done)

    return change


HANDLERS = [credential, _change("revoke"), _change("suspend"), _change("reinstate")]

"""Console page for one credential: live verdict, QR, revoke / suspend / reinstate."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.guards import office
from registry.credentials import service
from registry.training import service as training
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
        klass=training.class_summary(session, record.class_id),
        superseded_by=record.superseded_by,
        v=verdict,
    )


def _change(action: str) -> Any:
    @post(f"/credentials/{{credential_id:str}}/{action}", guards=[office], name=f"console-{action}")
    async def change(
        request: Request[Any, Any, Any], session: DbSession, credential_id: FromPath[str]
    ) -> Redirect | Template:
        data = await form_data(request)
        actor = actor_of(request)
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
                    record=service.credential_record(session, request.app.state.issuer, record),
                    reason=reason,
                )

            return await attempt(session, confirm, back=back, done=lambda answer: answer)

        def work() -> list[str]:
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

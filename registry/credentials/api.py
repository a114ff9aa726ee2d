"""HTTP routes for certification, credential records and status changes, JWKS and status lists."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from registry.accounts.guards import office
from registry.credentials import schemas, service
from registry.web.deps import CurrentActor, CurrentIssuer, DbSession

VC_JWT = "application/vc+jwt"


class CertifyController(Controller):
    path = "/api/v1/classes"
    tags = ("classes",)

    @post("/{class_id:uuid}/certify", guards=[office], sync_to_thread=True, status_code=200)
    def certify(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        class_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.CertifyRequest | None] = None,
    ) -> schemas.CertifyResult:
        officer_ids = data.officer_ids if data is not None else None
        return service.certify(session, actor, issuer, class_id, officer_ids)


class CredentialController(Controller):
    path = "/api/v1/credentials"
    tags = ("credentials",)

    @get("/{credential_id:str}", guards=[office], sync_to_thread=True)
    def read(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
    ) -> schemas.CredentialRecord:
        credential = service.get_credential_for(session, actor, credential_id)
        return service.credential_record(session, issuer, credential)

    def _change(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        action: str,
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.StatusChangeRecord:
        changed = service.change_status(session, actor, credential_id, action, data.reason)
        record = service.credential_record(session, issuer, changed.credential)
        return schemas.StatusChangeRecord(**dict(record), also_changed=changed.reached)

    @post("/{credential_id:str}/revoke", guards=[office], sync_to_thread=True, status_code=200)
    def revoke(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.StatusChangeRecord:
        return self._change(session, actor, issuer, credential_id, "revoke", data)

    @post("/{credential_id:str}/suspend", guards=[office], sync_to_thread=True, status_code=200)
    def suspend(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.StatusChangeRecord:
        return self._change(session, actor, issuer, credential_id, "suspend", data)

    @post("/{credential_id:str}/reinstate", guards=[office], sync_to_thread=True, status_code=200)
    def reinstate(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.StatusChangeRecord:
        return self._change(session, actor, issuer, credential_id, "reinstate", data)


@get("/.well-known/jwks.json", public=True, tags=["public"], sync_to_thread=False)
def jwks(issuer: CurrentIssuer) -> Response[dict[str, Any]]:
    issuer.keys.refresh()
    return Response(
        issuer.keys.jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@get("/status/{purpose:str}/{n:int}", public=True, tags=["public"], sync_to_thread=True)
def status_list(
    request: Request[Any, Any, Any],
    session: DbSession,
    issuer: CurrentIssuer,
    purpose: FromPath[str],
    n: FromPath[int],
) -> Response[bytes]:
    signed = request.app.state.publisher.get(session, purpose, n)
    headers = {
        "ETag": signed.etag,
        "Cache-Control": "public, max-age=300, must-revalidate",
    }
    if signed.etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    return Response(signed.token.encode(), media_type=VC_JWT, headers=headers)

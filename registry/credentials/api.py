"""HTTP routes for certification, credential records and status changes, JWKS and status lists."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from registry.accounts.guards import office
from registry.credentials import dataintegrity, schemas, service
from registry.credentials.did import did_document
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
    ) -> schemas.CredentialRecord:
        credential = service.change_status(session, actor, credential_id, action, data.reason)
        return service.credential_record(session, issuer, credential)

    @post("/{credential_id:str}/revoke", guards=[office], sync_to_thread=True, status_code=200)
    def revoke(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.CredentialRecord:
        return self._change(session, actor, issuer, credential_id, "revoke", data)

    @post("/{credential_id:str}/suspend", guards=[office], sync_to_thread=True, status_code=200)
    def suspend(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.CredentialRecord:
        return self._change(session, actor, issuer, credential_id, "suspend", data)

    @post("/{credential_id:str}/reinstate", guards=[office], sync_to_thread=True, status_code=200)
    def reinstate(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.CredentialRecord:
        return self._change(session, actor, issuer, credential_id, "reinstate", data)


@get("/.well-known/jwks.json", public=True, tags=["public"], sync_to_thread=False)
def jwks(issuer: CurrentIssuer) -> Response[dict[str, Any]]:
    issuer.keys.refresh()
    return Response(
        issuer.keys.jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@get("/.well-known/did.json", public=True, tags=["public"], sync_to_thread=False)
def did_json(issuer: CurrentIssuer) -> Response[dict[str, Any]]:
    # Minimal: branch i10 owns this route (rotation, compromise, a path under the public URL).
    issuer.keys.refresh()
    keys = [(k["kid"], k) for k in issuer.keys.jwks()["keys"]]
    return Response(
        did_document(issuer.did, keys),
        media_type="application/did+json",
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
    """The list as vc+jwt, or in its Data Integrity form for a client that prefers JSON-LD."""
    di_form = status_form(request.headers.get("accept", "")) == "di"
    publisher = request.app.state.di_publisher if di_form else request.app.state.publisher
    signed = publisher.get(session, purpose, n)
    headers = {
        "ETag": signed.etag,
        "Cache-Control": "public, max-age=300, must-revalidate",
        "Vary": "Accept",
    }
    if signed.etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    media_type = dataintegrity.MEDIA_TYPE if di_form else VC_JWT
    return Response(signed.token.encode(), media_type=media_type, headers=headers)


# What a status list URL serves for each media type a client may accept.
_FORMS = {
    VC_JWT: "jws",
    "application/jwt": "jws",
    dataintegrity.MEDIA_TYPE: "di",
    "application/ld+json": "di",
    "application/json": "di",
}


def status_form(accept: str) -> str:
    """The form ("jws" or "di") of the media type the Accept header ranks highest: by q, then
    the first listed. Without one it names, the JWS: generic VC-JOSE verifiers send no Accept or
    */*; DCC's and Digital Bazaar's loaders send `application/ld+json, application/json`."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")[:20]):
        media, *params = (p.strip() for p in item.split(";"))
        form = _FORMS.get(media.lower())
        if form is None:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0 or q != q:
            continue
        rank = (q, -position, form)
        if best is None or rank > best:
            best = rank
    return best[2] if best is not None else "jws"

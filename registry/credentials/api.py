"""HTTP routes: certification, credentials and their status, JWKS, DID document, status lists."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from litestar import Controller, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from registry.accounts.guards import office
from registry.credentials import schemas, service, status_changes
from registry.credentials.deps import CurrentIssuer
from registry.http.deps import AnyRequest, CurrentActor, DbSession, PathUUID, ProgramZone
from registry.vc.did import did_document, did_document_path, did_web

DID_JSON = "application/did+json"


class CertifyController(Controller):
    path = "/api/v1/classes"
    tags = ("classes",)

    @post("/{class_id:uuid}/certify", guards=[office], sync_to_thread=True, status_code=200)
    def certify(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        class_id: PathUUID,
        zone: ProgramZone,
        data: JSONBody[schemas.CertifyRequest | None] = None,
    ) -> schemas.CertifyResult:
        officer_ids = data.officer_ids if data is not None else None
        return service.certify(session, actor, issuer, class_id, officer_ids, zone)


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


def _status_change(action: str) -> HTTPRouteHandler:
    """`POST /api/v1/credentials/{id}/{action}` for one status action (revoke, suspend,
    reinstate): the change, and the credentials of its renewal chain that changed with it."""

    @post(
        f"/api/v1/credentials/{{credential_id:str}}/{action}",
        guards=[office],
        sync_to_thread=True,
        status_code=200,
        tags=["credentials"],
        name=f"credential-{action}",
        summary=f"{action.capitalize()} a credential",
    )
    def change(
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.StatusChangeRecord:
        changed = status_changes.change_status(session, actor, credential_id, action, data.reason)
        record = service.credential_record(session, issuer, changed.credential)
        return schemas.StatusChangeRecord(**dict(record), also_changed=changed.reached)

    return change


STATUS_CHANGES = [_status_change(action) for action in ("revoke", "suspend", "reinstate")]


def _cacheable(request: AnyRequest, document: dict[str, Any], media_type: str) -> Response[bytes]:
    """A public document with an ETag of its content, so caches and CDNs can revalidate it."""
    body = json.dumps(document, separators=(",", ":")).encode()
    headers = {
        "ETag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        "Cache-Control": "public, max-age=300, must-revalidate",
    }
    if headers["ETag"] in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@get("/.well-known/jwks.json", public=True, tags=["public"], sync_to_thread=False)
def jwks(request: AnyRequest, issuer: CurrentIssuer) -> Response[bytes]:
    """The issuer's public keys (active and retired), each kid the key's DID URL."""
    issuer.keys.refresh()
    return _cacheable(request, issuer.keys.jwks(issuer.did), "application/jwk-set+json")


def did_document_route(public_url: str) -> HTTPRouteHandler:
    """The route of the issuer's DID document, where did:web resolution looks for it
    (`/.well-known/did.json`, or `{path}/did.json` for a public URL with a path)."""

    @get(did_document_path(public_url), public=True, tags=["public"], sync_to_thread=False)
    def did_json(request: AnyRequest, issuer: CurrentIssuer) -> Response[bytes]:
        """The issuer's did:web DID document: every key that still verifies, active first."""
        issuer.keys.refresh()
        document = did_document(issuer.did, issuer.keys.published())
        return _cacheable(request, document, DID_JSON)

    return did_json


DCC_REGISTRY_ENTRY = "/.well-known/dcc-registry-entry.json"


def dcc_registry_entry(public_url: str, name: str, location: str) -> dict[str, Any]:
    """The registry's entry for the Digital Credentials Consortium's issuer registries, in
    their "dcc-legacy" format: the Learner Credential Wallet and VerifierPlus show an issuer as
    known only when its DID is listed there. The program sends this to DCC to be listed."""
    listed = {"name": name, "url": public_url, "location": location}
    return {"registry": {did_web(public_url): listed}}


def dcc_registry_entry_route(public_url: str, name: str, location: str) -> HTTPRouteHandler:
    """The route of the registry's DCC entry, made from the settings (they do not change while
    the server runs)."""
    entry = dcc_registry_entry(public_url, name, location)

    # Out of the OpenAPI document, as a document for DCC rather than an API (its bytes would be
    # described as a string there).
    @get(DCC_REGISTRY_ENTRY, public=True, include_in_schema=False, sync_to_thread=False)
    def dcc_entry(request: AnyRequest) -> Response[bytes]:
        """The issuer's entry for DCC's issuer registries (dcc-legacy format)."""
        return _cacheable(request, entry, "application/json")

    return dcc_entry

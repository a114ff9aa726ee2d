"""HTTP routes of the wallet hand-over: starting one (staff API, the officer's wallet page), the
interaction URL, OpenID4VCI (metadata, token, nonce, credential) and the VC-API exchange."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from litestar import Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from registry.accounts.guards import office
from registry.common import utcnow
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.errors import InvalidInput, NotFound
from registry.http.content import wants_json
from registry.http.deps import AnyRequest, CurrentActor, DbSession, PathUUID
from registry.http.gate import same_origin
from registry.http.qr import qr_data_uri
from registry.http.responses import CAPABILITY_HEADERS as WALLET_HEADERS
from registry.people.service import get_officer_for
from registry.verification.dataintegrity import parse as parse_document
from registry.wallets import copies, exchange, oid4vci, service
from registry.wallets.holders import officer_by_key, own_credential
from registry.wallets.oid4vci import ProtocolError

MAX_FORM_BODY = 8 * 1024
MAX_JSON_BODY = 64 * 1024
# What the wallet protocol's routes share: open to anyone (the secret in the path, or the
# wallet's own proof, is the credential), answered 200, a JSON body of at most MAX_JSON_BODY.
_WALLET_JSON_POST: dict[str, Any] = {
    "public": True,
    "tags": ["wallets"],
    "status_code": 200,
    "request_max_body_size": MAX_JSON_BODY,
}
# The metadata documents a wallet reads first: public, served from memory.
_WALLET_METADATA: dict[str, Any] = {"public": True, "tags": ["wallets"], "sync_to_thread": False}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class InteractionRequest(BaseModel):
    tx_code: bool = Field(
        default=False,
        description="protect the OpenID4VCI offer with a 6-digit transaction code "
        "(the offer is then OpenID4VCI only)",
    )


class InteractionStarted(BaseModel):
    id: str
    interaction_url: str
    protocols: dict[str, str]
    tx_code: str | None = None
    expires_at: datetime


def origin_of(request: AnyRequest) -> service.Origin:
    """Where a wallet's request came from, kept with the copy it receives."""
    return service.Origin(
        user_agent=request.headers.get("user-agent"),
        address=request.client.host if request.client else None,
    )


def _started(issuer: Issuer, started: service.Started) -> InteractionStarted:
    return InteractionStarted(
        id=started.id,
        interaction_url=service.interaction_url(issuer, started.secret),
        protocols=service.protocols(issuer, started.secret, tx_code=started.tx_code is not None),
        tx_code=started.tx_code,
        expires_at=started.expires_at,
    )


@post(
    "/api/v1/credentials/{credential_id:str}/interactions",
    guards=[office],
    tags=["credentials"],
    status_code=201,
    sync_to_thread=True,
    summary="Start a hand-over of the certification to a wallet app",
    cache_control=CacheControlHeader(no_store=True),
)
def start_interaction(
    session: DbSession,
    actor: CurrentActor,
    issuer: CurrentIssuer,
    credential_id: FromPath[str],
    data: JSONBody[InteractionRequest | None] = None,
) -> InteractionStarted:
    wanted = data or InteractionRequest()
    started = service.start_for_actor(session, actor, credential_id, with_tx_code=wanted.tx_code)
    return _started(issuer, started)


# ---- the interaction URL and the VC-API exchange -----------------------------------------------


@get("/interactions/{secret:str}", public=True, tags=["wallets"], sync_to_thread=True)
def interaction(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    secret: FromPath[str],
) -> Response[Any] | Template:
    """What a wallet app finds at the address in the QR code: the protocols it may use (JSON),
    or, in a browser, the same in words."""
    try:
        found = service.open_interaction(session, secret)
    except NotFound as exc:
        if wants_json(request):
            raise
        return Template(
            template_name="interaction.html",
            context={"issuer_name": issuer.name, "gone": exc.detail},
            status_code=404,
            headers=WALLET_HEADERS,
        )
    tx_code = found.tx_code_hash is not None
    protocols = service.protocols(issuer, secret, tx_code=tx_code)
    if wants_json(request):
        return Response({"protocols": protocols}, headers=WALLET_HEADERS)
    return Template(
        template_name="interaction.html",
        context={
            "issuer_name": issuer.name,
            "protocols": protocols,
            **service.lcw_links(issuer, secret, tx_code=tx_code),
            "expires_at": found.expires_at,
        },
        headers=WALLET_HEADERS,
    )


@post("/exchanges/{secret:str}", **_WALLET_JSON_POST)
async def vcapi_exchange(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    secret: FromPath[str],
) -> Response[dict[str, Any]]:
    """The VC-API exchange: an empty request is answered with a DID Authentication request, a
    signed DID Authentication presentation with the holder's copy of the certification."""
    body = await request.body()
    origin = origin_of(request)
    return await anyio.to_thread.run_sync(_exchange, session, issuer, secret, body, origin)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = parse_document(body) if body.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("The body is not JSON.", field="body", rule="json") from None
    if not isinstance(data, dict):
        raise InvalidInput("The body is not a JSON object.", field="body", rule="json")
    return data


def _exchange(
    session: DbSession, issuer: Issuer, secret: str, body: bytes, origin: service.Origin
) -> Response[dict[str, Any]]:
    data = _json_object(body)
    if "verifiablePresentation" in data:
        answer = exchange.accept_presentation(
            session, issuer, secret, data["verifiablePresentation"], origin=origin
        )
        return Response(answer, headers=NO_STORE)
    return Response(exchange.presentation_request(session, issuer, secret), headers=NO_STORE)


@post("/exchanges/{secret:str}/credential-request", **_WALLET_JSON_POST)
async def credential_request(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    secret: FromPath[str],
) -> Response[dict[str, Any]]:
    """The Learner Credential Wallet's older credential request (`vc_request_url` of its deep
    link): the body is its signed DID Authentication presentation itself, the answer a
    presentation carrying the holder's copy."""
    body = await request.body()
    origin = origin_of(request)
    authorization = request.headers.get("authorization", "")
    bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None

    def work() -> dict[str, Any]:
        presentation = _json_object(body)
        return exchange.accept_credential_request(
            session, issuer, secret, presentation, bearer, origin=origin
        )

    return Response(await anyio.to_thread.run_sync(work), headers=NO_STORE)


# ---- OpenID4VCI --------------------------------------------------------------------------------


def _protocol_error(exc: ProtocolError) -> Response[dict[str, Any]]:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return Response(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


@get("/.well-known/openid-credential-issuer", **_WALLET_METADATA)
def credential_issuer_metadata(issuer: CurrentIssuer) -> Response[dict[str, Any]]:
    return Response(
        oid4vci.issuer_metadata(issuer), headers={"Cache-Control": "public, max-age=300"}
    )


@get("/.well-known/oauth-authorization-server", **_WALLET_METADATA)
def authorization_server_metadata(issuer: CurrentIssuer) -> Response[dict[str, Any]]:
    return Response(
        oid4vci.authorization_server_metadata(issuer),
        headers={"Cache-Control": "public, max-age=300"},
    )


@post(
    "/oid4vci/token",
    public=True,
    tags=["wallets"],
    status_code=200,
    request_max_body_size=MAX_FORM_BODY,
)
async def token(request: AnyRequest, session: DbSession) -> Response[dict[str, Any]]:
    """The token endpoint of the pre-authorized code grant (form-encoded, RFC 6749 §3.2)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    return await anyio.to_thread.run_sync(_token, session, media, body)


def _token(session: DbSession, media: str, body: bytes) -> Response[dict[str, Any]]:
    try:
        if media != "application/x-www-form-urlencoded":
            raise ProtocolError(
                "invalid_request", "The body must be application/x-www-form-urlencoded."
            )
        try:
            form = parse_qs(body.decode("utf-8"), strict_parsing=bool(body), max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            raise ProtocolError("invalid_request", "The body is not a form.") from None
        return Response(oid4vci.redeem_code(session, form), headers=NO_STORE)
    except ProtocolError as exc:
        # Answered, not raised: what the refusal changed (a replayed code ends its token, a
        # wrong transaction code counts) must be committed.
        return _protocol_error(exc)


@post("/oid4vci/nonce", public=True, tags=["wallets"], status_code=200, sync_to_thread=True)
def nonce(session: DbSession) -> Response[dict[str, Any]]:
    return Response(oid4vci.new_nonce(session), headers=NO_STORE)


@post("/oid4vci/credential", **_WALLET_JSON_POST)
async def credential(
    request: AnyRequest, session: DbSession, issuer: CurrentIssuer
) -> Response[dict[str, Any]]:
    """The credential endpoint: the holder's copy, for the access token and a key proof."""
    authorization = request.headers.get("authorization")
    body = await request.body()
    origin = origin_of(request)
    return await anyio.to_thread.run_sync(_credential, session, issuer, authorization, body, origin)


def _credential(
    session: DbSession,
    issuer: Issuer,
    authorization: str | None,
    body: bytes,
    origin: service.Origin,
) -> Response[dict[str, Any]]:
    try:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            data = None
        answer = oid4vci.issue_oid4vci(session, issuer, authorization, data, origin=origin)
        return Response(answer, headers=NO_STORE)
    except ProtocolError as exc:
        return _protocol_error(exc)


# ---- the officer's wallet page -----------------------------------------------------------------


@post(
    "/wallet/{key:str}/handover/{credential_id:str}",
    public=True,
    include_in_schema=False,
    status_code=200,
    sync_to_thread=True,
)
def wallet_handover(
    session: DbSession, issuer: CurrentIssuer, key: FromPath[str], credential_id: FromPath[str]
) -> Template:
    """Starts a hand-over from the officer's own wallet page and shows its QR code and link.
    The secret exists only in this answer, so the page is made by the POST; going back to the
    wallet and pressing the button again makes a fresh one."""
    found = own_credential(session, key, credential_id)
    if found is None:  # an unknown wallet, or another officer's credential: the same answer
        return Template(
            template_name="wallet_missing.html",
            context={"issuer_name": issuer.name},
            status_code=404,
            headers=WALLET_HEADERS,
        )
    started = service.start_for_holder(session, *found)
    url = service.interaction_url(issuer, started.secret)
    protocols = service.protocols(issuer, started.secret, tx_code=False)
    links = service.lcw_links(issuer, started.secret, tx_code=False)
    return Template(
        template_name="wallet_handover.html",
        context={
            "issuer_name": issuer.name,
            "key": key,
            "credential_id": started.credential_id,
            "interaction_url": url,
            "qr": qr_data_uri(url),
            "offer": protocols[service.OID4VCI],
            **links,
            "expires_at": started.expires_at,
            "minutes": int(service.INTERACTION_TTL.total_seconds() // 60),
            "now": utcnow(),
        },
        headers=WALLET_HEADERS,
    )


# ---- the copies: listed, withdrawn --------------------------------------------------------------


class Withdrawal(BaseModel):
    copy_ids: list[str] = Field(min_length=1, max_length=200)


class Withdrawn(BaseModel):
    withdrawn: int


@get(
    "/api/v1/officers/{officer_id:uuid}/copies",
    guards=[office],
    tags=["officers"],
    sync_to_thread=True,
    summary="The officer's certifications handed to wallet apps",
)
def list_copies(
    session: DbSession, actor: CurrentActor, officer_id: PathUUID
) -> list[copies.CopyRow]:
    officer = get_officer_for(session, actor, officer_id)
    return copies.copies_of(session, officer.id)


@post(
    "/api/v1/officers/{officer_id:uuid}/copies/withdraw",
    guards=[office],
    tags=["officers"],
    status_code=200,
    sync_to_thread=True,
    summary="Withdraw copies in wallet apps (the certification itself stays valid)",
)
def withdraw_copies(
    session: DbSession,
    actor: CurrentActor,
    officer_id: PathUUID,
    data: JSONBody[Withdrawal],
) -> Withdrawn:
    return Withdrawn(withdrawn=copies.withdraw_for_actor(session, actor, officer_id, data.copy_ids))


@post(
    "/wallet/{key:str}/copies/withdraw",
    public=True,
    include_in_schema=False,
    status_code=303,
    request_max_body_size=MAX_FORM_BODY,
)
async def wallet_withdraw(request: AnyRequest, session: DbSession, key: FromPath[str]) -> Redirect:
    """The officer withdraws a copy from their own wallet page (a phone lost, an app removed).
    The page's address is the capability; a post from another site is refused as well."""
    if not same_origin(request):
        raise NotFound("This wallet link is not valid.")
    copy_ids = [str(v) for v in (await request.form()).getall("copy_id", [])]

    def work() -> int:
        officer = officer_by_key(session, key)
        if officer is None:
            raise NotFound("This wallet link is not valid.")
        return copies.withdraw_for_holder(session, officer, copy_ids)

    withdrawn = await anyio.to_thread.run_sync(work)
    return Redirect(
        path=f"/wallet/{key}?withdrawn={withdrawn}#copies-title",
        status_code=303,
        headers=WALLET_HEADERS,
    )


HANDLERS = [
    list_copies,
    withdraw_copies,
    wallet_withdraw,
    start_interaction,
    interaction,
    vcapi_exchange,
    credential_request,
    credential_issuer_metadata,
    authorization_server_metadata,
    token,
    nonce,
    credential,
    wallet_handover,
]

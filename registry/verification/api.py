"""Public verification: the verify API, the page a phone opens after a scan, QR codes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

import anyio.to_thread
import msgspec
import qrcode
import qrcode.image.svg
from litestar import Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Template
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send
from sqlalchemy import Engine

from registry import metrics
from registry.credentials.deps import CurrentIssuer
from registry.credentials.documents import public_document
from registry.credentials.service import Issuer, get_credential, get_public_credential
from registry.db import unit_of_work
from registry.http.content import VC_JWT, best_of, wants_json
from registry.http.deps import AnyRequest, DbEngine, DbSession
from registry.http.gate import is_json
from registry.http.qr import qr_code
from registry.http.responses import download
from registry.vc import dataintegrity
from registry.verification.deps import CurrentLive, CurrentVerifier
from registry.verification.service import Verifier
from registry.verification.typed import typed_credential_id
from registry.verification.verdict import REVOKED, SUSPENDED, Verdict
from registry.verification.verdict_page import render_verdict, verdict_page

MAX_VERIFY_BODY = 64 * 1024


class VerifyRequest(msgspec.Struct):
    # A msgspec struct, not a pydantic model: decoded and checked in one step, in C.
    token: Annotated[str | None, msgspec.Meta(description="a compact JWS (vc+jwt)")] = None
    credential: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(description="a credential in its Data Integrity form (eddsa-rdfc-2022)"),
    ] = None
    presentation: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(
            description="a Data Integrity verifiable presentation (the holder's proof over "
            "`challenge`), enclosing the certification"
        ),
    ] = None
    challenge: (
        Annotated[str, msgspec.Meta(max_length=512, description="the challenge the verifier gave")]
        | None
    ) = None
    domain: (
        Annotated[str, msgspec.Meta(max_length=512, description="the domain the verifier gave")]
        | None
    ) = None


_TOKEN_ANSWER_HEADERS = ((b"content-type", b"application/json"),)


class TokenRequests:
    """The verify API's common request, `{"token": "<compact JWS>"}`, answered straight from the
    ASGI messages: the body decoded by msgspec into `VerifyRequest`, the verdict encoded by it,
    as `verify_token` does, without Litestar's per-request handler machinery (its signature
    model, dependency resolution and response objects: two thirds of a request's cost beside
    the signature check, scripts/bench).

    A route middleware, so that what the app does for every request still happens: routing, the
    rate limit, the exception handlers, the security headers and the access log (before_send).
    Anything else goes on to `verify_token` unchanged, the body handed over as read: a body
    that is not JSON, over the limit or without a length, another form (a credential, a
    presentation), and every refusal, whose problem+json Litestar writes.
    """

    def __init__(self, app: ASGIApp, verifier: Callable[[], Verifier]) -> None:
        self.app = app
        self.verifier = verifier()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        pairs = list(scope["headers"])
        headers = dict(pairs)
        length = headers.get(b"content-length", b"")
        if not (
            # A repeated header could be read otherwise by the handler: it decides those.
            len(headers) == len(pairs)
            and length.isdigit()
            and int(length) <= MAX_VERIFY_BODY
            and is_json(headers.get(b"content-type", b"").decode("latin-1"))
        ):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more and len(body) <= MAX_VERIFY_BODY:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        # Over the limit after all (a length that did not frame the body): the handler refuses.
        token = _token_alone(body) if not more and len(body) <= MAX_VERIFY_BODY else None
        if token is None:
            await self.app(scope, _replay(body, more, receive), send)
            return
        verdict = await self.verifier.verify_presented(token)
        metrics.verified("token", verdict.verdict)
        answer = verdict.json()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    *_TOKEN_ANSWER_HEADERS,
                    (b"content-length", str(len(answer)).encode("ascii")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer, "more_body": False})


def _token_alone(body: bytes) -> str | None:
    """The token of a request that sends a token and nothing else `verify_token` reads."""
    try:
        request = msgspec.json.decode(body, type=VerifyRequest)
    except msgspec.DecodeError:  # ValidationError included
        return None
    if (
        request.credential is not None
        or request.presentation is not None
        or request.challenge is not None
    ):
        return None
    return request.token


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """`receive` with the body already read handed over first (`more`: and the rest to come)."""
    given = False

    async def again() -> ReceiveMessage:
        nonlocal given
        if given:
            return await receive()
        given = True
        return HTTPRequestEvent(type="http.request", body=body, more_body=more)

    return again


@post(
    "/api/v1/verify",
    public=True,
    tags=["public"],
    status_code=200,
    request_max_body_size=MAX_VERIFY_BODY,
)
async def verify_token(
    request: AnyRequest, verifier: CurrentVerifier, data: JSONBody[VerifyRequest]
) -> dict[str, Any]:
    """The app factory puts TokenRequests in front: a token alone is answered there."""
    if data.presentation is not None or data.challenge is not None:
        body = await request.body()
        shown = await anyio.to_thread.run_sync(verifier.verify_presentation_request, data, body)
        verdict = await verifier.honour_protection(shown.verdict)
        metrics.verified("presentation", verdict.verdict)
        return replace(shown, verdict=verdict).to_dict()
    if data.token is not None and data.credential is None:
        # Pure CPU with status lists in memory: run on the event loop, not in a worker thread,
        # where the GIL would only add hand-offs and long latency tails.
        verdict = await verifier.verify_presented(data.token)
        metrics.verified("token", verdict.verdict)
        return verdict.to_dict()
    # A Data Integrity document costs milliseconds of canonicalization: off the event loop.
    body = await request.body()
    verdict = await anyio.to_thread.run_sync(
        verifier.verify_request, data.token, data.credential, body
    )
    metrics.verified("credential" if data.credential is not None else "token", verdict.verdict)
    return (await verifier.honour_protection(verdict)).to_dict()


@get("/c/{credential_id:str}", public=True, tags=["public"])
async def credential_page(
    request: AnyRequest,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    engine: DbEngine,
    credential_id: FromPath[str],
) -> Response[Any] | Template:
    wanted = credential_id.strip().upper()
    stored = verifier.stored.cached(wanted)
    if stored is None:
        # Typed by hand: O for 0, I or L for 1, spaces and dashes are the same id.
        wanted = typed_credential_id(credential_id) or wanted
    if wants_json(request):
        # The hot path (scanners, hiring systems): the stored token from memory when it was
        # read before, verified on the event loop.
        if stored is None:
            stored = await anyio.to_thread.run_sync(verifier.stored.load, wanted)
        answer = await verifier.verify_record_on_loop(stored)
        metrics.verified("page", answer.verdict)
        return Response(answer.to_dict(), headers={"Cache-Control": "no-store", "Vary": "Accept"})
    verdict = None
    if stored is not None:
        # The page a phone opens, from memory too, unless it is to say since when the
        # credential is revoked or suspended: that date is read from the record, and the
        # verdict already made is shown with it (one verification per request).
        verdict = await verifier.verify_record_on_loop(stored)
        if verdict.verdict not in (REVOKED, SUSPENDED):
            metrics.verified("page", verdict.verdict)
            return render_verdict(issuer, verdict.to_dict(), stored.page.in_force())
    return await anyio.to_thread.run_sync(
        _credential_html, request, engine, issuer, verifier, wanted, verdict
    )


def _credential_html(
    request: AnyRequest,
    engine: Engine,
    issuer: Issuer,
    verifier: Verifier,
    credential_id: str,
    verdict: Verdict | None,
) -> Response[Any] | Template:
    """The verdict page or JSON from the record (`verdict`: the one made from memory)."""
    with unit_of_work(engine, read_only=True) as session:
        credential = get_credential(session, credential_id)
        made = verdict or verifier.verify_stored(session, credential)
        metrics.verified("page", made.verdict)
        shown = made.to_dict()
        headers = {"Cache-Control": "no-store", "Vary": "Accept"}
        if wants_json(request):
            # The verdict keeps the shape API.md promises; renewal shows on the page only.
            return Response(shown, headers=headers)
        stored = verifier.stored.cached(credential.id)  # read just now, or current in memory
        return verdict_page(
            session, issuer, shown, credential, stored.protected if stored is not None else None
        )


@get("/c/{credential_id:str}/qr.svg", public=True, tags=["public"], sync_to_thread=True)
def qr_svg(
    session: DbSession, issuer: CurrentIssuer, credential_id: FromPath[str]
) -> Response[bytes]:
    credential = get_credential(session, credential_id)
    image = qr_code(issuer.credential_url(credential.id)).make_image(
        image_factory=qrcode.image.svg.SvgPathImage
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@get("/c/{credential_id:str}/qr.png", public=True, tags=["public"], sync_to_thread=True)
def qr_png(
    session: DbSession, issuer: CurrentIssuer, credential_id: FromPath[str]
) -> Response[bytes]:
    credential = get_credential(session, credential_id)
    image = qr_code(issuer.credential_url(credential.id)).make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@get("/c/{credential_id:str}/credential.json", public=True, tags=["public"], sync_to_thread=True)
def credential_json(
    engine: DbEngine, issuer: CurrentIssuer, credential_id: FromPath[str]
) -> Response[bytes]:
    """The credential's Data Integrity form (made on the first request, then kept); 404 for a
    protected holder, who fetches it through the wallet link."""
    text = public_document(engine, issuer, credential_id)
    return Response(
        text.encode("utf-8"),
        media_type=dataintegrity.MEDIA_TYPE,
        headers={"Cache-Control": "no-store"},
    )


@get("/c/{credential_id:str}/credential.jwt", public=True, tags=["public"], sync_to_thread=True)
def credential_jwt(session: DbSession, credential_id: FromPath[str]) -> Response[bytes]:
    """The signed credential, for holders whose record is not protected (404 otherwise, as for
    an unknown id: a protected officer downloads it through the wallet link)."""
    credential = get_public_credential(session, credential_id)
    return download(credential.token.encode(), VC_JWT, f"cit-{credential.id}.jwt")


# ---- the status lists, as live status holds them signed ------------------------------------


@get("/status/{purpose:str}/{n:int}", public=True, tags=["public"], sync_to_thread=True)
def status_list(
    request: AnyRequest,
    session: DbSession,
    live: CurrentLive,
    purpose: FromPath[str],
    n: FromPath[int],
) -> Response[bytes]:
    """The list as vc+jwt, or in its Data Integrity form for a client that prefers JSON-LD."""
    di_form = status_form(request.headers.get("accept", "")) == "di"
    signed = live.signed(session, purpose, n, "di" if di_form else "jws")
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
    """The form ("jws" or "di") of the media type the Accept header ranks highest. Without one
    it names, the JWS: generic VC-JOSE verifiers send no Accept or */*; DCC's and Digital
    Bazaar's loaders send `application/ld+json, application/json`."""
    return best_of(accept, _FORMS, "jws")

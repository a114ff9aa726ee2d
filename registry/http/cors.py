"""Cross-origin reads for a browser wallet or verifier, on exactly the public endpoints it calls:
the OpenID4VCI metadata, token, nonce and credential endpoints, the DID document and JWKS, the
status lists, the hand-over's interaction and exchange URLs, and the verify API.

`Access-Control-Allow-Origin: *` and never `Allow-Credentials`: a page on another site can then
read what anyone may fetch, but the browser sends it no cookie, so the console's session and the
officer's wallet page (neither listed) stay out of its reach. The authenticated API is not listed
either: its bearer tokens belong in scripts and servers, not in other sites' pages."""

from __future__ import annotations

import re

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

# The paths, as the router sees them (the DID document's depends on the public URL).
_PATHS = (
    r"/\.well-known/(?:openid-credential-issuer|oauth-authorization-server|jwks\.json)",
    r"/oid4vci/(?:token|nonce|credential)",
    r"/status/[^/]+/[^/]+",
    r"/interactions/[^/]+",
    r"/exchanges/[^/]+(?:/credential-request)?",
    r"/api/v1/verify",
)
METHODS = "GET, POST, OPTIONS"
# What a wallet's requests carry: JSON or form bodies, the OpenID4VCI access token, DPoP.
REQUEST_HEADERS = "Authorization, Content-Type, DPoP"
# What its scripts may read beyond the safelisted response headers.
EXPOSED_HEADERS = "ETag, WWW-Authenticate, Retry-After"
MAX_AGE = "600"
# Added to every answer of a public path.
_READABLE = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
)


def public_paths(did_document_path: str) -> re.Pattern[str]:
    """The paths that answer cross-origin requests, the DID document's among them."""
    return re.compile("|".join((*_PATHS, re.escape(did_document_path))))


class PublicCors:
    """ASGI middleware: answers the CORS preflight of a public path itself, and lets any origin
    read that path's answers (errors included, so a wallet can show why it was refused)."""

    def __init__(self, app: ASGIApp, paths: re.Pattern[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not self.paths.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and any(
            name == b"access-control-request-method" for name, _ in scope["headers"]
        ):
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", METHODS.encode()),
                    (b"access-control-allow-headers", REQUEST_HEADERS.encode()),
                    (b"access-control-max-age", MAX_AGE.encode()),
                ],
            }
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_READABLE]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

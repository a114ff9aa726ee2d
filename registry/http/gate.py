"""What every request must be before a handler sees it (the app's before-request hook).

A path with a NUL character names nothing: 404 (the file system would refuse it with an error).
The JSON API reads JSON bodies only: a form or text/plain body is refused with 415. A page on
another site can make a browser send a form or text/plain POST without asking the
server first (no CORS preflight); a body of type application/json cannot be sent that way. So
refusing other types keeps cross-site requests from ever reaching a JSON handler, whatever
credentials they carry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request

from registry.errors import NotFound, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() != "0"
    return "transfer-encoding" in request.headers


async def before_request(request: Request[Any, Any, Any]) -> None:
    if "\x00" in request.scope["path"]:
        raise NotFound("Nothing here has that name.")
    json_bodies_only(request)


def json_bodies_only(request: Request[Any, Any, Any]) -> None:
    """A route that reads a JSON body (a `data` parameter) gets one declared as JSON, or none
    at all where the body is optional."""
    if request.method not in BODY_METHODS:
        return
    if "data" not in request.route_handler.parsed_fn_signature.parameters:
        return
    if _has_body(request) and not is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType(
            "Send the body as JSON with Content-Type: application/json.",
            field="content-type",
            rule="media_type",
        )


def same_origin(request: Request[Any, Any, Any]) -> bool:
    """A form post must come from our own pages (a second line behind the CSRF token)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return True  # some privacy settings drop both; the token still protects
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host

"""Errors on the public pages a person opens in a browser (the page behind a certificate's QR
code, the lookup form) are answered with a page in words and the same status. Anything that does
not ask for HTML (scripts, hiring systems, `Accept: application/json`) keeps problem+json."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response
from litestar.response import Template

from registry.http.problems import TITLES
from registry.verification.typed import CHECK, advice, as_issued

PAGES = re.compile(r"/(c/[^/]+|lookup|verify)/?")

# Heading, sentence, and whether it is a warning about the certificate itself.
WORDS: dict[int, tuple[str, str, bool]] = {
    404: (
        "Not in the registry",
        "No certification with this id was issued by this registry. If you typed the address, "
        "check the id in it against the certificate, character by character. If a certificate's "
        "QR code led here, that certificate was not issued by this registry. Do not rely on a "
        "certificate whose code leads here.",
        True,
    ),
    429: (
        "Too many checks",
        "Too many checks came from this address in the last minute. Wait a minute and try again.",
        False,
    ),
    503: (
        "Try again shortly",
        "The registry cannot reach its records just now, so this check says nothing about the "
        "certification either way. Try again in a few seconds.",
        False,
    ),
}


# Where a person may land by typing or following a wrong address: a 404 there is a page too.
NOT_PEOPLES = ("/api/", "/console", "/schema", "/status/", "/.well-known/", "/static/")
LOST = (
    "Page not found",
    "There is no page at this address. To check a CIT certification, scan the QR code on the "
    "certificate, or type its credential id on the verification page.",
    False,
)


def _wants_page(request: Request[Any, Any, Any], status: int = 0) -> bool:
    accept = request.headers.get("accept", "")
    if "text/html" not in accept:
        return False
    path = request.url.path
    return bool(PAGES.fullmatch(path)) or (status == 404 and not path.startswith(NOT_PEOPLES))


def _typed_id(path: str) -> tuple[str, str, bool] | None:
    """For /c/{id} with an id no QR code of ours holds: a typo, said plainly, no warning."""
    if not path.startswith("/c/") or "/" in path[3:].rstrip("/"):
        return None
    raw = unquote(path[3:].rstrip("/"))
    if as_issued(raw):
        return None
    sentence = " ".join(["The registry has no certification with this id.", CHECK, *advice(raw)])
    return ("Not in the registry", sentence, False)


def public_page_aware(
    handler: Callable[[Request[Any, Any, Any], Any], Response[Any]],
) -> Callable[[Request[Any, Any, Any], Any], Response[Any]]:
    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        problem = handler(request, exc)  # logs what needs logging
        status = problem.status_code or 500
        if not _wants_page(request, status):
            return problem
        body = problem.content if isinstance(problem.content, dict) else {}
        heading, sentence, warning = (
            LOST
            if not PAGES.fullmatch(request.url.path)
            else WORDS.get(
                status,
                (TITLES.get(status, "Something went wrong"), str(body.get("detail", "")), False),
            )
        )
        typed = _typed_id(request.url.path) if status == 404 else None
        if typed is not None:
            heading, sentence, warning = typed
        kept = {k: v for k, v in problem.headers.items() if k.lower() == "retry-after"}
        return Template(
            template_name="public_error.html",
            context={
                "heading": heading,
                "sentence": sentence,
                "warning": warning,
            },
            status_code=status,
            headers={"Cache-Control": "no-store", **kept},
        )

    return handle

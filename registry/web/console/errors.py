"""Errors on console pages become pages (or the sign-in form), not problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.response import Redirect

from registry.accounts.sessions import SignedIn
from registry.imports.reading import MAX_BYTES
from registry.web.console.common import PREFIX, page

HEADINGS = {
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    422: "Not possible",
    503: "Try again shortly",
}
TOO_LARGE = (
    f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MiB a CSV import takes; "
    "nothing was saved. Split it into smaller files and import each."
)


def _back_to(request: Request[Any, Any, Any]) -> str:
    """Where to land after signing in again: the page asked for, or, for a form sent when the
    session had ended, the page the form was on (its action may have no page of its own: a
    redirect there after sign-in led back to the sign-in page). Only this site's console pages
    (the sign-in handler checks `next` again)."""
    path = request.url.path
    if request.method == "GET":
        return path
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc in ("", request.url.netloc)
    if same_site and (referer.path == PREFIX or referer.path.startswith(PREFIX + "/")):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return PREFIX


def console_aware(
    handler: Callable[[Request[Any, Any, Any], Any], Response[Any]],
) -> Callable[[Request[Any, Any, Any], Any], Response[Any]]:
    """The problem handler decides the status and the words (and logs what needs logging);
    on a console path they are shown as a page."""

    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        problem = handler(request, exc)
        path = request.url.path
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return problem
        status = problem.status_code or 500
        if status == 401 or not isinstance(request.scope.get("auth"), SignedIn):
            return Redirect(path=f"/login?next={quote(_back_to(request))}", status_code=303)
        body = problem.content if isinstance(problem.content, dict) else {}
        return page(
            request,
            "error.html",
            status=status,
            title=HEADINGS.get(status, "Error"),
            heading=HEADINGS.get(status, "Something went wrong"),
            detail=TOO_LARGE if status == 413 else str(body.get("detail", "")),
        )

    return handle

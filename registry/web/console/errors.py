"""Errors on console pages become pages (or the sign-in form), not problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

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
            return Redirect(path=f"/login?next={quote(path)}", status_code=303)
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

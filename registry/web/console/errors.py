"""Errors on console pages become pages (or the sign-in form), not problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from registry.accounts.sessions import SignedIn
from registry.errors import RegistryError
from registry.imports.service import MAX_BYTES
from registry.web.console.common import PREFIX, page
from registry.web.problems import DATABASE_UNAVAILABLE, SAVED_AT_ONCE, UNSTORABLE

HEADINGS = {
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    422: "Not possible",
    503: "Try again shortly",
}


def _status(exc: Exception) -> int:
    if isinstance(exc, RegistryError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, OperationalError | PoolTimeout):
        return 503
    if isinstance(exc, IntegrityError):
        return 409
    if isinstance(exc, DataError):
        return 400
    return 500


def _detail(exc: Exception) -> str:
    if _status(exc) == 413:
        return (
            f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MiB a CSV import takes; "
            "nothing was saved. Split it into smaller files and import each."
        )
    if isinstance(exc, RegistryError | HTTPException) and _status(exc) < 500:
        return str(exc.detail)
    if isinstance(exc, IntegrityError):
        return SAVED_AT_ONCE
    if isinstance(exc, DataError):
        return UNSTORABLE
    if _status(exc) == 503:
        return DATABASE_UNAVAILABLE
    return "Something went wrong on our side; nothing was saved."


def console_aware(
    handler: Callable[[Request[Any, Any, Any], Any], Response[Any]],
) -> Callable[[Request[Any, Any, Any], Any], Response[Any]]:
    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        path = request.url.path
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return handler(request, exc)
        status = _status(exc)
        if status >= 500:
            handler(request, exc)  # logs it
        if status == 401 or not isinstance(request.scope.get("auth"), SignedIn):
            return Redirect(path=f"/login?next={quote(path)}", status_code=303)
        return page(
            request,
            "error.html",
            status=status,
            title=HEADINGS.get(status, "Error"),
            heading=HEADINGS.get(status, "Something went wrong"),
            detail=_detail(exc),
        )

    return handle

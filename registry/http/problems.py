"""Maps every error to RFC 9457 problem+json, naming the field and the rule where there is one."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from registry.errors import RegistryError

PROBLEM = "application/problem+json"
log = logging.getLogger("registry")

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Rule violated",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    request: Request[Any, Any, Any] | None = None,
    title: str | None = None,
    field: str | None = None,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:cit-registry:problem:{rule}" if rule else "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if field is not None:
        body["field"] = field
    if rule is not None:
        body["rule"] = rule
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


# msgspec (struct bodies) names the whole body after the handler's `data` argument and reports a
# missing member on it: the field named is then the member, as for a pydantic model.
_MISSING = re.compile(r"Object missing required field `([^`]+)`$")


def _location(key: str | None, source: str | None, message: str) -> str:
    in_body = source in (None, "body")
    if in_body and key in (None, "", "data") and (missing := _MISSING.match(message)):
        return missing[1]
    if not key or (in_body and key == "data"):
        return "body" if in_body else str(source)
    return key


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    params = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            params.append(
                {
                    "name": _location(
                        item.get("key"), item.get("source"), str(item.get("message", ""))
                    ),
                    "reason": str(item.get("message", "invalid")),
                }
            )
    if not params:
        params.append({"name": "body", "reason": exc.detail or "The request is not valid."})
    first = params[0]
    detail = f"{first['name']}: {first['reason']}"
    if len(params) > 1:
        detail += f" (and {len(params) - 1} more)"
    return problem(
        400, detail, request=request, field=first["name"], rule="schema", invalid_params=params
    )


def handle_registry_error(request: Request[Any, Any, Any], exc: RegistryError) -> Response[Any]:
    return problem(
        exc.status,
        exc.detail,
        request=request,
        title=exc.title,
        field=exc.field,
        rule=exc.rule,
        **exc.extra,
    )


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    detail = exc.detail or TITLES.get(exc.status_code, "Error")
    headers = dict(exc.headers or {})
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="cit-registry"')
    if exc.status_code == 429:
        reset = {k.lower(): v for k, v in headers.items()}.get("ratelimit-reset", "60")
        headers.setdefault("Retry-After", str(reset))
        detail = "Too many requests from this address; try again in a minute."
    return problem(exc.status_code, detail, request=request, headers=headers or None)


def handle_data_error(request: Request[Any, Any, Any], exc: DataError) -> Response[Any]:
    # The database refused a value as given (PostgreSQL stores no NUL character in text): the
    # request is at fault, and nothing was saved.
    log.info("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
    return problem(400, UNSTORABLE, request=request, rule="storable")


UNSTORABLE = "The request holds a value the database cannot store (such as a NUL character)."
SAVED_AT_ONCE = "The change conflicts with a record saved at the same time; nothing was saved."
DATABASE_UNAVAILABLE = (
    "The database is busy or unreachable; nothing was saved. Try again in a few seconds."
)


def handle_database_unavailable(
    request: Request[Any, Any, Any], exc: OperationalError | PoolTimeout
) -> Response[Any]:
    # The database is unreachable, busy beyond the pool's wait, or aborted the transaction
    # (deadlock, serialization): nothing was committed, and the same request may succeed soon.
    # The driver's message only: the statement's parameters may hold secrets.
    reason = getattr(exc, "orig", None) or exc
    log.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.url.path,
        type(reason).__name__,
        str(reason).splitlines()[0] if str(reason) else "",
    )
    return problem(
        503,
        DATABASE_UNAVAILABLE,
        request=request,
        rule="database_available",
        headers={"Retry-After": "5"},
    )


def handle_integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    # A unique or foreign key constraint refused the change: a record saved at the same time
    # (two coordinators adding the same POST id at once, say). The services check first; this
    # is the race they cannot see. The constraint's message may quote values: not repeated.
    log.info("constraint refused a change on %s %s", request.method, request.url.path)
    return problem(409, SAVED_AT_ONCE, request=request, rule="integrity")


def handle_recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    # msgspec gives up on absurdly nested JSON with a RecursionError while decoding the body.
    if "deserializ" in str(exc):
        return problem(400, "The JSON body is nested too deeply.", request=request, field="body")
    return handle_unexpected(request, exc)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; nothing was saved.",
        request=request,
    )


HANDLERS: ExceptionHandlersMap = {
    ValidationException: handle_validation,
    RegistryError: handle_registry_error,
    HTTPException: handle_http,
    DataError: handle_data_error,
    IntegrityError: handle_integrity_error,
    OperationalError: handle_database_unavailable,
    PoolTimeout: handle_database_unavailable,
    RecursionError: handle_recursion,
    Exception: handle_unexpected,
}

__all__ = ["HANDLERS", "PROBLEM", "MediaType", "problem"]

"""Authentication middleware and role guards. A route is public only when marked `public=True`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.types import ASGIApp
from sqlalchemy import Engine

from registry.accounts import sessions
from registry.accounts.service import authenticate_token
from registry.actors import Actor, Role
from registry.db import unit_of_work

PUBLIC = "public"
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


class BearerTokenAuth(AbstractAuthenticationMiddleware):
    """Resolves `Authorization: Bearer <token>` to an Actor; routes marked public are skipped."""

    def __init__(self, app: ASGIApp, engine: Engine, **options: Any) -> None:
        super().__init__(app, **options)
        self.engine = engine

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        engine = self.engine
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if header:
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthorizedException("Send the API token as Authorization: Bearer <token>.")

            def by_token() -> Actor | None:
                with unit_of_work(engine, read_only=True) as session:
                    return authenticate_token(session, token.strip())

            actor = await anyio.to_thread.run_sync(by_token)
            if actor is None:
                raise NotAuthorizedException("The API token is not valid.")
            return AuthenticationResult(user=actor, auth=None)
        # The session cookie signs in to the console's pages only: a browser sends it with any
        # request, from any page, so the JSON API would otherwise act for a signed-in
        # coordinator on a request another site made. The API takes the bearer token alone.
        cookie = connection.cookies.get(sessions.COOKIE) if _console(connection.url.path) else None
        if cookie:

            def by_cookie() -> sessions.SignedIn | None:
                with unit_of_work(engine, read_only=True) as session:
                    return sessions.lookup(session, cookie)

            signed_in = await anyio.to_thread.run_sync(by_cookie)
            if signed_in is not None:
                # `auth` carries the session so that forms can check its CSRF token.
                return AuthenticationResult(user=signed_in.actor, auth=signed_in)
        raise NotAuthorizedException("An API token is required: Authorization: Bearer <token>.")


def _console(path: str) -> bool:
    return path in CONSOLE_PATHS or path.startswith(CONSOLE_PREFIX)


CONSOLE_PATHS = frozenset({"/console", "/logout"})
CONSOLE_PREFIX = "/console/"


def requires_role(*roles: Role) -> Guard:
    allowed = ", ".join(r.value for r in roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = connection.user
        if not isinstance(actor, Actor) or actor.role not in roles:
            raise PermissionDeniedException(f"This action needs the role {allowed}.")

    guard.__name__ = f"requires_role({allowed})"
    return guard


admin_only = requires_role(Role.ADMIN)
office = requires_role(Role.ADMIN, Role.COORDINATOR)
staff = requires_role(Role.ADMIN, Role.COORDINATOR, Role.INSTRUCTOR)
monitoring = requires_role(Role.ADMIN, Role.MONITOR)
# Coverage reads and plan edits: the agency's liaison too (the services then hold each to its own
# agency or region, answering anyone else as an unknown id).
patrol = requires_role(Role.ADMIN, Role.COORDINATOR, Role.LIAISON)
# The on-duty list: a dispatch account (a CAD system) too, and nothing else opens to it.
on_duty_readers = requires_role(Role.ADMIN, Role.COORDINATOR, Role.LIAISON, Role.DISPATCH)

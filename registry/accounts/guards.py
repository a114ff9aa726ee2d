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

from registry.accounts.models import Role
from registry.accounts.service import Actor, authenticate_token
from registry.db import unit_of_work

PUBLIC = "public"
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


class BearerTokenAuth(AbstractAuthenticationMiddleware):
    """Resolves `Authorization: Bearer <token>` to an Actor; routes marked public are skipped."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("An API token is required: Authorization: Bearer <token>.")
        engine = connection.app.state.engine

        def lookup() -> Actor | None:
            with unit_of_work(engine, read_only=True) as session:
                return authenticate_token(session, token.strip())

        actor = await anyio.to_thread.run_sync(lookup)
        if actor is None:
            raise NotAuthorizedException("The API token is not valid.")
        return AuthenticationResult(user=actor, auth=None)


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

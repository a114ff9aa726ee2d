"""Request-scoped dependencies: the transaction, the acting user and the issuer."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from registry.accounts.service import Actor
from registry.credentials.service import Issuer
from registry.db import new_session
from registry.errors import Conflict, NotAuthenticated, Unavailable

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def provide_session(
    state: State, request: Request[Any, Any, Any]
) -> AsyncGenerator[Session, None]:
    """One transaction per request: committed when the handler succeeds, rolled back otherwise."""
    read_only = request.method in READ_METHODS
    session = new_session(state.engine, read_only=read_only)
    try:
        yield session
        if read_only:
            if session.in_transaction():
                await anyio.to_thread.run_sync(session.rollback)
        else:
            await anyio.to_thread.run_sync(session.commit)
    except IntegrityError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        raise Conflict(
            "The change conflicts with a record saved at the same time; nothing was saved.",
            rule="integrity",
        ) from exc
    except OperationalError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        raise Unavailable("The database is not answering; nothing was saved.") from exc
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback)
        raise
    finally:
        # A session that never touched the database holds no connection: closing it is free,
        # and a handler served from memory pays no thread hand-off for it.
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close)
        else:
            session.close()


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    user = request.scope.get("user")
    if not isinstance(user, Actor):
        raise NotAuthenticated("Sign in or send an API token.")
    return user


def provide_issuer(state: State) -> Issuer:
    issuer: Issuer = state.issuer
    return issuer


# Handlers name these explicitly (Litestar 3 drops inferred dependencies).
DbSession = NamedDependency[Session]
CurrentActor = NamedDependency[Actor]
CurrentIssuer = NamedDependency[Issuer]

"""Request-scoped dependencies: the transaction and the acting user (the issuer's is with the
issuer, `credentials.service.provide_issuer`)."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from litestar import Request
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import Engine
from sqlmodel import Session

from registry.actors import Actor
from registry.db import end_read, new_session
from registry.errors import NotAuthenticated
from registry.settings import MailSettings

log = logging.getLogger("registry")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Ending a request's transaction (commit, rollback, close) runs on threads of its own. It holds
# the very connection that the worker threads (anyio's, 40) may all be waiting for: queued
# behind them, it would never run, and every request would wait out the pool's timeout and
# answer 503 (100 requests at once on a pool of 2 did, on PostgreSQL). On threads of its own
# it always runs, so a request waits for a connection only as long as others need theirs.
_ENDING_THREADS = 16
_ending: RunVar[anyio.CapacityLimiter] = RunVar("registry_ending_transactions")


def _ending_limiter() -> anyio.CapacityLimiter:
    """The limiter of the transaction-ending threads, one per event loop."""
    try:
        return _ending.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(_ENDING_THREADS)
        _ending.set(limiter)
        return limiter


async def _end(method: Callable[[], None]) -> None:
    await anyio.to_thread.run_sync(method, limiter=_ending_limiter())


def session_provider(
    engine: Callable[[], Engine],
) -> Callable[[Request[Any, Any, Any]], AsyncGenerator[Session, None]]:
    """The `session` dependency over the app factory's engine."""

    async def provide_session(request: Request[Any, Any, Any]) -> AsyncGenerator[Session, None]:
        """One transaction per request: committed when the handler succeeds, rolled back
        otherwise.

        Errors pass through unchanged (a different exception raised here while the handler's
        own is thrown in would reach the client as a 500): the exception handlers answer an
        IntegrityError with 409 and an unreachable or busy database with 503."""
        read_only = request.method in READ_METHODS
        session = new_session(engine(), read_only=read_only)
        try:
            yield session
        except BaseException:
            await _rollback_quietly(session)
            raise
        else:
            try:
                if read_only:
                    if session.in_transaction():
                        await _end(functools.partial(end_read, session))
                else:
                    await _end(session.commit)
            except BaseException:
                await _rollback_quietly(session)
                raise
        finally:
            # A session that never touched the database holds no connection: closing it is free,
            # and a handler served from memory pays no thread hand-off for it.
            if session.in_transaction():
                await _end(session.close)
            else:
                session.close()

    return provide_session


async def _rollback_quietly(session: Session) -> None:
    """Rolls back after a failure; a rollback that fails too (the connection is gone) adds
    nothing to the error already being answered, and the pool discards that connection."""
    try:
        await _end(session.rollback)
    except Exception:
        log.debug("rollback after a failed request also failed", exc_info=True)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    user = request.scope.get("user")
    if not isinstance(user, Actor):
        raise NotAuthenticated("Sign in or send an API token.")
    return user


# Handlers name these explicitly (Litestar 3 drops inferred dependencies).
DbSession = NamedDependency[Session]
CurrentActor = NamedDependency[Actor]
DbEngine = NamedDependency[Engine]  # for a handler that opens its own transactions
ProgramZone = NamedDependency[ZoneInfo]  # REGISTRY_TIME_ZONE, the program's local time
# The moment the request is served, from the app's one clock: with ProgramZone it makes the
# program's today (dates.local_date), which is not the server's (UTC's) in Denver's evening.
Now = NamedDependency[datetime]
CurrentMail = NamedDependency[MailSettings]  # where notices and wallet links go
ProgramContact = NamedDependency[str]  # REGISTRY_PROGRAM_CONTACT, empty when not set
# The two parameter declarations nearly every handler spells the same way: the request (no typed
# user, auth or state: the actor comes through `CurrentActor`), and a record's id in the path.
AnyRequest: TypeAlias = Request[Any, Any, Any]
PathUUID: TypeAlias = FromPath[uuid.UUID]

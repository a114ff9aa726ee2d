"""What operators and their machines read: `/health` (is the database there), `/health/ready`
(may a load balancer send this worker requests) and `/metrics` (Prometheus)."""

from __future__ import annotations

import time
from typing import Any

from litestar import Response, get
from litestar.types import HTTPResponseStartEvent, Scope
from sqlalchemy import Engine, text

from registry import metrics
from registry.accounts.guards import monitoring
from registry.http.deps import DbEngine
from registry.verification.deps import CurrentLive
from registry.verification.live import LiveStatus

NO_STORE = {"Cache-Control": "no-store"}


def _database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not there"
        return False
    return True


@get("/health", public=True, tags=["public"], sync_to_thread=True)
def health(engine: DbEngine, live: CurrentLive) -> Response[dict[str, Any]]:
    """200 when the database answers, 503 when not; then with what the status lists served
    are: the last signed ones (valid for 48 hours), and when they were last confirmed."""
    if not _database_answers(engine):
        lists = live.health()
        return Response({"status": "unavailable", **lists}, status_code=503, headers=NO_STORE)
    return Response({"status": "ok"}, headers=NO_STORE)  # exactly what API.md promises


@get("/health/ready", public=True, tags=["public"], sync_to_thread=True)
def ready(engine: DbEngine, live: CurrentLive) -> Response[dict[str, Any]]:
    """200 when this worker can serve: the database answers and the signed status lists can be
    served; 503 otherwise, naming what is missing, so that a load balancer takes it out."""
    missing = []
    if not _database_answers(engine):
        missing.append("database")
    if not live.servable():
        missing.append("status_lists")
    if missing:
        return Response(
            {"status": "not ready", "missing": missing}, status_code=503, headers=NO_STORE
        )
    return Response({"status": "ready"}, headers=NO_STORE)


@get("/metrics", guards=[monitoring], tags=["operations"], sync_to_thread=True)
def prometheus(engine: DbEngine, live: CurrentLive) -> Response[bytes]:
    """Prometheus text exposition (0.0.4), for an administrator's or a monitor account's token."""
    _sample(engine, live)
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE, headers=NO_STORE)


def _sample(engine: Engine, live: LiveStatus) -> None:
    pool = engine.pool
    checked_out = getattr(pool, "checkedout", None)
    metrics.POOL_IN_USE.set(checked_out() if callable(checked_out) else 0)
    metrics.LIST_AGE.set(live.age())


class RequestMetrics:
    """Counts every answered request by route template, method and status, and times it.

    `stamp` is a route middleware (it runs once a route matched, before everything else) that
    notes when the request began; `at_start` counts at the response's start, for matched and
    unmatched requests alike (an unknown path counts as `unmatched`, never by its path). The
    pool gauge is refreshed at most once a second per worker."""

    STARTED = "registry.metrics.started"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sampled = 0.0

    def stamp(self, app: Any) -> Any:
        started = self.STARTED

        async def middleware(scope: Scope, receive: Any, send: Any) -> None:
            scope[started] = time.perf_counter()  # type: ignore[literal-required]
            await app(scope, receive, send)

        return middleware

    def at_start(self, message: HTTPResponseStartEvent, scope: Scope) -> None:
        """At a response's start (registry.app.on_response_start)."""
        now = time.perf_counter()
        began = scope.get(self.STARTED)
        took = now - began if isinstance(began, float) else None
        metrics.observe(scope, message["status"], took)
        if now - self._sampled > 1.0:
            self._sampled = now
            checked_out = getattr(self.engine.pool, "checkedout", None)
            if callable(checked_out):
                metrics.POOL_IN_USE.set(checked_out())

"""What the registry counts for Prometheus (`GET /metrics`, API.md "Operations").

Requests are labelled by their route template (`/c/{credential_id:str}`), never by the raw path,
so no credential id, wallet key or hand-over secret can reach a label. Counters are per process;
`registry serve` points `PROMETHEUS_MULTIPROC_DIR` at a folder it empties at start, and then
every worker writes its figures there and `/metrics`, in whichever worker answers it, adds them up
(prometheus_client's multiprocess mode). Without that variable (the tests, a single process) the
process's own figures are served.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.orm import Session

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# No `_created` series beside each counter (half the exposition, read by nothing we know).
disable_created_metrics()  # type: ignore[no-untyped-call]
# The text format 0.0.4 that API.md names (what generate_latest writes); the charset is added
# by the response.
CONTENT_TYPE = "text/plain; version=0.0.4"
# The mode the figures below were made in: prometheus_client decides it when a metric is built.
MULTIPROCESS = bool(os.environ.get(MULTIPROC_ENV))

REQUESTS = Counter(
    "registry_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
VERIFICATIONS = Counter(
    "registry_verifications",
    "Verdicts given, by the form verified (token, credential, presentation, page) and verdict.",
    ["form", "verdict"],
)
ISSUED = Counter("registry_certifications_issued", "Certifications signed and stored.")
LIST_AGE = Gauge(
    "registry_status_list_age_seconds",
    "How old the status information served is: since the oldest status list held was signed, "
    "or since memory was last confirmed against the database, whichever is longer ago.",
    multiprocess_mode="livemax",
)
POOL_IN_USE = Gauge(
    "registry_db_pool_in_use",
    "Database connections of the request pool checked out now.",
    multiprocess_mode="livesum",
)
# The route label of a request that matched no route (404s of every unknown path are one series).
UNMATCHED = "unmatched"


def exposition() -> bytes:
    """The text exposition: every worker's figures in multiprocess mode, else this process's."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def forget_process(pid: int) -> None:
    """The parent of `registry serve`'s workers built the metrics when it loaded the app but
    never counts: its (empty) files go, so that the folder holds the workers' alone."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        for path in Path(folder).glob(f"*_{pid}.db"):
            path.unlink(missing_ok=True)


def worker_gone(pid: int) -> None:
    """A worker ended: its live gauges (connections in use, list age) stop counting; what it
    counted stays in the sums."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


_ISSUED = "registry.metrics.issued"


def issued(session: Session, n: int) -> None:
    """Counts `n` certifications made in `session`'s transaction once, and only if, it commits."""
    session.info[_ISSUED] = session.info.get(_ISSUED, 0) + n


@event.listens_for(Session, "after_commit")
def _count_issued(session: Session) -> None:
    n = session.info.pop(_ISSUED, 0)
    if n:
        ISSUED.inc(n)


@event.listens_for(Session, "after_rollback")
def _forget_issued(session: Session) -> None:
    session.info.pop(_ISSUED, None)


_VERDICTS: dict[tuple[str, str], Any] = {}


def verified(form: str, verdict: str) -> None:
    """Counts one verdict given to someone (`form`: token, credential, presentation, page)."""
    child = _VERDICTS.get((form, verdict))
    if child is None:
        child = _VERDICTS[form, verdict] = VERIFICATIONS.labels(form, verdict)
    child.inc()


# Methods a client may send are any token: others count as one, so no client adds series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe(scope: Any, status: int, seconds: float | None) -> None:
    """Counts one answered request under its route template (`unmatched` when no route matched,
    so that no raw path ever becomes a label). The labelled series are looked up once each."""
    method = scope.get("method", "-")
    key = (
        scope.get("path_template") or UNMATCHED,
        method if method in METHODS else "other",
        status,
    )
    series = _SERIES.get(key)
    if series is None:
        series = _SERIES[key] = (
            REQUESTS.labels(key[0], key[1], str(status)),
            DURATION.labels(key[0]),
        )
    series[0].inc()
    if seconds is not None:
        series[1].observe(seconds)

"""A worker of `registry serve --workers 2` that is SIGKILLed is replaced, and the replacement
serves; the time from the kill to its first answer is reported (never asserted)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.live import serve


def ok(r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    return r.text


def workers_of(parent: int) -> set[int]:
    """The worker processes of the server whose parent process is `parent`."""
    found = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"resource_tracker" not in cmdline:  # multiprocessing's helper, not a worker
                found.add(int(pid))
    return found


def answers(url: str) -> bool:
    """/health answered 200 on a new connection (so by whichever worker accepts it)."""
    try:
        with httpx.Client(base_url=url, timeout=1) as fresh:
            return fresh.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_worker_is_replaced_and_the_replacement_serves(
    scratch_database_url: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    log = tmp_path / "server.log"
    metrics = tmp_path / "metrics"
    with serve(
        scratch_database_url,
        tmp_path / "keys",
        log,
        REGISTRY_WORKERS="2",
        REGISTRY_METRICS_DIR=str(metrics),
    ) as live:
        deadline = time.monotonic() + 60
        while len(before := workers_of(live.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(before) == 2, before
        killed = min(before)
        started = time.monotonic()
        os.kill(killed, signal.SIGKILL)
        deadline = started + 60
        # Served by the replacement: a worker's request timings are in a file named by its
        # process id, made when it times its first request.
        while not (replacements := served_by(metrics) - before):
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            assert answers(live.url)  # the other worker serves all along
            time.sleep(0.02)
        replacement_seconds = time.monotonic() - started
        record_property("kill_to_serving_seconds", round(replacement_seconds, 3))
        print(f"\nkill to serving: {replacement_seconds:.2f} s")
        (replacement,) = replacements
        assert workers_of(live.pid) == before - {killed} | {replacement}
        # Every figure is still added up over the workers, the dead one's counts included.
        with live.api() as api:
            assert "registry_http_requests_total" in ok(api.get("/metrics"))
    assert "SIGKILL" in log.read_text(errors="replace")


def served_by(metrics: Path) -> set[int]:
    return {int(path.stem.rsplit("_", 1)[1]) for path in metrics.glob("histogram_*.db")}

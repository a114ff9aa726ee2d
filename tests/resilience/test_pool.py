"""100 requests at once against a real server whose pool is far smaller: each waits its turn for
a database connection (REGISTRY_DB_POOL_*) and is answered, instead of a 503 at once; past the
bound a request gets a 503 problem+json, and only after waiting that long."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.live import LiveServer, eligible_class, serve

AT_ONCE = 100


async def all_at_once(server: LiveServer, path: str) -> list[tuple[int, str, float]]:
    """`AT_ONCE` GETs of `path` sent together, each on its own connection: (status, content
    type, seconds to the answer) of each."""
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    limits = httpx.Limits(max_connections=AT_ONCE, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, limits=limits, timeout=120
    ) as client:

        async def one() -> tuple[int, str, float]:
            sent = time.monotonic()
            r = await client.get(path)
            return r.status_code, r.headers.get("content-type", ""), time.monotonic() - sent

        return await asyncio.gather(*(one() for _ in range(AT_ONCE)))


def at_once(server: LiveServer, path: str) -> list[tuple[int, str, float]]:
    """`all_at_once` on an event loop of its own thread: a browser test's Playwright may still
    hold this thread's loop, where `asyncio.run` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(all_at_once(server, path))).result()


def test_a_hundred_requests_at_once_wait_for_two_connections_and_are_all_answered(
    scratch_database_url: str, tmp_path: Path
) -> None:
    with serve(
        scratch_database_url,
        tmp_path / "keys",
        tmp_path / "server.log",
        REGISTRY_DB_POOL_SIZE="2",
        REGISTRY_DB_POOL_OVERFLOW="0",
    ) as live:
        with live.api() as api:
            class_id, _ = eligible_class(api, 8)
        answers = at_once(live, f"/api/v1/classes/{class_id}/roster")
    assert [status for status, _, _ in answers] == [200] * AT_ONCE
    slowest = max(took for *_, took in answers)
    print(f"\n{AT_ONCE} at once on 2 connections: all 200, the slowest in {slowest:.2f} s")


def test_past_the_bound_a_request_is_answered_503_having_waited_that_long(
    scratch_database_url: str, tmp_path: Path
) -> None:
    bound = 0.01
    with serve(
        scratch_database_url,
        tmp_path / "keys",
        tmp_path / "server.log",
        REGISTRY_DB_POOL_SIZE="1",
        REGISTRY_DB_POOL_OVERFLOW="0",
        REGISTRY_DB_POOL_TIMEOUT=str(bound),
    ) as live:
        # The seeded courses: nothing to make first through so narrow a pool.
        answers = at_once(live, "/api/v1/courses")
    statuses = {status for status, _, _ in answers}
    assert statuses <= {200, 503}, statuses
    refused = [(kind, took) for status, kind, took in answers if status == 503]
    assert refused, "one connection for 100 requests, a 10 ms wait: some must be turned away"
    assert all(kind.startswith("application/problem+json") for kind, _ in refused)
    # Turned away only once they had waited the bound, never at once.
    assert min(took for _, took in refused) >= bound

"""`scripts/bench --state`: the console and the API at a state's size. Seeds 1,000 and 50,000
officers (registry/seed), serves each as production does, and times the pages a coordinator
uses most (median of several sequential requests, so the ratio is the figure) and the worker's
memory after them. Usable alone: `.venv/bin/python scripts/bench_state.py [--postgres URL]`."""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.accounts.service import create_user, issue_token  # noqa: E402
from registry.actors import SYSTEM  # noqa: E402
from registry.credentials.service import Issuer  # noqa: E402
from registry.db import make_engine, unit_of_work  # noqa: E402
from registry.seed.state import Size, seed_state  # noqa: E402
from registry.tables.people import Agency, Employment  # noqa: E402
from registry.vc.keystore import KeyStore  # noqa: E402

PASSWORD = "bench password, long enough"  # noqa: S105 - a throw-away account
REPEAT = int(os.environ.get("REPEAT", "7"))
SIZES = (1_000, 50_000)


def seeded(url: str, keys: KeyStore, officers: int) -> float:
    """Seeds the database at `url` (migrated, empty); answers the seconds."""
    engine = make_engine(url)
    start = time.perf_counter()
    seed_state(engine, Issuer("http://bench.invalid", "CIT Bench", keys), Size(officers=officers))
    engine.dispose()
    return time.perf_counter() - start


def bench_admin(url: str) -> str:
    """An admin with a password (for the console) and an API token (answered)."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        user = create_user(session, SYSTEM, username="bench", role="admin", password=PASSWORD)
        token = issue_token(session, SYSTEM, user)
    engine.dispose()
    return token


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf  # noqa: S101
    answer = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                         "csrf_token": csrf.group(1), "next": "/console"})
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in: {answer.status_code}")
    return client


def largest_agency(url: str) -> tuple[str, str]:
    engine = make_engine(url)
    with engine.connect() as c:
        found, name = c.execute(
            sa.select(Employment.agency_id, Agency.name)
            .join(Agency, Agency.id == Employment.agency_id)  # type: ignore[arg-type]
            .where(Employment.end_date.is_(None))  # type: ignore[union-attr]
            .group_by(Employment.agency_id, Agency.name)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
    engine.dispose()
    return str(found), name


def pages(agency: str) -> list[tuple[str, str]]:
    return [
        ("officer search, API", "/api/v1/officers?q=smith"),
        ("officer search, console", "/console/officers?q=smith"),
        ("an agency's officers, console (first page)", f"/console/agencies/{agency}"),
        ("coverage page", "/console/coverage"),
        ("coverage CSV", "/api/v1/coverage.csv"),
        ("expiring report (90 days)", "/console/expiring"),
        ("expiring CSV (365 days)", "/api/v1/expiring.csv?days=365"),
        ("credentials CSV (streamed)", "/api/v1/credentials.csv"),
    ]


def timed(client: httpx.Client, path: str, cpu: Callable[[], float]) -> tuple[float, int, float]:
    """Median wall time (ms), the answer's size, and the server's mean CPU time (ms) per
    request (/proc counts in 10 ms ticks: the mean of several): the figure the machine's other
    load moves least."""
    client.get(path).raise_for_status()  # warm
    times, size = [], 0
    used = cpu()
    for _ in range(REPEAT):
        start = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - start)
        answer.raise_for_status()
        size = len(answer.content)
    return statistics.median(times) * 1000, size, (cpu() - used) / REPEAT * 1000


def measure(base: str, url: str, token: str, rss: Callable[[], float],
            cpu: Callable[[], float]) -> dict[str, Any]:
    agency, _ = largest_agency(url)
    console = signed_in(base)
    api = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"})
    out: dict[str, Any] = {}
    for name, path in pages(agency):
        out[name] = timed(api if path.startswith("/api/") else console, path, cpu)
    out["rss"] = rss()
    console.close()
    api.close()
    return out


def run(kinds: list[str], pg_base: str | None, work: Path, keys_dir: Path, tools: Any,
        row: Callable[[str, str, str], None]) -> None:
    """Every page at both sizes on each database kind: `tools` is scripts/bench (its
    fresh_database, drop_database and Server), `row(name, value, bound)` reports a figure."""
    keys = KeyStore(keys_dir)
    for kind in kinds:
        results: dict[int, dict[str, Any]] = {}
        for officers in SIZES:
            url = tools.fresh_database(kind, pg_base, work)
            took = seeded(url, keys, officers)
            row(f"seed-state, {officers:,} officers ({kind})", f"{took:.0f} s", "seed")
            token = bench_admin(url)
            server = tools.Server(url, keys_dir, work / f"state-{kind}-{officers}.log")
            try:
                results[officers] = measure(server.base, url, token, server.rss_mb,
                                            server.cpu_seconds)
            finally:
                server.stop()
                tools.drop_database(url, pg_base)
        small, large = (results[n] for n in SIZES)
        for name, _ in pages(""):
            (a, _, ca), (b, size, cb) = small[name], large[name]
            row(f"{name} ({kind})",
                f"CPU {ca:,.0f} → {cb:,.0f} ms ({cb / max(ca, 1):.1f}×); wall {a:,.0f} → "
                f"{b:,.0f} ms; {size / 1024:,.0f} KiB at 50,000", "state")
        row(f"worker RSS after these pages ({kind})",
            f"{small['rss']:.0f} MB → {large['rss']:.0f} MB", "rss")

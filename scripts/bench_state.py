"""`scripts/bench --state`: the console and the API at a state's size. Seeds 1,000 and 50,000
officers (registry/seed), serves each as production does, and times the pages a coordinator
uses most (median of several sequential requests, so the ratio is the figure), as the
administrator (the whole state) and as region R01's coordinator, and the worker's memory after
them. The CSVs are compared per row too (their rows grow with the state). With `--reuse DIR`
(SQLite) the seeded states are kept in DIR and copied from there on the next run (the seed
takes minutes). Usable alone: `.venv/bin/python scripts/bench_state.py [--postgres URL]`."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.accounts.service import create_user, issue_token  # noqa: E402
from registry.actors import SYSTEM  # noqa: E402
from registry.credentials.service import Issuer  # noqa: E402
from registry.db import make_engine, unit_of_work  # noqa: E402
from registry.migrate import upgrade_database  # noqa: E402
from registry.seed.state import Size, seed_state  # noqa: E402
from registry.tables.accounts import User  # noqa: E402
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


def bench_users(url: str) -> dict[str, str]:
    """An admin and region R01's coordinator, each with a password (for the console) and an
    API token: {username: token}."""
    engine = make_engine(url)
    tokens = {}
    with unit_of_work(engine) as session:
        for username, role, region in (("bench", "admin", None), ("coord", "coordinator", "R01")):
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                user = create_user(session, SYSTEM, username=username, role=role,
                                   region_code=region, password=PASSWORD)
            tokens[username] = issue_token(session, SYSTEM, user)
    engine.dispose()
    return tokens


def seeded_copy(kind: str, reuse: Path | None, keys: KeyStore, officers: int, tools: Any,
                pg_base: str | None, work: Path) -> tuple[str, str]:
    """A seeded database's URL and how long the seed took ("copied" when reused)."""
    if kind != "sqlite" or reuse is None:
        url = tools.fresh_database(kind, pg_base, work)
        return url, f"{seeded(url, keys, officers):.0f} s"
    kept = reuse / f"state-{officers}.db"
    took = "copied"
    if not kept.exists():
        upgrade_database(f"sqlite:///{kept}")
        took = f"{seeded(f'sqlite:///{kept}', keys, officers):.0f} s"
    copy = work / f"state-{officers}.db"
    shutil.copyfile(kept, copy)
    url = f"sqlite:///{copy}"
    upgrade_database(url)  # a copy kept by an older checkout gets this one's indexes
    return url, took


def signed_in(base: str, username: str = "bench") -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
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


# Region R01's coordinator: the reports that read a region, not the state.
REGION_PAGES = [
    ("coverage page, a region's coordinator", "/console/coverage"),
    ("coverage CSV, a region's coordinator", "/api/v1/coverage.csv"),
    ("expiring report (90 days), a region's coordinator", "/console/expiring"),
    ("expiring CSV (365 days), a region's coordinator", "/api/v1/expiring.csv?days=365"),
    ("credentials CSV (streamed), a region's coordinator", "/api/v1/credentials.csv"),
]


def timed(client: httpx.Client, path: str,
          cpu: Callable[[], float]) -> tuple[float, int, float, int]:
    """Median wall time (ms), the answer's size, the server's mean CPU time (ms) per request
    (/proc counts in 10 ms ticks: the mean of several): the figure the machine's other load
    moves least; and the answer's rows plus one (a CSV's lines, with its header; a page's
    rows of credentials, as the expiring report lists them)."""
    client.get(path).raise_for_status()  # warm
    times, size, lines = [], 0, 0
    used = cpu()
    for _ in range(REPEAT):
        start = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - start)
        answer.raise_for_status()
        size, lines = len(answer.content), answer.content.count(b"\n")
        if not path.endswith(".csv") and ".csv?" not in path:  # a page's rows of credentials
            lines = answer.content.count(b'<tr><td><a href="/console/credentials/') + 1
    return statistics.median(times) * 1000, size, (cpu() - used) / REPEAT * 1000, lines


def settled(cpu: Callable[[], float], quiet: float = 0.02, most: float = 120) -> float:
    """Waits until the server's CPU stays under `quiet` seconds a second (what start-up began,
    such as re-signing a state's status lists in a new hour, is over): without it the first
    page measured carried that work (the API search once read 29 ms instead of 6). Returns
    the seconds waited."""
    start = time.monotonic()
    before = cpu()
    while time.monotonic() - start < most:
        time.sleep(1)
        now = cpu()
        if now - before < quiet:
            break
        before = now
    return time.monotonic() - start


def measure(base: str, url: str, tokens: dict[str, str], rss: Callable[[], float],
            cpu: Callable[[], float]) -> dict[str, Any]:
    agency, _ = largest_agency(url)
    out: dict[str, Any] = {}
    # Every page once, then quiet: what the first requests start (status lists read and
    # re-signed, caches filled, coverage's tallies counted) is not any page's figure.
    for username, listed in (("bench", pages(agency)), ("coord", REGION_PAGES)):
        console = signed_in(base, username)
        api = httpx.Client(base_url=base, timeout=300,
                           headers={"Authorization": f"Bearer {tokens[username]}"})
        for _, path in listed:
            (api if path.startswith("/api/") else console).get(path).raise_for_status()
        console.close()
        api.close()
    settled(cpu)
    for username, listed in (("bench", pages(agency)), ("coord", REGION_PAGES)):
        console = signed_in(base, username)
        api = httpx.Client(base_url=base, timeout=300,
                           headers={"Authorization": f"Bearer {tokens[username]}"})
        for name, path in listed:
            out[name] = timed(api if path.startswith("/api/") else console, path, cpu)
        console.close()
        api.close()
    out["rss"] = rss()
    return out


def run(kinds: list[str], pg_base: str | None, work: Path, keys_dir: Path, tools: Any,
        row: Callable[[str, str, str], None], reuse: Path | None = None) -> None:
    """Every page at both sizes on each database kind: `tools` is scripts/bench (its
    fresh_database, drop_database and Server), `row(name, value, bound)` reports a figure."""
    if reuse is not None:
        reuse.mkdir(parents=True, exist_ok=True)
        keys_dir = reuse / "keys"  # the kept states were signed by these
        if not keys_dir.exists():
            KeyStore(keys_dir).generate("EdDSA")
    keys = KeyStore(keys_dir)
    for kind in kinds:
        results: dict[int, dict[str, Any]] = {}
        for officers in SIZES:
            url, took = seeded_copy(kind, reuse, keys, officers, tools, pg_base, work)
            row(f"seed-state, {officers:,} officers ({kind})", took, "seed")
            tokens = bench_users(url)
            server = tools.Server(url, keys_dir, work / f"state-{kind}-{officers}.log")
            try:
                results[officers] = measure(server.base, url, tokens, server.rss_mb,
                                            server.cpu_seconds)
            finally:
                server.stop()
                tools.drop_database(url, pg_base)
        small, large = (results[n] for n in SIZES)
        for name, path in [*pages(""), *REGION_PAGES]:
            (a, _, ca, ra), (b, size, cb, rb) = small[name], large[name]
            per_row = ""
            if ".csv" in path or "expiring report" in name:
                ua, ub = ca * 1000 / max(ra - 1, 1), cb * 1000 / max(rb - 1, 1)
                per_row = (f"; per row {ua:,.0f} → {ub:,.0f} µs ({ub / ua:.1f}×), "
                           f"{ra - 1:,} → {rb - 1:,} rows")
            row(f"{name} ({kind})",
                f"CPU {ca:,.0f} → {cb:,.0f} ms ({cb / max(ca, 1):.1f}×){per_row}; wall "
                f"{a:,.0f} → {b:,.0f} ms; {size / 1024:,.0f} KiB at 50,000", "state")
        row(f"worker RSS after these pages ({kind})",
            f"{small['rss']:.0f} MB → {large['rss']:.0f} MB", "rss")

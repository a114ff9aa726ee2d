"""Benchmarks: raw signature cost, endpoint throughput and latency under wrk, issuance speed,
verification at 1,000 and 1,000,000 stored credentials, worker memory. See scripts/bench."""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.accounts.service import SYSTEM  # noqa: E402
from registry.cli import upgrade_database  # noqa: E402
from registry.credentials.dataintegrity import credential_document  # noqa: E402
from registry.credentials.jws import b64url_decode  # noqa: E402
from registry.credentials.keys import KeyStore  # noqa: E402
from registry.credentials.models import Credential, StatusAllocation, StatusList  # noqa: E402
from registry.credentials.service import Issuer, certify  # noqa: E402
from registry.db import make_engine, unit_of_work  # noqa: E402
from registry.people.models import Agency, Employment, Officer, Region  # noqa: E402
from registry.training.models import (  # noqa: E402
    Attendance,
    Course,
    Enrollment,
    Module,
    Result,
    TrainingClass,
)
from registry.verification.core import payload_of, verify  # noqa: E402
from registry.verification.dataintegrity import verify_document  # noqa: E402

PUBLIC = "http://127.0.0.1"
CONNECTIONS = 32
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CPUS = os.cpu_count() or 1
SERVER_CPU, LOAD_CPU = "0", ("1" if CPUS > 1 else "0")


# ---- databases ----------------------------------------------------------------------------


def fresh_database(kind: str, pg_base: str | None, work: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{work / f'bench-{secrets.token_hex(3)}.db'}"
    else:
        assert pg_base
        name = f"cit_bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(pg_base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sa.make_url(pg_base).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_database(url: str, pg_base: str | None) -> None:
    if url.startswith("postgresql") and pg_base:
        name = sa.make_url(url).database
        admin = sa.create_engine(pg_base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- seeding ------------------------------------------------------------------------------


def graduating_class(engine: sa.Engine, size: int) -> uuid.UUID:
    """A class of `size` eligible officers, written straight into the tables (fast)."""
    today = date.today()
    with unit_of_work(engine) as s:
        course = s.exec(sa.select(Course).where(Course.code == "CIT-40")).scalars().one()  # type: ignore[call-overload]
        modules = s.exec(sa.select(Module).where(Module.course_id == course.id)).scalars().all()  # type: ignore[call-overload]
        code = "B" + secrets.token_hex(3).upper()
        region = Region(code=code, name=code)
        s.add(region)
        s.flush()
        agency = Agency(
            name=f"PD {code}", ori="UT" + secrets.token_hex(4)[:7].upper(), region_id=region.id
        )
        klass = TrainingClass(
            course_id=course.id,
            region_id=region.id,
            start_date=today,
            end_date=today,
            location="Bench",
            capacity=size,
        )
        s.add_all([agency, klass])
        s.flush()
        rows: list[Any] = []
        for i in range(size):
            officer = Officer(
                post_id=f"{code}{i:06d}",
                first_name="Bench",
                last_name=f"Officer{i}",
                patrol_start_date=today - timedelta(days=800),
                wallet_key=secrets.token_urlsafe(32),
            )
            rows.append(officer)
        s.add_all(rows)
        s.flush()
        extra: list[Any] = []
        for officer in rows:
            extra.append(Employment(officer_id=officer.id, agency_id=agency.id, start_date=today))
            extra.append(Enrollment(class_id=klass.id, officer_id=officer.id))
            extra.append(
                Result(
                    class_id=klass.id,
                    officer_id=officer.id,
                    written_exam="pass",
                    scenario_evaluation="pass",
                )
            )
            extra.extend(
                Attendance(class_id=klass.id, officer_id=officer.id, module_id=m.id, hours=m.hours)
                for m in modules
            )
        s.add_all(extra)
        return klass.id


def timed_certify(engine: sa.Engine, issuer: Issuer, class_id: uuid.UUID) -> tuple[int, float]:
    start = time.perf_counter()
    with unit_of_work(engine) as s:
        result = certify(s, SYSTEM, issuer, class_id, None)
    return len(result.issued), time.perf_counter() - start


def filler(engine: sa.Engine, count: int, template: dict[str, Any]) -> None:
    """`count` more credential rows under new ids and indexes, so that lookups run against a
    table of the size a state accumulates over decades. They carry a short placeholder instead
    of a signed token (they are never fetched), which keeps a million rows to a few hundred MB."""
    lists_needed = count // 131072 + 2
    with engine.begin() as conn:
        top = conn.execute(sa.text("SELECT COALESCE(MAX(n), 0) FROM status_lists")).scalar_one()
        for n in range(top + 1, top + lists_needed + 1):
            conn.execute(
                sa.insert(StatusList),
                [{"n": n, "size": 131072, "revision": 0, "created_at": datetime.now(UTC)}],
            )
    batch = 20_000
    made = 0
    n = top + 1
    idx = 0
    while made < count:
        rows = []
        allocs = []
        for k in range(min(batch, count - made)):
            if idx >= 131072:
                n, idx = n + 1, 0
            rows.append(
                {
                    **template,
                    "token": "filler",
                    "id": secrets.token_hex(13).upper(),
                    "status_list": n,
                    "status_index": idx,
                    "generation": made + k + 1,
                }
            )
            allocs.append({"list_n": n, "idx": idx})
            idx += 1
        with engine.begin() as conn:
            conn.execute(sa.insert(StatusAllocation), allocs)
            conn.execute(sa.insert(Credential.__table__), rows)  # type: ignore[attr-defined]
        made += len(rows)
    # Fresh statistics, and no autovacuum competing with the measurement that follows.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE credentials"))
            conn.execute(sa.text("VACUUM ANALYZE status_allocations"))
            # Write the million rows' dirty pages now rather than during the next measurement.
            conn.execute(sa.text("CHECKPOINT"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


# ---- the server and the load --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, url: str, keys: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"{PUBLIC}:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update(
            REGISTRY_DATABASE_URL=url,
            REGISTRY_KEYS_DIR=str(keys),
            REGISTRY_PUBLIC_URL=self.base,
            REGISTRY_RATE_LIMIT="0",
            REGISTRY_ACCESS_LOG="0",
            REGISTRY_LOG_LEVEL="warning",
            REGISTRY_ENV="production",
            REGISTRY_WORKERS=str(workers),
        )
        cmd = [str(ROOT / ".venv/bin/registry"), "serve", "--port", str(self.port)]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", SERVER_CPU, *cmd]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def rss_mb(self) -> float:
        pids = [self.proc.pid] + [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        total = 0
        for pid in pids:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                m = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
                total = max(total, int(m.group(1))) if m else total
        return total / 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


LUA = r"""
local items = {}
for line in io.lines("%(file)s") do items[#items + 1] = line end
math.randomseed(os.time())
request = function()
  local item = items[math.random(#items)]
  %(body)s
end
"""


def wrk(
    base: str,
    path: str,
    *,
    items: list[str] | None = None,
    kind: str = "get",
    accept: str = "application/json",
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "s.lua"
        data = Path(tmp) / "items.txt"
        if items:
            data.write_text("\n".join(items) + "\n")
            if kind == "verify":
                body = (
                    'return wrk.format("POST", "/api/v1/verify", '
                    '{["Content-Type"]="application/json"}, \'{"token":"\' .. item .. \'"}\')'
                )
            else:
                body = f'return wrk.format("GET", "{path}" .. item, {{["Accept"]="{accept}"}})'
            script.write_text(LUA % {"file": data, "body": body})
        else:
            script.write_text(f'wrk.headers["Accept"] = "{accept}"\n')
        cmd = [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}s",
            "--latency",
            "-s",
            str(script),
            base + (path if not items else ""),
        ]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", LOAD_CPU, *cmd]
        # A short warm-up first (connections, caches, the first status lists), not measured.
        warm = [c if not c.startswith("-d") else "-d2s" for c in cmd]
        subprocess.run(warm, capture_output=True, text=True, check=True)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


# ---- main ---------------------------------------------------------------------------------


def raw_verify_rate(keys: KeyStore, token: str) -> float:
    trusted = keys.trusted()
    key = trusted[keys.active().kid]
    head, payload, sig = token.split(".")
    signature = b64url_decode(sig)
    message = f"{head}.{payload}".encode()
    n, start = 3000, time.perf_counter()
    for _ in range(n):
        key.verify(keys.active().alg, message, signature)
    return n / (time.perf_counter() - start)


def data_integrity_rows(
    keys: KeyStore, issuer: Issuer, tokens: list[str], now: datetime
) -> list[tuple[str, str]]:
    """The Data Integrity form beside the JWS: making it per credential (two RDFC-1.0
    canonicalizations and a signature), a JWS signature of the same payload, and verifying it."""
    payloads = [payload_of(t) for t in tokens]
    start = time.perf_counter()
    for p in payloads:
        keys.sign(p)
    jws = (time.perf_counter() - start) / len(payloads)
    start = time.perf_counter()
    documents = [credential_document(p, issuer.di_profile, keys, now) for p in payloads]
    made = (time.perf_counter() - start) / len(payloads)
    start = time.perf_counter()
    for d in documents:
        verify_document(d, keys.trusted(), None, now, did=issuer.did, check_status=False)
    checked = (time.perf_counter() - start) / len(documents)
    return [
        ("JWS signature per credential (in process)", f"{jws * 1000:.2f} ms ({1 / jws:,.0f}/s)"),
        (
            "Data Integrity form made per credential (in process)",
            f"{made * 1000:.1f} ms ({1 / made:,.0f}/s)",
        ),
        (
            "verify_document() without status (in process)",
            f"{checked * 1000:.1f} ms ({1 / checked:,.0f} ops/s)",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL URL to create bench databases on")
    parser.add_argument("--write", help="write the table to this Markdown file")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows for the large run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cit-bench-"))
    keys_dir = work / "keys"
    keys = KeyStore(keys_dir)
    keys.generate("EdDSA")
    rows: list[tuple[str, str]] = []

    def row(name: str, value: str) -> None:
        rows.append((name, value))
        print(f"{name:60} {value}", flush=True)

    kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
    for kind in kinds:
        url = fresh_database(kind, args.postgres, work)
        engine = make_engine(url)
        issuer = Issuer(public_url="http://bench.invalid", name="CIT Bench", keys=keys)
        n, secs = timed_certify(engine, issuer, graduating_class(engine, 40))
        row(f"certify a class of 40 ({kind})", f"{n / secs:,.0f} credentials/s ({secs:.2f} s)")
        n, secs = timed_certify(engine, issuer, graduating_class(engine, 10_000))
        row(f"certify a batch of 10,000 ({kind})", f"{n / secs:,.0f} credentials/s ({secs:.1f} s)")
        engine.dispose()
        drop_database(url, args.postgres)

    # The HTTP runs use the last database kind (PostgreSQL when given, else SQLite).
    kind = kinds[-1]
    url = fresh_database(kind, args.postgres, work)
    engine = make_engine(url)
    server = Server(url, keys_dir)
    issuer = Issuer(public_url=server.base, name="CIT Bench", keys=keys)
    class_id = graduating_class(engine, 1000)
    timed_certify(engine, issuer, class_id)
    with unit_of_work(engine, read_only=True) as s:
        creds = s.exec(sa.select(Credential).where(Credential.class_id == class_id)).scalars().all()  # type: ignore[call-overload]
        tokens = [c.token for c in creds]
        ids = [c.id for c in creds]
        template = creds[0].model_dump()
    row(
        "raw signature verification (EdDSA, in process)",
        f"{raw_verify_rate(keys, tokens[0]):,.0f} ops/s",
    )
    now = datetime.now(UTC)
    n, start = 2000, time.perf_counter()
    for t in random.choices(tokens, k=n):
        verify(t, keys.trusted(), None, now, issuer=issuer.public_url, check_status=False)
    row("verify() without status (in process)", f"{n / (time.perf_counter() - start):,.0f} ops/s")
    for name, value in data_integrity_rows(keys, issuer, tokens[:200], now):
        row(name, value)
    idle = server.rss_mb()
    health = wrk(server.base, "/health")
    row(
        "GET /health, 1 worker, 32 connections",
        f"{health['rps']:,.0f} req/s, p50 {health['p50']:.1f} ms, p99 {health['p99']:.1f} ms",
    )
    verify_small = wrk(server.base, "/api/v1/verify", items=tokens, kind="verify")
    row(
        "POST /api/v1/verify (1,000 credentials, status checked)",
        f"{verify_small['rps']:,.0f} req/s, p50 {verify_small['p50']:.1f} ms, p99 {verify_small['p99']:.1f} ms, errors {verify_small['errors']:.0f}",
    )
    page_json = wrk(server.base, "/c/", items=ids, accept="application/json")
    row(
        "GET /c/{id} JSON",
        f"{page_json['rps']:,.0f} req/s, p50 {page_json['p50']:.1f} ms, p99 {page_json['p99']:.1f} ms, errors {page_json['errors']:.0f}",
    )
    page_html = wrk(server.base, "/c/", items=ids, accept="text/html")
    row(
        "GET /c/{id} HTML",
        f"{page_html['rps']:,.0f} req/s, p50 {page_html['p50']:.1f} ms, p99 {page_html['p99']:.1f} ms",
    )
    raw = raw_verify_rate(keys, tokens[0])
    best = 1 / (1 / health["rps"] + 1 / raw)
    row(
        "efficiency ratio: verify / (1/(1/health + 1/raw))",
        f"{verify_small['rps'] / best:.2f} (best possible {best:,.0f} req/s)",
    )
    row(
        "GET /c/{id} JSON as a share of the verify API",
        f"{page_json['rps'] / verify_small['rps']:.0%}",
    )
    row("worker RSS idle / after load", f"{idle:.0f} MB / {server.rss_mb():.0f} MB")

    filler(engine, args.large - len(tokens), template)
    big_verify = wrk(server.base, "/api/v1/verify", items=tokens, kind="verify")
    big_json = wrk(server.base, "/c/", items=ids, accept="application/json")
    row(
        f"POST /api/v1/verify with {args.large:,} credentials stored",
        f"{big_verify['rps']:,.0f} req/s (ratio to 1,000: {big_verify['rps'] / verify_small['rps']:.2f})",
    )
    row(
        f"GET /c/{{id}} JSON with {args.large:,} credentials stored",
        f"{big_json['rps']:,.0f} req/s (ratio to 1,000: {big_json['rps'] / page_json['rps']:.2f})",
    )
    row("worker RSS after all runs", f"{server.rss_mb():.0f} MB")
    server.stop()
    engine.dispose()
    drop_database(url, args.postgres)
    shutil.rmtree(work, ignore_errors=True)

    if args.write:
        lines = ["| measure | result |", "| --- | --- |", *[f"| {a} | {b} |" for a, b in rows]]
        Path(args.write).write_text(
            "# Benchmarks\n\n"
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {CPUS} cores "
            f"({os.uname().machine}); server pinned to CPU {SERVER_CPU}, wrk to CPU {LOAD_CPU}, "
            f"{CONNECTIONS} connections, {DURATION} s per run, rate limits off, database for the "
            f"HTTP rows: {kind}.\n\nRepeat with `scripts/bench"
            f"{' --postgres URL' if args.postgres else ''} --write docs/benchmarks.md`.\n\n"
            + "\n".join(lines)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

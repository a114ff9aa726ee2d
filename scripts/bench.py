"""Benchmarks: raw signature cost, endpoint throughput and latency under wrk, issuance speed,
verification at 1,000 and 1,000,000 stored credentials, worker memory. See scripts/bench."""

from __future__ import annotations

import argparse
import json
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
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_coverage import coverage_rows  # noqa: E402
from bench_peers import NodePeer, Served, peer_data_integrity  # noqa: E402

from registry.actors import SYSTEM  # noqa: E402
from registry.credentials.service import Issuer, certify  # noqa: E402
from registry.credentials.status import bump_revision  # noqa: E402
from registry.db import make_engine, unit_of_work  # noqa: E402
from registry.migrate import upgrade_database  # noqa: E402
from registry.tables.credentials import (  # noqa: E402
    Credential,
    CredentialStatus,
    StatusAllocation,
    StatusList,
)
from registry.tables.people import Agency, Employment, Officer, Region  # noqa: E402
from registry.tables.training import (  # noqa: E402
    Attendance,
    Course,
    Enrollment,
    Module,
    Result,
    TrainingClass,
)
from registry.vc.dataintegrity import credential_document  # noqa: E402
from registry.vc.jws import (  # noqa: E402
    b64url_decode,
    payload_of,
)
from registry.vc.keystore import KeyStore  # noqa: E402
from registry.verification.core import verify  # noqa: E402
from registry.verification.dataintegrity import verify_document  # noqa: E402

PUBLIC = "http://127.0.0.1"
CONNECTIONS = 32
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CPUS = os.cpu_count() or 1
SERVER_CPU, LOAD_CPU = "0", ("1" if CPUS > 1 else "0")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ROUND_SECONDS = 3


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
        agency = Agency(name=f"PD {code}", ori="UT" + secrets.token_hex(4)[:7].upper(),
                        region_id=region.id)
        klass = TrainingClass(course_id=course.id, region_id=region.id, start_date=today,
                              end_date=today, location="Bench", capacity=size)
        s.add_all([agency, klass])
        s.flush()
        rows: list[Any] = []
        for i in range(size):
            officer = Officer(post_id=f"{code}{i:06d}", first_name="Bench", last_name=f"Officer{i}",
                              patrol_start_date=today - timedelta(days=800),
                              wallet_key=secrets.token_urlsafe(32), agency_id=agency.id)
            rows.append(officer)
        s.add_all(rows)
        s.flush()
        extra: list[Any] = []
        for officer in rows:
            extra.append(Employment(officer_id=officer.id, agency_id=agency.id, start_date=today))
            extra.append(Enrollment(class_id=klass.id, officer_id=officer.id))
            extra.append(Result(class_id=klass.id, officer_id=officer.id, written_exam="pass",
                                scenario_evaluation="pass"))
            extra.extend(Attendance(class_id=klass.id, officer_id=officer.id, module_id=m.id,
                                    hours=m.hours) for m in modules)
        s.add_all(extra)
        return klass.id


def timed_certify(engine: sa.Engine, issuer: Issuer, class_id: uuid.UUID) -> tuple[int, float]:
    start = time.perf_counter()
    with unit_of_work(engine) as s:
        result = certify(s, SYSTEM, issuer, class_id, None, ZoneInfo("America/Denver"))
    return len(result.issued), time.perf_counter() - start


def filler(engine: sa.Engine, count: int, template: dict[str, Any]) -> None:
    """`count` more credential rows under new ids and indexes, so that lookups run against a
    table of the size a state accumulates over decades. They carry a short placeholder instead
    of a signed token (they are never fetched), which keeps a million rows to a few hundred MB."""
    lists_needed = count // 131072 + 2
    with engine.begin() as conn:
        top = conn.execute(sa.text("SELECT COALESCE(MAX(n), 0) FROM status_lists")).scalar_one()
        for n in range(top + 1, top + lists_needed + 1):
            conn.execute(sa.insert(StatusList), [{"n": n, "size": 131072, "revision": 0,
                                                  "created_at": datetime.now(UTC)}])
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
            rows.append({
                **template,
                "token": "filler",
                "id": secrets.token_hex(13).upper(),
                "status_list": n, "status_index": idx, "generation": made + k + 1,
            })
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


def pinned(cmd: list[str], cpu: str) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if shutil.which("taskset") else cmd


RUNNING: list[Server] = []  # stopped on the way out, whatever failed


class Server(Served):
    """A server process pinned to SERVER_CPU: the registry as production runs it (access log on,
    written to a file), or with `floor=True` the one-route app of scripts/bench_floor.py."""

    def __init__(self, url: str, keys: Path, log: Path, *, floor: bool = False,
                 callgrind: Path | None = None, port: int | None = None,
                 command: list[str] | None = None, public_port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"{PUBLIC}:{self.port}"
        public = f"{PUBLIC}:{public_port or self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update(REGISTRY_DATABASE_URL=url, REGISTRY_KEYS_DIR=str(keys),
                   REGISTRY_PUBLIC_URL=public, REGISTRY_RATE_LIMIT="0",
                   REGISTRY_ACCESS_LOG="1", REGISTRY_LOG_LEVEL="info",
                   REGISTRY_ENV="production", REGISTRY_WORKERS="1")
        python = str(ROOT / ".venv/bin/python")
        if floor:
            cmd = [python, "-m", "uvicorn", "bench_floor:app", "--app-dir",
                   str(ROOT / "scripts"), "--port", str(self.port), "--no-access-log",
                   "--log-level", "warning", "--no-server-header"]
            probe = "/"
        else:
            cmd = [python, "-m", "registry", "serve", "--port", str(self.port)]
            probe = "/health"
        if command is not None:  # another server for the same app (scripts/bench_peers.py)
            cmd = command
        if callgrind is not None:
            cmd = [*CALLGRIND, f"--callgrind-out-file={callgrind}/cg.%p", *cmd]
        self.log = log.open("ab")
        self.proc = subprocess.Popen(pinned(cmd, SERVER_CPU), env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        RUNNING.append(self)
        self.wait_until_up(f"{self.base}{probe}", log, 300 if callgrind else 30)


LUA = r"""
local items = {}
for line in io.lines("%(file)s") do items[#items + 1] = line end
math.randomseed(os.time())
request = function()
  local item = items[math.random(#items)]
  %(body)s
end
"""


def wrk(server: Server, path: str, *, items: list[str] | None = None, kind: str = "get",
        accept: str = "application/json", during: Any = None,
        seconds: int = DURATION, warm: bool = True, token: str | None = None,
        connections: int = CONNECTIONS) -> dict[str, float]:
    """Throughput, p50 and p99 (ms), errors, and the server's CPU time per request (µs): the one
    figure that other load on the machine barely moves. `during(seconds)` runs alongside the
    measured run (the profiler)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "s.lua"
        data = Path(tmp) / "items.txt"
        if items:
            data.write_text("\n".join(items) + "\n")
            if kind == "verify":
                body = ('return wrk.format("POST", "/api/v1/verify", '
                        '{["Content-Type"]="application/json"}, \'{"token":"\' .. item .. \'"}\')')
            elif kind == "verify-di":
                body = ('return wrk.format("POST", "/api/v1/verify", '
                        '{["Content-Type"]="application/json"}, '
                        '\'{"credential":\' .. item .. \'}\')')
            else:
                body = (f'return wrk.format("GET", "{path}" .. item, '
                        f'{{["Accept"]="{accept}"}})')
            script.write_text(LUA % {"file": data, "body": body})
        else:
            script.write_text(f'wrk.headers["Accept"] = "{accept}"\n'
                              + (f'wrk.headers["Authorization"] = "Bearer {token}"\n'
                                 if token else ""))
        cmd = pinned(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                      str(script), server.base + (path if not items else "")], LOAD_CPU)
        # Every item once, then a short run: the steady state of a server that has seen these
        # credentials (its memory holds each one's record), not its first minutes. Not measured.
        with httpx.Client(base_url=server.base, timeout=30) as client:
            for item in items if warm and items else []:
                if kind == "verify":
                    client.post("/api/v1/verify", json={"token": item})
                elif kind == "verify-di":
                    answer = client.post("/api/v1/verify", json={"credential": json.loads(item)})
                    # A refusal is cheap: measure documents that verify.
                    if answer.json().get("verdict") != "valid":
                        raise SystemExit(f"a Data Integrity document did not verify: {answer.text}")
                else:
                    client.get(path + item, headers={"Accept": accept})
        if warm:
            warming = [c if not c.startswith("-d") else "-d2s" for c in cmd]
            subprocess.run(warming, capture_output=True, text=True, check=True)
        cpu = server.cpu_seconds()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        if during is not None:
            during(max(1, seconds - 2))
        out = proc.communicate()[0]
        cpu = server.cpu_seconds() - cpu
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    count = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "count": count,
            "errors": float(errors.group(1)) if errors else 0.0,
            "cpu_us": cpu / count * 1e6 if count else float("nan")}


def describe(r: dict[str, float], errors: bool = True) -> str:
    text = (f"{r['rps']:,.0f} req/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
            f"{r['cpu_us']:,.0f} µs CPU/request")
    return text + (f", errors {r['errors']:.0f}" if errors else "")


# ---- the profile --------------------------------------------------------------------------

# Where a sample of the verify API's CPU goes, decided by the innermost frame that matches a
# rule (file fragment, function name or "*"), so that a signature check inside the status
# machinery counts as the signature, and the status machinery's own code as freshness.
COMPONENTS: list[tuple[str, str, str]] = [
    ("signature (Ed25519/ES256)", "cryptography/", "*"),
    ("signature (Ed25519/ES256)", "vc/keys.py", "verify"),
    ("access log", "logging/", "*"),
    ("access log", "uvicorn/logging.py", "*"),
    ("access log", "web/logfilter.py", "*"),
    ("access log", "web/accesslog.py", "*"),
    ("token decoding and JSON parsing", "json/", "*"),
    ("token decoding and JSON parsing", "verification/core.py", "_no_duplicates"),
    ("token decoding and JSON parsing", "verification/core.py", "_json_object"),
    ("token decoding and JSON parsing", "verification/core.py", "_parse"),
    ("token decoding and JSON parsing", "base64.py", "*"),
    ("token decoding and JSON parsing", "vc/jws.py", "*"),
    ("verdict assembly and encoding", "verification/core.py", "to_dict"),
    ("verdict assembly and encoding", "verification/core.py", "_format_utc"),
    ("verdict assembly and encoding", "verification/core.py", "_summary"),
    ("verdict assembly and encoding", "litestar/serialization", "*"),
    ("verdict assembly and encoding", "litestar/response/", "*"),
    ("live status (lists in memory, keys)", "credentials/live.py", "*"),
    ("live status (lists in memory, keys)", "credentials/status.py", "*"),
    ("live status (lists in memory, keys)", "vc/statuslist.py", "*"),
    ("live status (lists in memory, keys)", "verification/core.py", "_check_status"),
    ("live status (lists in memory, keys)", "verification/core.py", "_read_status_bit"),
    ("live status (lists in memory, keys)", "verification/core.py", "_verified"),
    ("live status (lists in memory, keys)", "verification/core.py", "_status_entries"),
    ("live status (lists in memory, keys)", "vc/keys.py", "refresh"),
    ("verification core (claims, header, time)", "verification/core.py", "*"),
    ("verification glue (service.py)", "verification/service.py", "*"),
    ("verification glue (service.py)", "verification/stored.py", "*"),
    ("request body and handler arguments", "pydantic", "*"),
    ("request body and handler arguments", "litestar/_kwargs", "*"),
    ("request body and handler arguments", "litestar/connection", "*"),
    ("request body and handler arguments", "litestar/_signature", "*"),
    ("request body and handler arguments", "msgspec", "*"),
    ("request body and handler arguments", "verification/api.py", "*"),
    ("middleware and security headers", "litestar/middleware", "*"),
    ("middleware and security headers", "registry/app.py", "security_headers"),
    ("middleware and security headers", "accounts/guards.py", "*"),
    ("routing and the rest of Litestar", "litestar/", "*"),
    ("HTTP server and event loop (uvicorn)", "uvicorn/", "*"),
    ("HTTP server and event loop (uvicorn)", "asyncio/", "*"),
    ("HTTP server and event loop (uvicorn)", "uvloop", "*"),
    ("HTTP server and event loop (uvicorn)", "anyio/", "*"),
]


def classify(stack: list[str]) -> str:
    for frame in reversed(stack):
        func, _, where = frame.partition(" (")
        for component, fragment, name in COMPONENTS:
            if fragment in where and (name == "*" or func.rpartition(".")[2] == name):
                return component
    return "other (interpreter, GC, native)"


def pyspy() -> str | None:
    local = ROOT / ".venv/bin/py-spy"
    return shutil.which("py-spy") or (str(local) if local.exists() else None)


def profiler(pid: int, into: Path) -> Any:
    """A `during` for wrk: py-spy samples the server's CPU (not its idle waits) for the run."""

    def run(seconds: int) -> None:
        subprocess.run([str(pyspy()), "record", "--pid", str(pid), "--duration", str(seconds),
                        "--rate", "250", "--nonblocking", "--format", "raw", "--output",
                        str(into)], capture_output=True, check=True)

    return run


def profile_table(raw: Path) -> list[tuple[str, float]]:
    counts: dict[str, int] = {}
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        component = classify(stack.split(";"))
        counts[component] = counts.get(component, 0) + int(n)
    total = sum(counts.values()) or 1
    return sorted(((c, n / total) for c, n in counts.items()), key=lambda x: -x[1])


# ---- instruction counts -------------------------------------------------------------------

# Instructions executed per request, counted by valgrind: unlike time, the count hardly moves
# when other work shares the machine, so a before/after comparison holds on a busy one.
CALLGRIND = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--trace-children=no"]
CALLGRIND_SECONDS = 20


def _counted(pid: int, out: Path, run: Any) -> tuple[float, Any]:
    """(instructions, what `run` returned) while `run()` is counted in process `pid`."""
    subprocess.run(["callgrind_control", "-z", str(pid)], capture_output=True, check=True)
    subprocess.run(["callgrind_control", "-i", "on", str(pid)], capture_output=True, check=True)
    result = run()
    subprocess.run(["callgrind_control", "-i", "off", str(pid)], capture_output=True, check=True)
    before = set(out.glob(f"cg.{pid}*"))
    subprocess.run(["callgrind_control", "-d", str(pid)], capture_output=True, check=True)
    deadline = time.monotonic() + 60
    while not (new := set(out.glob(f"cg.{pid}*")) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    dump = max(new, key=lambda p: p.stat().st_mtime)
    time.sleep(0.5)  # the dump is written by the process itself: let it finish
    totals = re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.M)
    return float(totals.group(1)) if totals else float("nan"), result


def instructions_per_request(server: Server, out: Path, path: str, **load: Any) -> float:
    wrk(server, path, seconds=5, **load)  # warm: valgrind translates the code paths first
    count, result = _counted(server.proc.pid, out,
                             lambda: wrk(server, path, seconds=CALLGRIND_SECONDS, **load))
    return count / result["count"]


RAW = """
import sys
sys.path.insert(0, sys.argv[1])
from registry.vc.jws import b64url_decode
from registry.vc.keystore import KeyStore
from pathlib import Path
keys = KeyStore(Path(sys.argv[2]))
token = sys.argv[3]
key = keys.trusted()[keys.active().kid]
alg = keys.active().alg
head, payload, sig = token.split(".")
signature = b64url_decode(sig)
message = f"{head}.{payload}".encode()
key.verify(alg, message, signature)
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[4])):
    key.verify(alg, message, signature)
print("done", flush=True)
sys.stdin.readline()
"""


def raw_verify_instructions(keys_dir: Path, token: str, out: Path, n: int = 500) -> float:
    proc = subprocess.Popen([*CALLGRIND, f"--callgrind-out-file={out}/cg.%p",
                             str(ROOT / ".venv/bin/python"), "-c", RAW, str(ROOT), str(keys_dir),
                             token, str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdin and proc.stdout
    assert proc.stdout.readline().strip() == "ready"

    def run() -> None:
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        assert proc.stdout.readline().strip() == "done"  # type: ignore[union-attr]

    count, _ = _counted(proc.pid, out, run)
    proc.communicate("end\n", timeout=60)
    return count / n


def instruction_rows(url: str, keys_dir: Path, work: Path, tokens: list[str], ids: list[str],
                     port: int, ratio: float, row: Any) -> None:
    """`ratio`: the raw signature check's CPU time over the floor's, measured in this run."""
    out = work / "callgrind"
    out.mkdir(exist_ok=True)
    floor_server = Server(url, keys_dir, work / "floor-cg.log", floor=True, callgrind=out)
    floor = instructions_per_request(floor_server, out, "/")
    floor_server.stop()
    raw = raw_verify_instructions(keys_dir, tokens[0], out)
    # The port the credentials were issued for: their issuer and status list URLs name it.
    server = Server(url, keys_dir, work / "server-cg.log", callgrind=out, port=port)
    verify_api = instructions_per_request(server, out, "/api/v1/verify", items=tokens,
                                          kind="verify")
    # Each page once first, as the time-based warm-up does at full speed: the pages keep the
    # stored credentials they read in memory, and reading them is not what is measured.
    with httpx.Client(base_url=server.base, timeout=60) as client:
        for credential_id in ids:
            client.get(f"/c/{credential_id}", headers={"Accept": "application/json"})
    page_json = instructions_per_request(server, out, "/c/", items=ids)
    page_html = instructions_per_request(server, out, "/c/", items=ids, accept="text/html")
    server.stop()
    k = 1000
    row("instructions per request: floor / raw signature check",
        f"{floor / k:,.0f} k / {raw / k:,.0f} k", "instructions")
    row("instructions per request: verify API / JSON page / HTML page",
        f"{verify_api / k:,.0f} k / {page_json / k:,.0f} k / {page_html / k:,.0f} k",
        "instructions")
    # valgrind's CPU hides the instruction set extensions OpenSSL would use, so the signature's
    # count is several times what it runs natively: the rest of a request is counted against
    # the floor instead, and the signature weighed by its CPU time.
    beyond = (verify_api - raw) / floor
    row("verify API beyond its signature check, in floors",
        f"{beyond:.1f} (JSON page {(page_json - raw) / floor:.1f})", "floors")
    row("efficiency estimated from instructions: (1 + s) / (floors + s)",
        f"{(1 + ratio) / (beyond + ratio):.2f} (s = signature / floor CPU time = {ratio:.2f})",
        "floors")
    row("HTML page from instructions, as a share of the JSON page",
        f"{page_json / page_html:.0%}", "share")


# ---- main ---------------------------------------------------------------------------------


def cpu_rate(step: Any, items: list[Any], rounds: int = 5) -> float:
    """Operations per second of this thread's CPU time (not wall-clock time, which the other
    load on a shared machine inflates): the best of a few rounds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        for item in items:
            step(item)
        best = min(best, time.thread_time() - start)
    return len(items) / best


def raw_verify_rate(keys: KeyStore, token: str) -> float:
    """Ed25519 checks per second of CPU time, on the server's CPU (pinned the same way)."""
    key = keys.trusted()[keys.active().kid]
    alg = keys.active().alg
    head, payload, sig = token.split(".")
    signature = b64url_decode(sig)
    message = f"{head}.{payload}".encode()
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(SERVER_CPU)})
    try:
        return cpu_rate(lambda _: key.verify(alg, message, signature), [None] * 1000)
    finally:
        os.sched_setaffinity(0, allowed)


def interleaved(floor_server: Server, server: Server, keys: KeyStore, tokens: list[str],
                ids: list[str], peer: NodePeer | None = None) -> dict[str, list[float]]:
    """The ratios the targets name, from ROUNDS rounds of short runs one after another (floor,
    raw signature, verify API, JSON page, HTML page): on a machine whose speed drifts from one
    minute to the next, each round compares figures measured within seconds of each other."""
    ratios: dict[str, list[float]] = {"efficiency": [], "json": [], "html": [], "peer": []}
    for _ in range(ROUNDS):
        if peer is not None:
            node = wrk(peer, "/", items=tokens, kind="verify",  # type: ignore[arg-type]
                       seconds=ROUND_SECONDS, warm=False)
        floor = wrk(floor_server, "/", seconds=ROUND_SECONDS, warm=False)
        raw = raw_verify_rate(keys, tokens[0])
        verify_api = wrk(server, "/api/v1/verify", items=tokens, kind="verify",
                         seconds=ROUND_SECONDS, warm=False)
        page_json = wrk(server, "/c/", items=ids, accept="application/json",
                        seconds=ROUND_SECONDS, warm=False)
        page_html = wrk(server, "/c/", items=ids, accept="text/html", seconds=ROUND_SECONDS,
                        warm=False)
        ratios["efficiency"].append(verify_api["rps"] * (1 / floor["rps"] + 1 / raw))
        ratios["json"].append(page_json["rps"] / verify_api["rps"])
        ratios["html"].append(page_html["rps"] / page_json["rps"])
        if peer is not None:
            ratios["peer"].append(verify_api["rps"] / node["rps"])
    return ratios


def spread(values: list[float], percent: bool = False) -> str:
    """Median, then minimum to maximum."""
    ordered = sorted(values)
    shown = [f"{v:.0%}" if percent else f"{v:.2f}" for v in ordered]
    return f"median {shown[len(ordered) // 2]} ({shown[0]} to {shown[-1]}, {len(ordered)} rounds)"


def data_integrity_rows(
    keys: KeyStore, issuer: Issuer, tokens: list[str], now: datetime
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The Data Integrity form beside the JWS: making it per credential (two RDFC-1.0
    canonicalizations and a signature), a JWS signature of the same payload, and verifying it;
    and the documents made, for the verify API."""
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
        verdict = verify_document(
            d, keys.trusted(), None, now, issuer=issuer.public_url, check_status=False
        )
        # A failing check is cheap: time only the verifications that pass.
        assert verdict.verdict == "valid", verdict.reasons
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
    ], documents


def worst_shapes(document: dict[str, Any], keys: KeyStore, issuer: Issuer,
                 now: datetime) -> list[tuple[str, float]]:
    """CPU time of the worst shapes within the size limits (each refused), as multiples of the
    genuine document's: what one anonymous request can cost (tests/verification/
    test_bounded_cost.py counts the same shapes' work)."""
    trusted = keys.trusted()

    def cost(d: dict[str, Any]) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.thread_time()
            verify_document(d, trusted, None, now, issuer=issuer.public_url, check_status=False)
            best = min(best, time.thread_time() - start)
        return best

    def chain(depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"a": "x"}
        for _ in range(depth):
            node = {"a": node}
        return node

    shapes = {
        "two nodes of seven identical children (the review's)":
            [{"c": [{"a": "x"} for _ in range(7)]} for _ in range(2)],
        "thirty identical siblings": [{"a": "x"} for _ in range(30)],
        "identical chains seven deep": [chain(7), chain(7)],
        "values up to the limit": ["x"] * 150,
    }
    genuine = cost(document)
    rows = [("genuine document", genuine)]
    for name, extra in shapes.items():
        rows.append((name, cost({**document, "extra": extra})))
    return [(name, seconds / genuine) for name, seconds in rows[1:]] + [("genuine", genuine)]


# What bounds each figure, said once beside it in the table.
BOUNDS = {
    "peer": "ours: routing, the rate limit, headers, the access log and every check of the "
    "registry (status, issuer, course, protection); the peer: the signature and the claims only",
    "seed": "signing every credential (one core) and the bulk inserts",
    "state": "median of sequential requests, one worker; the 50,000 page's rows and the scans "
    "that a substring search or a state-wide count cannot avoid",
    "propagation": "the commit's NOTIFY (PostgreSQL) or the 100 ms poll of the data version "
    "(SQLite), then one read of the lists' revisions and bits and two signatures",
    "certify": "one transaction: building, signing and inserting each credential (Python, "
    "one core)",
    "raw": "the `cryptography` package's Ed25519 verification (OpenSSL), one core",
    "verify()": "the signature, plus parsing the token and checking its claims in Python",
    "floor": "uvicorn's HTTP parsing and Litestar's routing and JSON encoding: the least any "
    "route costs",
    "sign": "one Ed25519 signature (OpenSSL) and the JWS encoding around it",
    "di": "RDFC-1.0 canonicalization in Python, two per credential, beside one signature",
    "di-api": "the canonicalizations above, in a worker thread, beside the status check (the "
    "signature is a small part)",
    "health": "a database round trip in a worker thread, on top of the floor",
    "peer-di": "RDFC-1.0 canonicalization of the document and the proof options (pyld with its "
    "contexts processed once; jsonld.js and rdf-canonize in Node), one Ed25519 check; "
    "interleaved rounds on the server's CPU",
    "shapes": "refused before canonicalization (bounds) or at the 64-unit cap of RDFC-1.0's "
    "N-degree work",
    "verify": "the floor plus our own code: a token on record has its signature checked once "
    "per key set (as the JSON page), so no signature check per request; the profile below "
    "splits it",
    "json": "the floor plus our own code: the stored token's signature was checked once per key "
    "set, so no signature check per request",
    "html": "as the JSON page, plus the template rendered on the event loop (no database read "
    "unless the credential is revoked or suspended)",
    "efficiency": "1.0 would be the floor and one signature check a request; a token on record "
    "makes none after its first requests, so the figure can pass 1.0",
    "rounds": "the same ratio from short runs one after another, floor and signature measured "
    "anew in each round: the figure to trust when the machine's speed drifts (the single "
    "runs above are minutes apart)",
    "share": "the template rendering",
    "rss": "the interpreter, the imported libraries and the in-memory status lists and credentials",
    "large": "indexed lookups by primary key: the table's size should not matter",
    "floors": "our own code per request in units of the floor's instructions; 0 would be the "
    "floor and the signature alone",
    "instructions": "valgrind's count of the server's instructions under the same wrk load "
    "(steady on a busy machine; not time: an instruction of OpenSSL does more than one of "
    "the interpreter)",
}


def propagation(engine: sa.Engine, server: Server, creds: list[tuple[str, str]]) -> list[float]:
    """Milliseconds from a revocation's commit in this process (as another worker commits it,
    NOTIFY included) until the server's verify API answers it, polled back to back."""
    lags = []
    with httpx.Client(base_url=server.base, timeout=10) as client:
        for credential_id, token in creds:
            with unit_of_work(engine) as session:
                row = session.get(Credential, credential_id)
                assert row is not None
                row.status = CredentialStatus.REVOKED
                session.add(row)
                bump_revision(session, row.status_list)
            committed = time.perf_counter()
            while True:
                answer = client.post("/api/v1/verify", json={"token": token}).json()
                if answer["verdict"] == "revoked":
                    break
                if time.perf_counter() - committed > 10:
                    raise SystemExit("the server never saw a revocation committed elsewhere")
            lags.append((time.perf_counter() - committed) * 1000)
            time.sleep(random.uniform(0.05, 0.25))  # land anywhere in the watcher's cycle
    return lags


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL URL to create bench databases on")
    parser.add_argument("--write", help="write the table to this Markdown file")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows for the large run")
    parser.add_argument("--http-only", action="store_true",
                        help="skip the issuance rows and the large run (quick comparisons)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per request with valgrind (slow; for "
                        "before/after comparisons on a busy machine)")
    parser.add_argument("--coverage-only", action="store_true",
                        help="the floor and the coverage rows alone (issue 22)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the verify API's CPU with py-spy and split it by component")
    parser.add_argument("--peers", action="store_true",
                        help="only the peer table: the verify API against a Node jose verifier, "
                        "uvicorn against granian, Data Integrity against @digitalbazaar/vc "
                        "(scripts/bench_peers.py)")
    parser.add_argument("--state", action="store_true",
                        help="only the console and API at 1,000 and 50,000 officers "
                        "(scripts/bench_state.py; seeds both, several minutes)")
    parser.add_argument("--reuse", type=Path,
                        help="with --state on SQLite: keep the seeded states in this directory "
                        "and copy them from there on later runs")
    args = parser.parse_args()
    if args.profile and not pyspy():
        raise SystemExit("--profile needs py-spy on the PATH (pip install py-spy)")
    work = Path(tempfile.mkdtemp(prefix="cit-bench-"))
    keys_dir = work / "keys"
    keys = KeyStore(keys_dir)
    keys.generate("EdDSA")
    rows: list[tuple[str, str, str]] = []

    def row(name: str, value: str, bound: str = "") -> None:
        rows.append((name, value, BOUNDS.get(bound, bound)))
        print(f"{name:60} {value}", flush=True)

    kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
    if args.peers:
        import bench_peers

        bench_peers.run(sys.modules[__name__], work, keys_dir, row)
        if args.write:
            write(Path(args.write), rows, [], 0.0, "sqlite", "--peers", marker="--peers")
        shutil.rmtree(work, ignore_errors=True)
        return 0
    if args.state:
        import bench_state

        bench_state.run(kinds, args.postgres, work, keys_dir, sys.modules[__name__], row,
                       args.reuse)
        if args.write:
            write(Path(args.write), rows, [], 0.0, ", ".join(kinds),
                  "--state" + (" --postgres URL" if args.postgres else ""), marker="--state")
        return 0
    for kind in [] if args.http_only or args.coverage_only else kinds:
        url = fresh_database(kind, args.postgres, work)
        engine = make_engine(url)
        issuer = Issuer(public_url="http://bench.invalid", name="CIT Bench", keys=keys)
        n, secs = timed_certify(engine, issuer, graduating_class(engine, 40))
        row(f"certify a class of 40 ({kind})", f"{n / secs:,.0f} credentials/s ({secs:.2f} s)",
            "certify")
        n, secs = timed_certify(engine, issuer, graduating_class(engine, 10_000))
        row(f"certify a batch of 10,000 ({kind})",
            f"{n / secs:,.0f} credentials/s ({secs:.1f} s)", "certify")
        engine.dispose()
        drop_database(url, args.postgres)

    # The HTTP runs use the last database kind (PostgreSQL when given, else SQLite).
    kind = kinds[-1]
    url = fresh_database(kind, args.postgres, work)
    engine = make_engine(url)
    floor_server = Server(url, keys_dir, work / "floor.log", floor=True)
    floor = wrk(floor_server, "/")
    server = Server(url, keys_dir, work / "server.log")
    if args.coverage_only:
        row("floor: one-route Litestar app, 1 worker, 32 connections", describe(floor, False),
            "floor")
        coverage_rows(engine, lambda path, token, c=CONNECTIONS: wrk(
                          server, path, token=token, seconds=5, connections=c),
                      describe, row, floor)
        for running in (server, floor_server):
            running.stop()
        engine.dispose()
        drop_database(url, args.postgres)
        return 0
    issuer = Issuer(public_url=server.base, name="CIT Bench", keys=keys)
    class_id = graduating_class(engine, 1000)
    timed_certify(engine, issuer, class_id)
    with unit_of_work(engine, read_only=True) as s:
        creds = s.exec(sa.select(Credential).where(Credential.class_id == class_id)).scalars().all()  # type: ignore[call-overload]
        tokens = [c.token for c in creds]
        ids = [c.id for c in creds]
        template = creds[0].model_dump()
    raw = raw_verify_rate(keys, tokens[0])
    row("raw signature verification (EdDSA, in process, CPU time)",
        f"{raw:,.0f} ops/s ({1e6 / raw:.0f} µs)",
        "raw")
    now = datetime.now(UTC)
    trusted = keys.trusted()
    rate = cpu_rate(
        lambda t: verify(t, trusted, None, now, issuer=issuer.public_url, check_status=False),
        random.choices(tokens, k=1000),
    )
    row("verify() without status (in process, CPU time)",
        f"{rate:,.0f} ops/s ({1e6 / rate:.0f} µs)",
        "verify()")
    di_rows, documents = data_integrity_rows(keys, issuer, tokens[:200], now)
    for name, value in di_rows:
        row(name, value, "sign" if name.startswith("JWS") else "di")
    row("floor: one-route Litestar app, 1 worker, 32 connections", describe(floor, False), "floor")
    idle = server.rss_mb()
    health = wrk(server, "/health")
    row("GET /health, 1 worker, 32 connections", describe(health, False), "health")
    raw_profile = work / "verify.pyspy"
    verify_small = wrk(server, "/api/v1/verify", items=tokens, kind="verify",
                       during=profiler(server.proc.pid, raw_profile) if args.profile else None)
    row("POST /api/v1/verify (1,000 credentials, status checked)", describe(verify_small), "verify")
    peer = peer_data_integrity(sys.modules[__name__], keys, issuer, documents, now, work)
    if peer is None:
        row("Data Integrity against @digitalbazaar/vc 7", "not measured: run scripts/test once "
            "(it installs tests/node)", "peer-di")
    else:
        ours, theirs = peer
        row("verify a genuine Data Integrity document, ours (in process, CPU µs)",
            spread(ours), "peer-di")
        row("the same documents, @digitalbazaar/vc 7 (warm Node, CPU µs)", spread(theirs),
            "peer-di")
        row("ours / theirs, per round", spread([a / b for a, b in zip(ours, theirs, strict=True)]),
            "peer-di")
    shapes = worst_shapes(documents[0], keys, issuer, now)
    genuine_ms = shapes.pop()[1] * 1000
    for name, times in shapes:
        row(f"worst shape within the limits: {name}",
            f"{times:.1f}x a genuine document ({times * genuine_ms:.1f} ms CPU)", "shapes")
    di_verify = wrk(server, "/api/v1/verify", kind="verify-di",
                    items=[json.dumps(d, separators=(",", ":")) for d in documents])
    row("POST /api/v1/verify, Data Integrity documents (200 credentials, status checked)",
        describe(di_verify), "di-api")
    page_json = wrk(server, "/c/", items=ids, accept="application/json")
    row("GET /c/{id} JSON", describe(page_json), "json")
    page_html = wrk(server, "/c/", items=ids, accept="text/html")
    row("GET /c/{id} HTML", describe(page_html), "html")
    efficiency = verify_small["rps"] * (1 / floor["rps"] + 1 / raw)
    row("efficiency from the single runs above: verify req/s × (1/floor + 1/raw verify)",
        f"{efficiency:.2f} (the limit: {1 / (1 / floor['rps'] + 1 / raw):,.0f} req/s)",
        "efficiency")
    cpu_efficiency = (floor["cpu_us"] + 1e6 / raw) / verify_small["cpu_us"]
    row("the same from CPU time per request: (floor + raw verify) / verify",
        f"{cpu_efficiency:.2f}", "efficiency")
    row("GET /c/{id} JSON as a share of the verify API, single runs",
        f"{page_json['rps'] / verify_small['rps']:.0%}",
        "json")
    row("GET /c/{id} HTML as a share of the JSON page, single runs",
        f"{page_html['rps'] / page_json['rps']:.0%}",
        "share")
    peer = (NodePeer(sys.modules[__name__], keys, work / "peer.log")
            if NodePeer.available() else None)
    if peer is not None:
        with httpx.Client(base_url=peer.base) as c:  # the peer must accept what we issue
            if c.post("/", json={"token": tokens[0]}).json()["verdict"] != "valid":
                raise SystemExit("the Node peer refused a token the registry issued")
    rounds = interleaved(floor_server, server, keys, tokens, ids, peer)
    floor_server.stop()
    if peer is not None:
        peer.stop()
        row("verify API (JWS) against a minimal Node verifier (node:http + jose), interleaved",
            spread(rounds["peer"], percent=True), "peer")
    row("efficiency from interleaved rounds of 3 s (the figure for the target)",
        spread(rounds["efficiency"]), "rounds")
    row("GET /c/{id} JSON as a share of the verify API, interleaved",
        spread(rounds["json"], percent=True), "rounds")
    row("GET /c/{id} HTML as a share of the JSON page, interleaved",
        spread(rounds["html"], percent=True), "rounds")
    row("worker RSS idle / after load", f"{idle:.0f} MB / {server.rss_mb():.0f} MB", "rss")
    lags = sorted(propagation(engine, server, list(zip(ids, tokens, strict=True))[-20:]))
    row(f"a revocation committed by another process, seen by this worker ({kind})",
        f"median {lags[len(lags) // 2]:.0f} ms, max {lags[-1]:.0f} ms (20 revocations)",
        "propagation")

    coverage_rows(engine, lambda path, token, c=CONNECTIONS: wrk(
                      server, path, token=token, seconds=5, connections=c),
                  describe, row, floor)

    if args.instructions:
        server.stop()
        ratio = (1e6 / raw) / floor["cpu_us"]
        instruction_rows(url, keys_dir, work, tokens, ids, server.port, ratio, row)
        server = Server(url, keys_dir, work / "server.log", port=server.port)

    if not args.http_only:
        filler(engine, args.large - len(tokens), template)
        big_verify = wrk(server, "/api/v1/verify", items=tokens, kind="verify")
        big_json = wrk(server, "/c/", items=ids, accept="application/json")
        row(f"POST /api/v1/verify with {args.large:,} credentials stored",
            f"{big_verify['rps']:,.0f} req/s (ratio to 1,000: "
            f"{big_verify['rps'] / verify_small['rps']:.2f})",
            "large")
        row(f"GET /c/{{id}} JSON with {args.large:,} credentials stored",
            f"{big_json['rps']:,.0f} req/s (ratio to 1,000: "
            f"{big_json['rps'] / page_json['rps']:.2f})",
            "large")
        row("worker RSS after all runs", f"{server.rss_mb():.0f} MB", "rss")
    log_lines = sum(1 for _ in (work / "server.log").open("rb"))
    server.stop()
    engine.dispose()
    drop_database(url, args.postgres)
    profile = profile_table(raw_profile) if args.profile else []
    per_request = verify_small["cpu_us"]
    for component, share in profile:
        print(f"  {component:58} {share:6.1%}  {share * per_request:5.0f} µs")
    print(f"(the access log wrote {log_lines:,} lines)")
    if os.environ.get("BENCH_KEEP_PROFILE") and args.profile:
        shutil.copy(raw_profile, os.environ["BENCH_KEEP_PROFILE"])
    shutil.rmtree(work, ignore_errors=True)

    if args.write:
        flags = [f for f, on in (("--postgres URL", args.postgres), ("--http-only", args.http_only),
                                 ("--instructions", args.instructions),
                                 ("--profile", args.profile)) if on]
        write(Path(args.write), rows, profile, per_request, kind, " ".join(flags))
    return 0


def write(path: Path, rows: list[tuple[str, str, str]], profile: list[tuple[str, float]],
          per_request: float, kind: str, flags: str, marker: str = "") -> None:
    """Replaces the table between the markers, keeping the prose around it."""
    name = f"scripts/bench {marker}".strip()
    START, END = f"<!-- {name}: table -->", f"<!-- {name}: end of table -->"
    lines = ["| measure | result | what bounds it |", "| --- | --- | --- |",
             *[f"| {a} | {b} | {c} |" for a, b, c in rows]]
    if profile:
        lines += ["", "The verify API's CPU by component (py-spy samples under the load above):",
                  "", "| component | share | µs CPU per request |", "| --- | --- | --- |",
                  *[f"| {c} | {s:.0%} | {s * per_request:.0f} |" for c, s in profile]]
    runs = (f"interleaved rounds of {ROUND_SECONDS} s ({ROUNDS} of each server)"
            if marker == "--peers" else f"{DURATION} s per run")
    table = (
        f"{START}\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {CPUS} cores ({os.uname().machine}); server "
        f"pinned to CPU {SERVER_CPU}, wrk to CPU {LOAD_CPU}, {CONNECTIONS} connections, "
        f"{runs}, access log on, rate limits off, database for the HTTP rows: "
        f"{kind}.\n\nRepeat with `scripts/bench {flags} --write docs/benchmarks.md`.\n\n"
        + "\n".join(lines) + f"\n{END}"
    )
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        text = text[: text.index(START)] + table + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + table + "\n"
    path.write_text(text)


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    finally:
        for server in RUNNING:
            if server.proc.poll() is None:
                server.proc.terminate()

"""`scripts/bench --peers`: the registry beside what one would otherwise deploy (issue 24).

In interleaved rounds, every server pinned to the same CPU and wrk to the other:
- the verify API on a JWS against a minimal Node verifier (`scripts/bench_peer_jose.mjs`,
  node:http and jose, the key in memory);
- the registry under uvicorn (`registry serve`, one worker) against the same app under granian
  (a Rust HTTP server for ASGI), each beside the floor app on the same server;
- a Data Integrity verification in process: ours (`verify_document`) against
  `@digitalbazaar/vc` 7 with its eddsa-rdfc-2022 cryptosuite (tests/node/bench-vc.mjs), the
  same documents, verifications per second of CPU time.
The machine's floor (the one-route app) is measured in the same rounds, and the load average
before and after is printed beside the figures. Usable alone:
`.venv/bin/python scripts/bench_peers.py [--write docs/benchmarks.md]`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from registry.credentials.service import Issuer  # noqa: E402
from registry.tables.credentials import Credential  # noqa: E402
from registry.vc.did import did_document  # noqa: E402
from registry.vc.keystore import KeyStore  # noqa: E402
from registry.verification.dataintegrity import verify_document  # noqa: E402

NODE_DIR = ROOT / "tests" / "node"
# What bounds each peer row, said beside it in the table.
BOUNDS = {
    "floor": "the server's HTTP parsing and Litestar's routing and JSON encoding: the least any "
    "route costs on that server",
    "ours": "the floor and every check of the registry (time, status from memory, protection; "
    "the Ed25519 check, claims, issuer and course once per token on record and key set), the "
    "access log, metrics, CORS, security headers",
    "every": "as ours, with the Ed25519 check, claims, issuer and course on every request: the "
    "same tokens sent with a space around them, which no record matches (like for like with jose)",
    "jose": "node:http, JSON and jose's jwtVerify (signature, header, time claims) on every "
    "request: nothing of status, issuer, course or protection",
    "ratio": "req/s per round (the scheduler's sharing of a loaded CPU weighs in: a one-thread "
    "process against multi-threaded ones); CPU per request is the steadier figure",
    "server": "the same app, the same pinning: the HTTP server's own cost",
    "load": "other engineers' work on the same 2 cores",
}
Row = Callable[[str, str, str], None]


def granian_command(port: int, *, floor: bool = False) -> list[str]:
    """The app (or the floor app) under granian: one worker, asyncio on uvloop as uvicorn runs
    it, HTTP/1.1, no websockets (the registry has none)."""
    app = "bench_floor:app" if floor else "registry.asgi:app"
    cmd = [
        str(ROOT / ".venv/bin/granian"),
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if floor:
        cmd += ["--working-dir", str(ROOT / "scripts")]
    return [*cmd, app]


def granian_available() -> bool:
    return (ROOT / ".venv/bin/granian").exists()


class Served:
    """A server process of the bench (bench.Server, NodePeer): its CPU time, memory, stop."""

    proc: subprocess.Popen[bytes]
    log: Any

    def wait_until_up(self, url: str, log: Path, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                break
        raise SystemExit(f"{url} did not start (see {log})")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server's processes have used so far."""
        return tree_cpu_seconds(self.proc.pid)

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


class NodePeer(Served):
    """The minimal Node verifier of scripts/bench_peer_jose.mjs (node:http and jose, the key in
    memory), pinned to the server's CPU like the registry."""

    def __init__(self, bench: Any, keys: KeyStore, log: Path) -> None:
        self.port = bench.free_port()
        self.base = f"{bench.PUBLIC}:{self.port}"
        jwk = json.dumps(keys.jwks()["keys"][0])
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            bench.pinned(
                ["node", str(ROOT / "scripts/bench_peer_jose.mjs"), str(self.port), jwk],
                bench.SERVER_CPU,
            ),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        bench.RUNNING.append(self)
        self.wait_until_up(self.base, log)

    @staticmethod
    def available() -> bool:
        return bool(shutil.which("node")) and (NODE_DIR / "node_modules/jose").is_dir()


def tree(pid: int) -> list[int]:
    """`pid` and its living descendants (granian serves from a child of the process started)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in children.read_text().split())
            except OSError:
                continue
    return found


def _proc(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except OSError:  # gone meanwhile
        return ""


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of `pid` and its living descendants."""
    total = 0
    for each in tree(pid):
        stat = _proc(each, "stat")
        if stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def tree_rss_mb(pid: int) -> float:
    """The largest resident set among `pid` and its descendants (the serving worker's)."""
    sizes = [0]
    for each in tree(pid):
        m = re.search(r"VmRSS:\s+(\d+) kB", _proc(each, "status"))
        sizes.append(int(m.group(1)) if m else 0)
    return max(sizes) / 1024


def peer_data_integrity(
    bench: Any,
    keys: KeyStore,
    issuer: Issuer,
    documents: list[dict[str, Any]],
    now: datetime,
    work: Path,
) -> tuple[list[float], list[float]] | None:
    """CPU time per genuine Data Integrity document, proof only: ours (verify_document, in
    process) and @digitalbazaar/vc 7's (a warm Node process, the same documents), in ROUNDS
    interleaved rounds on the same CPU. None without Node or the packages of tests/node."""
    if not shutil.which("node") or not (NODE_DIR / "node_modules" / "@digitalbazaar").is_dir():
        return None
    given = work / "peer-documents.json"
    given.write_text(
        json.dumps(
            {
                "did_document": did_document(issuer.did, keys.published()),
                "documents": documents,
            }
        )
    )
    peer = subprocess.Popen(
        bench.pinned(["node", str(NODE_DIR / "bench-vc.mjs"), str(given)], bench.SERVER_CPU),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if peer.stdin is None or peer.stdout is None:
        raise SystemExit("the Node peer has no pipes")
    trusted = keys.trusted()
    ours: list[float] = []
    theirs: list[float] = []
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(bench.SERVER_CPU)})
    try:
        for _ in range(bench.ROUNDS):
            start = time.thread_time()
            for d in documents:
                verify_document(d, trusted, None, now, issuer=issuer.public_url, check_status=False)
            ours.append((time.thread_time() - start) / len(documents) * 1e6)
            peer.stdin.write("round\n")
            peer.stdin.flush()
            theirs.append(float(peer.stdout.readline()))
    finally:
        os.sched_setaffinity(0, allowed)
        peer.stdin.close()
        peer.wait(timeout=30)
    return ours, theirs


def median(values: list[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def same_verdict(bases: list[str], token: str) -> bytes:
    """The verify API's answer to `token`, byte for byte the same from every server named (but
    for the second `checked_at` names)."""
    answers = {
        re.sub(
            rb'"checked_at":"[^"]*"',
            b'"checked_at":""',
            httpx.post(f"{b}/api/v1/verify", json={"token": token}, timeout=30).content,
        )
        for b in bases
    }
    if len(answers) != 1:
        raise SystemExit(f"the servers answered differently: {answers}")
    return answers.pop()


def run(bench: Any, work: Path, keys_dir: Path, row: Row) -> None:
    """Every peer row of docs/benchmarks.md's peer table (SQLite: what the verify API reads is
    in memory either way)."""
    keys = KeyStore(keys_dir)
    started_load = load_average()
    url = bench.fresh_database("sqlite", None, work)
    engine = bench.make_engine(url)
    port = bench.free_port()
    servers: dict[str, Any] = {
        "floor (uvicorn)": bench.Server(url, keys_dir, work / "floor.log", floor=True),
        "ours (uvicorn)": bench.Server(url, keys_dir, work / "server.log", port=port),
    }
    for name, floor in (("floor (granian)", True), ("ours (granian)", False)):
        if granian_available():
            # The same public URL as uvicorn's: the credentials name it (issuer, status lists).
            gport = bench.free_port()
            servers[name] = bench.Server(
                url,
                keys_dir,
                work / f"{name.split()[0]}-granian.log",
                floor=floor,
                port=gport,
                public_port=port,
                command=granian_command(gport, floor=floor),
            )
    issuer = Issuer(public_url=servers["ours (uvicorn)"].base, name="CIT Bench", keys=keys)
    class_id = bench.graduating_class(engine, 1000)
    bench.timed_certify(engine, issuer, class_id)
    with bench.unit_of_work(engine, read_only=True) as session:
        tokens = list(
            session.execute(
                sa.select(Credential.token).where(Credential.class_id == class_id)
            ).scalars()
        )  # type: ignore[arg-type]
    if NodePeer.available():
        servers["jose (Node)"] = peer = NodePeer(bench, keys, work / "peer.log")
        if httpx.post(peer.base, json={"token": tokens[0]}).json()["verdict"] != "valid":
            raise SystemExit("the Node peer refused a token the registry issued")
    ours = [s.base for name, s in servers.items() if name.startswith("ours")]
    answer = same_verdict(ours, tokens[0])
    # Each server's memory holds every credential's record before any round (steady state).
    for name in servers:
        if not name.startswith("floor"):
            bench.wrk(servers[name], "/", items=tokens, kind="verify", seconds=2)
    # Like for like with jose: the same tokens with a space around them are no record's text,
    # so each request checks the signature, claims, issuer and course (the verdict is the same).
    every = "ours (uvicorn), every signature"
    runs: dict[str, tuple[Any, list[str] | None]] = {
        name: (s, None if name.startswith("floor") else tokens) for name, s in servers.items()
    }
    runs[every] = (servers["ours (uvicorn)"], [f" {t} " for t in tokens])
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    for _ in range(bench.ROUNDS):
        for name, (server, items) in runs.items():
            figures[name].append(
                bench.wrk(server, "/", seconds=bench.ROUND_SECONDS, warm=False)
                if items is None
                else bench.wrk(
                    server,
                    "/",
                    items=items,
                    kind="verify",
                    seconds=bench.ROUND_SECONDS,
                    warm=False,
                )
            )
    same_verdict(ours, tokens[0]) == answer or sys.exit("a verdict changed under load")
    rss = {name: s.rss_mb() for name, s in servers.items() if name.startswith("ours")}
    for server in servers.values():
        server.stop()
    engine.dispose()

    def rps(name: str) -> str:
        runs = figures[name]
        return (
            f"median {median([r['rps'] for r in runs]):,.0f} req/s, "
            f"{median([r['cpu_us'] for r in runs]):,.0f} µs CPU/request, "
            f"p99 {median([r['p99'] for r in runs]):.1f} ms, "
            f"errors {sum(r['errors'] for r in runs):.0f}"
        )

    def ratio(a: str, b: str) -> str:
        per_round = [x["rps"] / y["rps"] for x, y in zip(figures[a], figures[b], strict=True)]
        cpu = median(
            [y["cpu_us"] / x["cpu_us"] for x, y in zip(figures[a], figures[b], strict=True)]
        )
        return bench.spread(per_round) + f"; by CPU per request {cpu:.2f}"

    for name in runs:
        what = "POST /api/v1/verify (JWS)" if not name.startswith("floor") else "GET / (floor)"
        row(f"{what}: {name}", rps(name), BOUNDS["every" if name == every else name.split()[0]])
    if "jose (Node)" in servers:
        row(
            "ours (uvicorn) / jose, per round",
            ratio("ours (uvicorn)", "jose (Node)"),
            BOUNDS["ratio"],
        )
        row(
            "ours (uvicorn), every signature / jose, per round",
            ratio(every, "jose (Node)"),
            BOUNDS["ratio"],
        )
        if "ours (granian)" in servers:
            row(
                "ours (granian) / jose, per round",
                ratio("ours (granian)", "jose (Node)"),
                BOUNDS["ratio"],
            )
    if "ours (granian)" in servers:
        row(
            "ours: granian / uvicorn, per round",
            ratio("ours (granian)", "ours (uvicorn)"),
            BOUNDS["server"],
        )
        row(
            "floor: granian / uvicorn, per round",
            ratio("floor (granian)", "floor (uvicorn)"),
            BOUNDS["server"],
        )
    row("worker RSS after the rounds", ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()), "rss")
    data_integrity(bench, keys, issuer, tokens, work, row)
    row(
        "load average (1/5/15 min) before / after",
        f"{started_load} / {load_average()}",
        BOUNDS["load"],
    )


def data_integrity(
    bench: Any, keys: KeyStore, issuer: Issuer, tokens: list[str], work: Path, row: Row
) -> None:
    now = datetime.now(UTC)
    _, documents = bench.data_integrity_rows(keys, issuer, tokens[:50], now)
    peer = peer_data_integrity(bench, keys, issuer, documents, now, work)
    if peer is None:
        row(
            "Data Integrity against @digitalbazaar/vc 7",
            "not measured: run scripts/test once (it installs tests/node)",
            "peer-di",
        )
        return
    ours, theirs = peer
    row(
        "verify a genuine Data Integrity document, ours (in process)",
        f"{1e6 / median(ours):,.0f} verifications/s of CPU ({median(ours):,.0f} µs)",
        "peer-di",
    )
    row(
        "the same documents, @digitalbazaar/vc 7 + eddsa-rdfc-2022 (warm Node)",
        f"{1e6 / median(theirs):,.0f} verifications/s of CPU ({median(theirs):,.0f} µs)",
        "peer-di",
    )
    row(
        "Data Integrity: ours / theirs in verifications per second, per round",
        bench.spread([b / a for a, b in zip(ours, theirs, strict=True)]),
        "peer-di",
    )


if __name__ == "__main__":
    # Run as `scripts/bench --peers` (bench.py holds the servers and the table; importing it
    # here would tie the two modules in a circle).
    bench_py = str(Path(__file__).with_name("bench.py"))
    os.execv(sys.executable, [sys.executable, bench_py, "--peers", *sys.argv[1:]])  # noqa: S606

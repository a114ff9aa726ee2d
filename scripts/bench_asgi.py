"""The verify API's cost inside the app alone: N `POST /api/v1/verify` (a JWS) handed to the
app's ASGI callable in one process, no HTTP server, no network, after two requests per credential
to warm its memory (the first reads its record, the second checks the record's signature, which
later requests of the same token do not repeat: the steady state a long wrk run measures).
Prints the CPU time per request. For before/after comparisons of the app's own Python on a busy
machine, where wrk's figures drift:

    .venv/bin/python scripts/bench_asgi.py [N] [--checkout DIR]

`--checkout DIR` runs another checkout's app (say, main's, extracted with `git archive`) on the
same database, keys and tokens. With `REGISTRY_BENCH_CALLGRIND=1` it switches valgrind's
instrumentation on for the measured requests alone (run it under
`valgrind --tool=callgrind --instr-atstart=no`): an instruction count per request that other
load on the machine does not move. The database and tokens are made once in a folder of the
system's temporary directory and kept for the next run (delete it to start again).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(tempfile.gettempdir()) / "cit-bench-asgi"
PUBLIC_URL = "http://127.0.0.1:9"


def prepare() -> None:
    """A database with a certified class of 1,000 and its tokens, made by this checkout."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench
    import sqlalchemy as sa

    from registry.credentials.service import Issuer
    from registry.tables.credentials import Credential
    from registry.vc.keystore import KeyStore

    DATA.mkdir(parents=True, exist_ok=True)
    keys = KeyStore(DATA / "keys")
    keys.generate("EdDSA")
    url = bench.fresh_database("sqlite", None, DATA)
    engine = bench.make_engine(url)
    issuer = Issuer(public_url=PUBLIC_URL, name="CIT Bench", keys=keys)
    class_id = bench.graduating_class(engine, 1000)
    bench.timed_certify(engine, issuer, class_id)
    with bench.unit_of_work(engine, read_only=True) as session:
        query = sa.select(Credential.token).where(Credential.class_id == class_id)  # type: ignore[arg-type]
        tokens = list(session.execute(query).scalars())
    engine.dispose()
    (DATA / "tokens.json").write_text(json.dumps(tokens))
    (DATA / "url").write_text(url)


def request(body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/verify",
        "raw_path": b"/api/v1/verify",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9),
        "headers": [
            (b"host", b"127.0.0.1:9"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "state": {},
    }


def instrument(on: bool) -> None:
    """valgrind's instrumentation of this process on or off (callgrind_control, on the PATH)."""
    command = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
    subprocess.run(command, capture_output=True, check=False)


async def drive(app: Any, bodies: list[bytes], n: int, callgrind: bool) -> float:
    """CPU seconds per request of `n` requests, after two per body."""
    messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started: list[dict[str, Any]] = []

    async def lifespan_send(message: dict[str, Any]) -> None:
        started.append(message)

    await messages.put({"type": "lifespan.startup"})
    life = asyncio.create_task(
        app(
            {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
            messages.get,
            lifespan_send,
        )
    )
    while not started:
        await asyncio.sleep(0.01)
    answers: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        answers.append(message)

    begin = 0.0
    for i in range(-2 * len(bodies), n):
        if i == 0:
            if callgrind:
                instrument(True)
            begin = time.process_time()
        body = bodies[i % len(bodies)]

        async def receive(body: bytes = body) -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        answers.clear()
        await app(request(body), receive, send)
        if answers[0]["status"] != 200:
            raise SystemExit(f"the verify API answered {answers}")
    per = (time.process_time() - begin) / n
    if callgrind:
        instrument(False)
    await messages.put({"type": "lifespan.shutdown"})
    await life
    return per


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("--checkout", default=str(ROOT))
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    callgrind = bool(os.environ.get("REGISTRY_BENCH_CALLGRIND"))
    if args.prepare:
        sys.path.insert(0, str(ROOT))
        prepare()
        return 0
    if not (DATA / "tokens.json").exists():  # made by this checkout, in a process of its own
        subprocess.run([sys.executable, __file__, "--prepare"], check=True)
    for name in [k for k in os.environ if k.startswith("REGISTRY_")]:
        del os.environ[name]
    os.environ.update(
        REGISTRY_DATABASE_URL=(DATA / "url").read_text(),
        REGISTRY_KEYS_DIR=str(DATA / "keys"),
        REGISTRY_PUBLIC_URL=PUBLIC_URL,
        REGISTRY_RATE_LIMIT="0",
        REGISTRY_ACCESS_LOG="1",
        REGISTRY_LOG_LEVEL="info",
        REGISTRY_ENV="production",
        REGISTRY_WORKERS="1",
    )
    sys.path.insert(0, args.checkout)
    os.chdir(args.checkout)
    report = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the access log's lines, for the process
    import uvloop

    from registry.asgi import app  # the checkout's

    bodies = [
        json.dumps({"token": t}).encode() for t in json.loads((DATA / "tokens.json").read_text())
    ]
    per = uvloop.run(drive(app, bodies, args.n, callgrind))
    print(f"{per * 1e6:.0f} µs CPU per request ({args.n:,} requests, {args.checkout})", file=report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A real registry server on a free local port (uvicorn in a subprocess), for tests that must
cross a real socket: the CLI over HTTP, the browser."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from registry.vc.keystore import KeyStore
from tests.conftest import unique
from tests.tls import TlsFiles

BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
REGISTRY = BIN / "registry"


def cli_env(**settings: str) -> dict[str, str]:
    """The environment of a CLI run: the given REGISTRY_* settings and none from the shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(settings)
    return env


def run_registry(
    *args: str, env: dict[str, str], timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REGISTRY), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    admin_token: str
    pid: int = 0  # the `registry serve` process
    # The CA file an https server's certificate chains to (tests/tls.py), None for http.
    ca: str | None = None

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What httpx checks the server's certificate with: the throw-away CA, if any."""
        return ssl.create_default_context(cafile=self.ca) if self.ca else True

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30,
            verify=self.verify,
        )

    def client(self) -> httpx.Client:
        """An anonymous client, as a wallet or a verifier calls the server."""
        return httpx.Client(base_url=self.url, timeout=30, verify=self.verify)

    def issue(self) -> dict[str, Any]:
        """One officer through a whole class, certified; the certify answer's item."""
        with self.api() as api:
            class_id, _ = eligible_class(api, 1)
            issued: dict[str, Any] = ok(api.post(f"/api/v1/classes/{class_id}/certify", json={}))[
                "issued"
            ][0]
            return issued


def server_env(database_url: str, keys_dir: Path, public_url: str, **extra: str) -> dict[str, str]:
    """What a test server runs with: its database and keys, no rate limits, quiet logs."""
    return cli_env(
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_KEYS_DIR=str(keys_dir),
        REGISTRY_PUBLIC_URL=public_url,
        REGISTRY_RATE_LIMIT="0",
        REGISTRY_ACCESS_LOG="0",
        REGISTRY_LOG_LEVEL="warning",
        **extra,
    )


def start_server(
    env: dict[str, str], port: int, log: IO[Any], tls: TlsFiles | None = None
) -> subprocess.Popen[bytes]:
    """`registry serve`; with `tls`, uvicorn itself on the same app over https (the command
    serves plain http, for a proxy in front: this is that front, in one process)."""
    command = [str(REGISTRY), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if tls is not None:
        command = [
            str(BIN / "uvicorn"),
            "registry.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ssl-certfile",
            str(tls.cert),
            "--ssl-keyfile",
            str(tls.key),
            "--no-server-header",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    return subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_healthy(
    server: subprocess.Popen[bytes],
    url: str,
    log: Callable[[], str],
    seconds: float,
    verify: ssl.SSLContext | bool = True,
) -> None:
    """Until /health answers 200; fails the test with the server's log if it exits or never does."""
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log()}")
        try:
            if httpx.get(f"{url}/health", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the server did not answer /health within {seconds:.0f} s:\n{log()}")
        time.sleep(0.05)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def create_admin(env: dict[str, str], prefix: str) -> str:
    """A new admin's API token, made with the CLI."""
    created = run_registry("user", "create", unique(prefix), "--role", "admin", env=env)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


@contextmanager
def serve(
    database_url: str,
    keys_dir: Path,
    log_path: Path,
    tls: TlsFiles | None = None,
    *,
    public_url: str = "",
    **extra: str,
) -> Iterator[LiveServer]:
    """Starts `registry serve` on a free port with its own keys; stops it afterwards. With `tls`
    it answers on https://localhost:PORT, its public URL (so its DID is did:web:localhost%3APORT,
    resolved over https as a wallet resolves it). Another public URL may be named (a server
    started again must keep it: credentials name their issuer by it)."""
    if not any(keys_dir.glob("*.json")):
        KeyStore(keys_dir).generate("EdDSA")
    port = free_port()
    url = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
    verify: ssl.SSLContext | bool = tls.context() if tls else True
    env = server_env(database_url, keys_dir, public_url or url, **extra)
    token = create_admin(env, "liveadmin")
    with log_path.open("wb") as log:
        server = start_server(env, port, log, tls)
    try:
        wait_until_healthy(server, url, lambda: log_path.read_text(errors="replace"), 30, verify)
        yield LiveServer(
            url=url, env=env, admin_token=token, pid=server.pid, ca=str(tls.ca) if tls else None
        )
    finally:
        stop_server(server)


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.text}"
    return r.json()


def eligible_class(api: httpx.Client, size: int, batch: int = 50) -> tuple[str, list[str]]:
    """A region, an agency and a class of `size` officers who all attended and passed."""
    code = unique("K")
    ok(api.post("/api/v1/regions", json={"code": code, "name": code}), 201)
    agency = ok(
        api.post(
            "/api/v1/agencies",
            json={"name": f"PD {code}", "ori": "UT" + uuid.uuid4().hex[:7].upper(), "region": code},
        ),
        201,
    )
    course = next(c for c in ok(api.get("/api/v1/courses")) if c["code"] == "CIT-40")
    start = date.today() + timedelta(days=7)
    klass = ok(
        api.post(
            "/api/v1/classes",
            json={
                "course": "CIT-40",
                "region": code,
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=4)).isoformat(),
                "location": "Academy",
                "capacity": size,
            },
        ),
        201,
    )
    base = f"/api/v1/classes/{klass['id']}"
    patrol = (date.today() - timedelta(days=800)).isoformat()

    def officer(_: int) -> str:
        created = ok(
            api.post(
                "/api/v1/officers",
                json={
                    "post_id": unique("P"),
                    "first_name": "Crash",
                    "last_name": unique("Test"),
                    "agency_id": agency["id"],
                    "patrol_start_date": patrol,
                },
            ),
            201,
        )
        ok(api.post(f"{base}/enrollments", json={"officer_id": created["id"]}), 201)
        return str(created["id"])

    # A few requests in flight at once: the server's threads overlap their HTTP and JSON work.
    with ThreadPoolExecutor(max_workers=6) as pool:
        officers = list(pool.map(officer, range(size)))
    for i in range(0, size, batch):
        group = officers[i : i + batch]
        attendance = [
            {"officer_id": o, "module": m["code"], "hours": m["hours"]}
            for o in group
            for m in course["modules"]
        ]
        ok(api.post(f"{base}/attendance", json={"records": attendance}))
        results = [
            {"officer_id": o, "written_exam": "pass", "scenario_evaluation": "pass"} for o in group
        ]
        ok(api.post(f"{base}/results", json={"records": results}))
    return str(klass["id"]), officers


def verdict(api: httpx.Client, token: str) -> str:
    return str(ok(api.post("/api/v1/verify", json={"token": token}))["verdict"])

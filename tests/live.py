"""A real registry server on a free local port (uvicorn in a subprocess), for tests that must
cross a real socket: the CLI over HTTP, the browser."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.credentials.keys import KeyStore
from tests.conftest import unique

REGISTRY = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "registry"


def cli_env(**settings: str) -> dict[str, str]:
    """The environment of a CLI run: the given REGISTRY_* settings and none from the shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(settings)
    return env


def run_registry(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REGISTRY), *args], env=env, capture_output=True, text=True, timeout=timeout
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

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30,
        )

    def issue(self) -> dict[str, Any]:
        """One officer through a whole class, certified; the certify answer's item."""
        with self.api() as api:

            def ok(r: httpx.Response, status: int = 200) -> Any:
                assert r.status_code == status, r.text
                return r.json()

            code = unique("L")
            ok(api.post("/api/v1/regions", json={"code": code, "name": code}), 201)
            agency = ok(
                api.post(
                    "/api/v1/agencies",
                    json={
                        "name": f"PD {code}",
                        "ori": "UT" + uuid.uuid4().hex[:7].upper(),
                        "region": code,
                    },
                ),
                201,
            )
            officer = ok(
                api.post(
                    "/api/v1/officers",
                    json={
                        "post_id": unique("P"),
                        "first_name": "Live",
                        "last_name": unique("Server"),
                        "agency_id": agency["id"],
                        "patrol_start_date": (date.today() - timedelta(days=800)).isoformat(),
                    },
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
                        "capacity": 10,
                    },
                ),
                201,
            )
            base = f"/api/v1/classes/{klass['id']}"
            oid = officer["id"]
            ok(api.post(f"{base}/enrollments", json={"officer_id": oid}), 201)
            records = [
                {"officer_id": oid, "module": m["code"], "hours": m["hours"]}
                for m in course["modules"]
            ]
            ok(api.post(f"{base}/attendance", json={"records": records}))
            results = [{"officer_id": oid, "written_exam": "pass", "scenario_evaluation": "pass"}]
            ok(api.post(f"{base}/results", json={"records": results}))
            issued: dict[str, Any] = ok(api.post(f"{base}/certify", json={}))["issued"][0]
            return issued


@contextmanager
def serve(database_url: str, keys_dir: Path, log_path: Path, **extra: str) -> Iterator[LiveServer]:
    """Starts `registry serve` on a free port with its own keys; stops it afterwards."""
    if not any(keys_dir.glob("*.json")):
        KeyStore(keys_dir).generate("EdDSA")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = cli_env(
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_KEYS_DIR=str(keys_dir),
        REGISTRY_PUBLIC_URL=url,
        REGISTRY_RATE_LIMIT="0",
        REGISTRY_ACCESS_LOG="0",
        REGISTRY_LOG_LEVEL="warning",
        **extra,
    )
    created = run_registry("user", "create", unique("liveadmin"), "--role", "admin", env=env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    log = log_path.open("w+")
    server = subprocess.Popen(
        [str(REGISTRY), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                log.seek(0)
                pytest.fail(f"the server exited with {server.returncode}:\n{log.read()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the server did not answer /health within 30 s:\n{log.read()}")
            time.sleep(0.1)
        yield LiveServer(url=url, env=env, admin_token=token)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()

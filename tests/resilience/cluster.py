"""Registry server processes the tests may kill: SIGKILL mid-request, restart on the same
database, several at once on one database; and classes built through the real API."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.credentials.keys import KeyStore
from tests.conftest import unique
from tests.live import REGISTRY, cli_env, free_port, run_registry

# One public origin for every process, as behind a load balancer: a credential names its issuer
# and status lists by this URL, so it verifies on whichever process answers, and after a restart.
PUBLIC_URL = "https://registry.test"


@dataclass
class Node:
    """One `registry serve` process."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, open transactions are cut off mid-way."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Cluster:
    database_url: str
    keys_dir: Path
    tmp: Path
    token: str
    nodes: list[Node] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return cli_env(
            REGISTRY_DATABASE_URL=self.database_url,
            REGISTRY_KEYS_DIR=str(self.keys_dir),
            REGISTRY_PUBLIC_URL=PUBLIC_URL,
            REGISTRY_RATE_LIMIT="0",
            REGISTRY_ACCESS_LOG="0",
            REGISTRY_LOG_LEVEL="warning",
        )

    def start(self, port: int | None = None) -> Node:
        return self.start_many(1, port)[0]

    def start_many(self, count: int, port: int | None = None) -> list[Node]:
        """Starts `count` processes at once (they boot in parallel) and waits for each."""
        nodes = [self._spawn(port if count == 1 else None) for _ in range(count)]
        for node in nodes:
            self._wait_ready(node)
        return nodes

    def _spawn(self, port: int | None) -> Node:
        port = port or free_port()
        log_path = self.tmp / f"server-{port}-{time.monotonic_ns()}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(REGISTRY), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        node = Node(f"http://127.0.0.1:{port}", process, log_path)
        self.nodes.append(node)
        return node

    @staticmethod
    def _wait_ready(node: Node) -> None:
        deadline = time.monotonic() + 60  # a loaded machine imports slowly
        while True:
            if node.process.poll() is not None:
                pytest.fail(f"the server exited with {node.process.returncode}:\n{node.log()}")
            try:
                if httpx.get(f"{node.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                node.kill()
                pytest.fail(f"the server did not answer /health within 60 s:\n{node.log()}")
            time.sleep(0.05)

    def api(self, node: Node, timeout: float = 120) -> httpx.Client:
        return httpx.Client(
            base_url=node.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=timeout
        )


@contextmanager
def cluster(database_url: str, tmp: Path) -> Iterator[Cluster]:
    """Keys and an admin token for servers on `database_url`; stops whatever is left running."""
    keys_dir = tmp / "keys"
    keys_dir.mkdir()
    KeyStore(keys_dir).generate("EdDSA")
    env = cli_env(REGISTRY_DATABASE_URL=database_url, REGISTRY_KEYS_DIR=str(keys_dir))
    created = run_registry("user", "create", unique("resadmin"), "--role", "admin", env=env)
    assert created.returncode == 0, created.stderr
    found = Cluster(database_url, keys_dir, tmp, created.stdout.strip().splitlines()[-1])
    try:
        yield found
    finally:
        for node in found.nodes:
            if node.process.poll() is None:
                node.process.terminate()
                try:
                    node.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    node.kill()


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

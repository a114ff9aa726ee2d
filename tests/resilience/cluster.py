"""Registry server processes the tests may kill: SIGKILL mid-request, restart on the same
database, several at once on one database; and classes built through the real API."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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

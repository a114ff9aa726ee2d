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

from registry.vc.keystore import KeyStore
from tests.live import (
    cli_env,
    create_admin,
    free_port,
    server_env,
    start_server,
    stop_server,
    wait_until_healthy,
)

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
        return server_env(self.database_url, self.keys_dir, PUBLIC_URL)

    def start(self, port: int | None = None) -> Node:
        return self.start_many(1, port)[0]

    def start_many(self, count: int, port: int | None = None) -> list[Node]:
        """Starts `count` processes at once (they boot in parallel) and waits for each."""
        nodes = [self._spawn(port if count == 1 else None) for _ in range(count)]
        for node in nodes:
            # 60 s: a loaded machine imports slowly.
            wait_until_healthy(node.process, node.url, node.log, 60)
        return nodes

    def _spawn(self, port: int | None) -> Node:
        port = port or free_port()
        log_path = self.tmp / f"server-{port}-{time.monotonic_ns()}.log"
        with log_path.open("wb") as log:
            process = start_server(self.env, port, log)
        node = Node(f"http://127.0.0.1:{port}", process, log_path)
        self.nodes.append(node)
        return node

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
    found = Cluster(database_url, keys_dir, tmp, create_admin(env, "resadmin"))
    try:
        yield found
    finally:
        for node in found.nodes:
            stop_server(node.process)

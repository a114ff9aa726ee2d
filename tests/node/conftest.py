"""The field's verifiers (Node.js packages pinned in tests/node/package-lock.json) against a live
test server: one `node` process per test module, answering one JSON job per line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.live import LiveServer, serve
from tests.tls import make_tls
from tests.verification.conftest import live_server

__all__ = ["live_server"]  # one live server per module, as for the CLI's tests


@pytest.fixture(scope="module")
def tls_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server on https://localhost:PORT behind a throw-away CA (tests/tls.py): its DID is
    did:web:localhost%3APORT, which a wallet resolves over https as in production."""
    with serve(
        database_url,
        tmp_path_factory.mktemp("tls-keys"),
        tmp_path_factory.mktemp("tls-log") / "server.log",
        tls=make_tls(tmp_path_factory.mktemp("tls")),
    ) as live:
        yield live


HERE = Path(__file__).parent


def trust(ca: str | None) -> dict[str, str]:
    """Node's environment trusting a test server's throw-away CA (tests/tls.py) beside the
    system's roots, for its https client, fetch and every library over them."""
    return {"NODE_EXTRA_CA_CERTS": ca} if ca else {}


class Node:
    """A script of tests/node (`verifiers.mjs` unless named), running; `ask` sends one job and
    waits for its answer."""

    def __init__(self, origin: str, script: str = "verifiers.mjs", ca: str | None = None) -> None:
        node = shutil.which("node")
        if node is None or not (HERE / "node_modules").is_dir():
            pytest.fail("the Node verifiers need node and `npm ci --prefix tests/node`")
        self.process = subprocess.Popen(
            [node, str(HERE / script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), "REGISTRY_ORIGIN": origin, **trust(ca)},
        )

    def ask(self, kind: str, **job: Any) -> Any:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        stdin.write(json.dumps({"kind": kind, **job}) + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            pytest.fail(f"the node process exited with {self.process.wait(10)}")
        answer = json.loads(line)
        assert "crash" not in answer, answer["crash"]
        return answer["result"]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def node(live_server: LiveServer) -> Iterator[Node]:
    process = Node(live_server.url, ca=live_server.ca)
    yield process
    process.close()


@pytest.fixture(scope="module")
def wallets(live_server: LiveServer) -> Iterator[Node]:
    """The wallet apps of tests/node/wallets.mjs, against the module's live server."""
    process = Node(live_server.url, "wallets.mjs", live_server.ca)
    yield process
    process.close()


@pytest.fixture(scope="module")
def learncard(live_server: LiveServer) -> Iterator[Node]:
    """LearnCard's SDK as a holder (tests/node/learncard.mjs), against the module's live server."""
    process = Node(live_server.url, "learncard.mjs", live_server.ca)
    yield process
    process.close()


@pytest.fixture(scope="module")
def credo(live_server: LiveServer) -> Iterator[Node]:
    """A Credo 0.6.3 agent as a holder (tests/node/credo.mjs), against the module's live server."""
    process = Node(live_server.url, "credo.mjs", live_server.ca)
    yield process
    process.close()


@pytest.fixture
def issued(live_server: LiveServer) -> dict[str, Any]:
    """A certification in force, on the module's live server."""
    return live_server.issue()

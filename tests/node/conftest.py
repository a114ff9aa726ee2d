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

from tests.live import LiveServer
from tests.verification.conftest import live_server

__all__ = ["live_server"]  # one live server per module, as for the CLI's tests

HERE = Path(__file__).parent


class Node:
    """`tests/node/verifiers.mjs`, running; `ask` sends one job and waits for its answer."""

    def __init__(self, origin: str) -> None:
        node = shutil.which("node")
        if node is None or not (HERE / "node_modules").is_dir():
            pytest.fail("the Node verifiers need node and `npm ci --prefix tests/node`")
        self.process = subprocess.Popen(
            [node, str(HERE / "verifiers.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), "REGISTRY_ORIGIN": origin},
        )

    def ask(self, kind: str, **job: Any) -> Any:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        stdin.write(json.dumps({"kind": kind, **job}) + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            pytest.fail(f"the node verifiers exited with {self.process.wait(10)}")
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
    process = Node(live_server.url)
    yield process
    process.close()

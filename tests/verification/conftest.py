"""A real registry server on a free local port, for the CLI to verify against over HTTP, and the
CLI's environment on this registry's own database and keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PUBLIC_URL
from tests.live import LiveServer, cli_env, serve


@pytest.fixture(scope="module")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with serve(
        database_url,
        tmp_path_factory.mktemp("live-keys"),
        tmp_path_factory.mktemp("live-log") / "server.log",
    ) as live:
        yield live


@pytest.fixture
def local_env(database_url: str, keys_dir: Path) -> dict[str, str]:
    """The CLI on this registry's own database and (session) keys, read-only."""
    return cli_env(
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_KEYS_DIR=str(keys_dir),
        REGISTRY_PUBLIC_URL=PUBLIC_URL,
    )

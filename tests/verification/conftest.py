"""A real registry server on a free local port, for the CLI to verify against over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, serve


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

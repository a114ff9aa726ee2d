"""A throw-away PostgreSQL server of a test's own (initdb and pg_ctl on a free port, in a temporary
folder), which the test may restart and stop at will: never the shared server the suite uses."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.migrate import upgrade_database
from tests.live import free_port

# A test on a PostgreSQL of its own runs the same whichever database the suite is on: once, in
# the SQLite pass (CI runs the PostgreSQL pass beside it, on the same two cores).
ONCE = pytest.mark.skipif(
    bool(os.environ.get("REGISTRY_TEST_POSTGRES")),
    reason="starts a PostgreSQL of its own whatever the pass: run once, in the SQLite pass",
)


def postgres_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin that holds initdb and pg_ctl, if any."""
    found = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if (path.parent / "initdb").exists()
    ]
    return (
        max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
        if found
        else None
    )


@dataclass
class OwnPostgres:
    """One PostgreSQL server process on 127.0.0.1:`port`, its data in `data`."""

    bin: Path
    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/registry"

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*as_owner(), str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout + done.stderr + self.log.read_text()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.pg_ctl("-o", options, "-l", str(self.log), "start")

    def restart_fast(self) -> None:
        """`pg_ctl restart -m fast`: every session is cut off, the server comes straight back."""
        # Its log to the file, as at start: otherwise to pg_ctl's own output, held open.
        self.pg_ctl("-m", "fast", "-l", str(self.log), "restart")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")


def as_owner() -> list[str]:
    """PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A new PostgreSQL cluster with a migrated `registry` database; removed afterwards.

    Skips (saying why) only when no PostgreSQL server binaries are installed."""
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    # Not under pytest's tmp_path: the postgres user must reach the folder, and root's is 0700.
    folder = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    data = folder / "data"
    log = folder / "server.log"
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(
            [*as_owner(), str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        server = OwnPostgres(binaries, data, free_port(), log)
        server.start()
        try:
            admin = sa.create_engine(
                server.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE registry"))
            admin.dispose()
            upgrade_database(server.url)
            yield server
        finally:
            subprocess.run(
                [*as_owner(), str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True, timeout=60,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)

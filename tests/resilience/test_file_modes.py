"""The SQLite database, its WAL and SHM files, backups and the folder they live in are for the
registry's own user only: they hold protected identities and every wallet key."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry import backup
from registry.db import make_engine
from registry.migrate import upgrade_database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common default, under which files would otherwise be made world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_database_its_wal_and_shm_and_its_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x TEXT)"))
            conn.execute(sa.text("INSERT INTO t VALUES ('secret')"))
            wal, shm = (path.with_name(path.name + s) for s in ("-wal", "-shm"))
            assert wal.exists() and shm.exists()
            assert (mode(wal), mode(shm)) == (0o600, 0o600)
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
    finally:
        engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    path = folder / "registry.db"
    path.touch()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600
    assert mode(folder) == 0o755  # a folder it did not create is the operator's to choose


def test_a_backup_and_a_restored_database_are_private(tmp_path: Path) -> None:
    live = tmp_path / "live" / "registry.db"
    url = f"sqlite:///{live}"
    upgrade_database(url)
    copy = backup.backup(url, tmp_path / "registry.backup")
    assert mode(copy) == 0o600
    live.unlink()
    for side in ("-wal", "-shm"):
        live.with_name(live.name + side).unlink(missing_ok=True)
    backup.restore(url, copy)
    assert mode(live) == 0o600

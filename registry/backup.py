"""Backing up the database to a file and restoring it: SQLite's online backup API, or pg_dump.

A backup is written beside its final name and renamed into place only when complete, so a
crash never leaves a half-written file that looks like a backup. A restore first saves the
database it is about to replace, so that an unlucky restore can itself be undone.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from registry.db import private_database_file, private_file


class BackupError(Exception):
    """The backup or restore could not be made; nothing was changed."""


def backup(database_url: str, path: Path) -> Path:
    """Writes a consistent copy of the live database to `path`, which must not exist yet."""
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new name, a backup is never replaced")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    url = make_url(database_url)
    partial = path.with_name(f".{path.name}.partial")
    try:
        # Owner only, before anything is written into it: the copy holds every wallet key.
        private_file(partial)
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(url), partial)
            # A self-contained file, with no write-ahead log beside it.
            with closing(sqlite3.connect(partial)) as db:
                db.execute("PRAGMA journal_mode=DELETE")
        elif url.get_backend_name() == "postgresql":
            _run(["pg_dump", "--format=custom", f"--file={partial}"], url)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        _fsync(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(database_url: str, path: Path) -> Path:
    """Replaces the configured database with the backup at `path`; returns where the replaced
    database was saved first."""
    url = make_url(database_url)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    saved = path.with_name(f"{path.name}.replaced-{stamp}")
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(path)
        target = _sqlite_path(url)
        if target.exists():
            backup(database_url, saved)
        private_database_file(target)
        _sqlite_copy(path, target)
    elif url.get_backend_name() == "postgresql":
        # Reads the archive's table of contents: refuses a file pg_restore cannot use.
        _run(["pg_restore", "--list", str(path)], None, quiet=True)
        backup(database_url, saved)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
            url,
        )
    else:
        raise BackupError(f"cannot restore a {url.get_backend_name()} database")
    return saved


def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(str(url.database))


def _sqlite_copy(source: Path, target: Path) -> None:
    # The backup API copies a consistent snapshot page by page while writers carry on; as the
    # destination it takes the write lock, so a restore waits for running transactions.
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    try:
        with (
            closing(sqlite3.connect(_read_only(source), uri=True, timeout=60)) as src,
            closing(sqlite3.connect(target, timeout=60)) as dst,
        ):
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source} to {target}: {exc}") from exc


def _read_only(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def _check_sqlite_backup(path: Path) -> None:
    try:
        with closing(sqlite3.connect(_read_only(path), uri=True)) as db:
            ok = db.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    if ok is None or ok[0] != "ok":
        raise BackupError(f"{path} is damaged: {ok[0] if ok else 'no answer'}")
    if not {"alembic_version", "audit_log", "credentials"} <= tables:
        raise BackupError(f"{path} is not a backup of this registry")


def libpq_url(url: URL) -> str:
    """The URL for libpq tools, without the password (that goes through the environment, so it
    never shows in the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL | None, *, quiet: bool = False) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)")
    env = dict(os.environ)
    args = [program, *command[1:]]
    if url is not None:
        args.insert(1, f"--dbname={libpq_url(url)}")
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    if not quiet and done.stderr.strip():
        print(done.stderr.strip())


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())

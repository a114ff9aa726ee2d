"""What every command shares: its errors, the settings, the database and the admin's transaction."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2."""


def current_settings() -> Any:
    from registry.settings import get_settings

    return get_settings()


def program_zone() -> Any:
    """The program's time zone (REGISTRY_TIME_ZONE), in which every command tells a time."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_settings().time_zone)


def when(moment: Any) -> str:
    """A moment as the pages tell it ("December 7, 2026 at 16:45 MST"); "never" for none."""
    from registry.dates import long_datetime

    return long_datetime(moment, program_zone()) if moment else "never"


def open_database() -> Any:
    """The configured database's engine, for commands that read or change records.

    A SQLite file that does not exist is refused in one line (exit 2): opening it would make an
    empty database in its place and fail later with a missing table. `db upgrade` (and
    `scripts/serve`, which runs it) makes it; `restore` writes it from a backup."""
    from sqlalchemy.engine import make_url

    from registry.db import make_engine

    url = current_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database))
        if not path.is_file():
            configured = "REGISTRY_DATABASE_URL" in os.environ
            raise UsageError(
                f"no database at {path}"
                + ("" if configured else " (REGISTRY_DATABASE_URL is not set)")
                + ": run `registry db upgrade` (or scripts/serve) to create it"
            )
    return make_engine(url)


PASSWORD_RULE = "12 characters or more; spaces count"  # noqa: S105 - a rule, not a password


def read_password() -> str:
    """The password from standard input: one line from a pipe, or, at a terminal, asked for
    twice without echo, with the rule said first."""
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Console password ({PASSWORD_RULE}): ")
        if password != getpass.getpass("The same password again: "):
            raise UsageError("the two passwords differ; nothing was changed")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError("no password on standard input")
    return password


def as_admin(work: Any) -> Any:
    """Runs `work(session)` in one transaction as the command line (an admin)."""
    from sqlalchemy.exc import OperationalError

    from registry.db import unit_of_work
    from registry.errors import RegistryError

    engine = open_database()
    try:
        with unit_of_work(engine) as session:
            return work(session)
    except RegistryError as exc:
        raise UsageError(exc.detail) from exc
    except OperationalError as exc:
        # Unreachable, or not migrated ("no such table"): the driver's first line says which.
        reason = str(exc.orig or exc).strip().splitlines()
        raise UsageError(f"cannot use the database: {reason[0] if reason else exc}") from exc
    finally:
        engine.dispose()


PROGRESS_FROM_ROWS = 200  # smaller files finish before a bar would say anything


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc

"""Database engine, sessions and the one-transaction-per-unit-of-work helper."""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

READ_ONLY = {"sqlite_begin": "DEFERRED"}
SQLITE_CONNECT = {"check_same_thread": False, "timeout": 30}


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, pool_timeout: float = 30.0
) -> Engine:
    """An engine for SQLite (embedded default) or PostgreSQL (production); `pool_size` 0 for
    one that keeps no connection open between uses. When `pool_size + max_overflow`
    connections are busy, a request waits up to `pool_timeout` seconds for one (then
    sqlalchemy's TimeoutError: a 503)."""
    pooled = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_database_file(Path(parsed.database))
        memory = parsed.database in (None, "", ":memory:")
        if memory or pool_size == 0:
            engine = create_engine(url, connect_args=SQLITE_CONNECT, poolclass=NullPool)
        else:
            engine = create_engine(url, connect_args=SQLITE_CONNECT, **pooled)
        _tune_sqlite(engine)
        return engine
    if pool_size == 0:
        return create_engine(url, poolclass=NullPool)
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800, **pooled)


def private_folder(path: Path) -> None:
    """Makes the folder (and its parents) if missing; one this creates is for its owner only."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode passes through the umask; chmod does not


def private_file(path: Path) -> None:
    """Creates the file empty for its owner only (0600), or takes an existing one back to 0600.

    The database, its backups and the outbox hold protected identities and every wallet key.
    SQLite creates the -wal and -shm files with the database file's own mode."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    # The creation mode passes through the umask; an older file may have been made 0644.
    with suppress(OSError):
        path.chmod(0o600)


def private_database_file(path: Path) -> None:
    private_folder(path.parent)
    private_file(path)
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        with suppress(OSError):
            if side.exists():
                side.chmod(0o600)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN until the first write, which lets two
        # read-then-write transactions deadlock; we emit BEGIN ourselves instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # SQLite's lower() folds ASCII only; names like Émile must match case-insensitively.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front (IMMEDIATE) so they queue instead of failing with
        # SQLITE_BUSY mid-transaction; read-only sessions ask for DEFERRED and run alongside.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


# ---- telling in-process caches about committed changes ------------------------------------

_CHANGED = "registry_changed"
# A read-only transaction that wrote a cache, to commit (keep_cache_writes).
_CACHE_WRITES = "registry_cache_writes"
# The PostgreSQL channel every commit that marked a change notifies: the other workers' live
# status (registry.verification.live) LISTENs on it.
CHANGES_CHANNEL = "registry_changes"
_listeners: dict[str, list[weakref.WeakMethod[Callable[[set[Any]], None]]]] = {}
_listeners_lock = threading.Lock()


def mark_changed(session: Session, topic: str, item: Any) -> None:
    """Notes that this transaction changed `item`: listeners in this process hear of it once it
    commits, other processes through the database (see registry.verification.live)."""
    session.info.setdefault(_CHANGED, {}).setdefault(topic, set()).add(item)


def on_commit(topic: str, method: Callable[[set[Any]], None]) -> None:
    """Calls a bound method with the changed items after each commit; held weakly, so that an
    app that is thrown away (tests build many) takes its caches with it."""
    with _listeners_lock:
        _listeners.setdefault(topic, []).append(weakref.WeakMethod(method))


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    changed: dict[str, set[Any]] = session.info.get(_CHANGED, {})
    if changed and session.get_bind().dialect.name == "postgresql":
        # Delivered to the listeners when (and only if) this transaction commits.
        session.execute(
            text("SELECT pg_notify(:channel, :topics)"),
            {"channel": CHANGES_CHANNEL, "topics": ",".join(sorted(changed))},
        )


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    session.info.pop(_CACHE_WRITES, None)
    changed: dict[str, set[Any]] = session.info.pop(_CHANGED, {})
    for topic, items in changed.items():
        with _listeners_lock:
            refs = list(_listeners.get(topic, []))
            _listeners[topic] = [r for r in refs if r() is not None]
        for ref in refs:
            method = ref()
            if method is not None:
                method(items)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_CACHE_WRITES, None)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def keep_cache_writes(session: Session) -> None:
    """Notes that this transaction wrote a cache (coverage's agency tallies) that a read-only
    transaction commits instead of rolling back (end_read)."""
    session.info[_CACHE_WRITES] = True


def end_read(session: Session) -> None:
    """Ends a read-only transaction: rolled back, or committed when it wrote a cache. A commit
    that fails loses only the cache's rows (counted again next time), not the answer."""
    if not session.info.pop(_CACHE_WRITES, False):
        session.rollback()
        return
    try:
        session.commit()
    except Exception:
        log.warning("cache rows not committed; counted again next time", exc_info=True)
        session.rollback()


def new_session(engine: Engine, *, read_only: bool = False) -> Session:
    bind = engine.execution_options(**READ_ONLY) if read_only else engine
    return Session(bind=bind, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    session = new_session(engine, read_only=read_only)
    try:
        yield session
        if read_only:
            end_read(session)
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

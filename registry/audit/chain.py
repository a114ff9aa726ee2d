"""The audit trail's hash chain: how an entry is hashed, appended under a lock, and verified.

Each entry's `hash` is SHA-256 over a canonical JSON form of its own fields and `prev_hash`, the
hash of the entry before it, so changing, deleting or reordering a stored row breaks the chain
from that row on. The format below is frozen: entries written decades ago must keep verifying.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

GENESIS = "0" * 64
# Any constant works as long as nothing else in the database takes this advisory lock.
PG_LOCK_KEY = 0x41554449545F4C47  # "AUDIT_LG"
HASHED_FIELDS = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after")


def canonical(entry: dict[str, Any], prev_hash: str) -> bytes:
    """Sorted-key compact JSON, UTF-8, of an entry's hashed fields and the previous hash."""
    at: datetime = entry["at"]
    if at.tzinfo is None:
        raise ValueError("audit timestamps are UTC and must carry their zone")
    body = {name: entry[name] for name in HASHED_FIELDS}
    body["at"] = at.astimezone(UTC).isoformat()
    body["prev_hash"] = prev_hash
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(entry: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical(entry, prev_hash)).hexdigest()


def lock_and_read_head(connection: Connection, table: sa.Table) -> tuple[int, str]:
    """The last entry's (id, hash), after taking the lock that serialises appends.

    PostgreSQL: a transaction-scoped advisory lock, held until commit, so no other writer reads
    the same head; at READ COMMITTED (the default) the read after the lock sees the previous
    holder's committed entry. SQLite: the writer opened the transaction with BEGIN IMMEDIATE
    (registry.db), which already excludes every other writer.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK_KEY)))
    row = connection.execute(
        sa.select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return 0, GENESIS
    return int(row.id), str(row.hash) if row.hash is not None else GENESIS


@dataclass(frozen=True)
class Break:
    """The first entry at which the stored chain stops matching its contents."""

    id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def check(rows: Iterable[dict[str, Any]]) -> ChainReport:
    """Walks entries in id order, recomputing every hash; stops at the first break."""
    expected_prev = GENESIS
    previous_id: int | None = None
    count = 0
    for row in rows:
        count += 1
        after = f"entry {previous_id}" if previous_id is not None else "the start of the trail"
        if row["hash"] is None or row["prev_hash"] is None:
            return ChainReport(count, expected_prev, Break(row["id"], "it has no hash"))
        if row["prev_hash"] != expected_prev:
            return ChainReport(
                count,
                expected_prev,
                Break(
                    row["id"],
                    f"its prev_hash {row['prev_hash'][:16]}… does not match the hash of {after} "
                    f"({expected_prev[:16]}…): an entry before it was deleted, inserted or "
                    "reordered",
                ),
            )
        actual = entry_hash(row, row["prev_hash"])
        if actual != row["hash"]:
            return ChainReport(
                count,
                expected_prev,
                Break(
                    row["id"],
                    f"its contents hash to {actual[:16]}…, not the stored {row['hash'][:16]}…: "
                    "the entry was changed after it was written",
                ),
            )
        expected_prev = row["hash"]
        previous_id = row["id"]
    return ChainReport(count, expected_prev, None)


def stored_rows(connection: Connection, table: sa.Table) -> Generator[dict[str, Any], None, None]:
    """Every entry in id order, streamed: the trail grows for decades."""
    result = connection.execution_options(yield_per=1000).execute(
        sa.select(table).order_by(table.c.id)
    )
    try:
        for row in result:
            yield dict(row._mapping)
    finally:
        result.close()  # also when the walk stops early, at a break


def audit_table() -> sa.Table:
    from registry.tables.audit import AuditEntry

    return AuditEntry.metadata.tables["audit_log"]


def verify_chain(connection: Connection) -> ChainReport:
    with closing(stored_rows(connection, audit_table())) as rows:
        return check(rows)

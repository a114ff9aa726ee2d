"""Writes audit entries; every service that changes a record calls `record`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from registry.audit.chain import audit_table, entry_hash, lock_and_read_head
from registry.common import utcnow

_HEAD = "registry.audit.head"
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "wallet_key", "token"})


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's columns, without secrets."""
    if row is None:
        return None
    return {
        key: _jsonable(value) for key, value in row.model_dump().items() if key not in SECRET_FIELDS
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Appends one entry to the hash chain, inside the caller's transaction."""
    record_many(
        session,
        [
            {
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "before": before,
                "after": after,
            }
        ],
    )


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Appends entries (actor, action, entity, entity_id, before, after) in order, in one insert.

    The id is part of the hash, so it must be known before the row exists, and UPDATE is
    forbidden on this table: under the append lock the next id is the last one plus one, and the
    rows are inserted whole, with their explicit ids and hashes, at once. That also keeps ids
    gapless from here on, and a savepoint rolled back takes its entries with it.
    """
    if not entries:
        return
    table = audit_table()
    connection = session.connection()
    # The head just written in this same (sub)transaction saves a query per call in bulk
    # changes. Keyed by the innermost transaction object, held here so it is never reused: a
    # savepoint opened, rolled back or released since makes the key differ and the head is read.
    current = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_HEAD)
    if cached is not None and cached[0] is current:
        last_id, prev_hash = cached[1], cached[2]
    else:
        last_id, prev_hash = lock_and_read_head(connection, table)
    now = utcnow()
    rows = []
    for given in entries:
        last_id += 1
        entry: dict[str, Any] = {
            "id": last_id,
            "at": now,
            "actor": given["actor"],
            "action": given["action"],
            "entity": given["entity"],
            "entity_id": str(given["entity_id"]),
            "before": _jsonable(given.get("before")),
            "after": _jsonable(given.get("after")),
        }
        entry["prev_hash"] = prev_hash
        entry["hash"] = prev_hash = entry_hash(entry, prev_hash)
        rows.append(entry)
    # The executemany form: one compiled statement, cached, whatever the values.
    connection.execute(sa.insert(table), rows)
    session.info[_HEAD] = (current, last_id, prev_hash)

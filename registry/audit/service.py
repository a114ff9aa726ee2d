"""Writes audit entries (every service that changes a record calls `record`) and says who may
read which of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import String, cast, or_
from sqlmodel import Session, SQLModel, col, select

from registry.audit.chain import audit_table, entry_hash, lock_and_read_head
from registry.common import utcnow
from registry.tables.audit import AuditEntry
from registry.tables.credentials import Credential
from registry.tables.people import Agency, Employment, Officer
from registry.tables.training import CERecord, TrainingClass

if TYPE_CHECKING:  # accounts.service records audit entries itself: import for types only
    from registry.actors import Actor

_HEAD = "registry.audit.head"
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "wallet_key", "token"})
# Columns derived from others on the same row (the officer search's folded text): no news.
DERIVED_FIELDS = frozenset({"search_text"})


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's columns, without secrets or what is derived from them."""
    if row is None:
        return None
    left_out = SECRET_FIELDS | DERIVED_FIELDS
    return {key: _jsonable(value) for key, value in row.model_dump().items() if key not in left_out}


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
    actor: Actor | str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Appends one entry to the hash chain, inside the caller's transaction; `actor` is the one
    who acted or, for a wallet app or an unknown user, the name it is recorded under."""
    name = actor if isinstance(actor, str) else actor.username
    entry = {"actor": name, "action": action, "entity": entity, "entity_id": entity_id}
    record_many(session, [{**entry, "before": before, "after": after}])


def saved(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    row: Any,
    before: dict[str, Any] | None = None,
) -> None:
    """Writes a new or changed row and records it, with its columns as they are now."""
    session.add(row)
    session.flush()
    record(session, actor, action, entity, row.id, before, snapshot(row))


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


# ---- reading ------------------------------------------------------------------------------

PAGE = 100


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _region_entities(session: Session, region_id: uuid.UUID | None) -> list[str]:
    """The ids (as audit entries name them) of what a region owns: its agencies, its classes,
    the officers serving there now, their CE records, and the credentials issued in its classes
    or held by its officers."""
    officers = list(
        session.exec(
            select(Employment.officer_id)
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(col(Employment.end_date).is_(None), Agency.region_id == region_id)
        )
    )
    classes = list(
        session.exec(select(TrainingClass.id).where(TrainingClass.region_id == region_id))
    )
    agencies = list(session.exec(select(Agency.id).where(Agency.region_id == region_id)))
    ce: list[uuid.UUID] = []
    credentials: list[str] = []
    if officers:
        ce = list(session.exec(select(CERecord.id).where(col(CERecord.officer_id).in_(officers))))
    if officers or classes:
        credentials = list(
            session.exec(
                select(Credential.id).where(
                    or_(
                        col(Credential.class_id).in_(classes),
                        col(Credential.officer_id).in_(officers),
                    )
                )
            )
        )
    return [str(i) for i in (*officers, *classes, *agencies, *ce)] + credentials


def visible_entries(
    session: Session,
    actor: Actor,
    *,
    officer: str = "",
    klass: str = "",
    user: str = "",
    before: int | None = None,
    limit: int = PAGE,
) -> list[AuditEntry]:
    """The newest entries the actor may read, filtered, newest first.

    The administrator reads everything. Anyone else reads what touches their region (its
    agencies, classes, the officers serving there now and those officers' CE records and
    credentials), whoever did it, and everything they did themselves. `officer` is a POST id or
    an officer's id: entries about that officer, or naming them (an enrollment, say).
    """
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    if officer:
        found = session.exec(select(Officer).where(Officer.post_id == officer.upper())).first()
        oid = str(found.id) if found else str(_as_uuid(officer) or officer)
        query = query.where(
            or_(col(AuditEntry.entity_id) == oid, cast(AuditEntry.after, String).contains(oid))
        )
    if klass:
        query = query.where(AuditEntry.entity_id == klass)
    if user:
        query = query.where(AuditEntry.actor == user)
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    if not actor.is_admin:
        mine = _region_entities(session, actor.region_id)
        query = query.where(
            or_(col(AuditEntry.entity_id).in_(mine), col(AuditEntry.actor) == actor.username)
        )
    return list(session.exec(query.limit(limit)))

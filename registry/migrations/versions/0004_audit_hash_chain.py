"""Chains the audit trail: prev_hash and hash on every entry, existing entries hashed in id order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Stop the servers while this runs: an entry written by older code during or after it has no hash
and `registry audit verify` reports it as a break.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 1000

# A frozen copy of registry.audit.chain as it was when this migration was written: a migration
# must do the same thing whenever it runs, whatever the live code has become since.
GENESIS = "0" * 64
PG_LOCK_KEY = 0x41554449545F4C47  # "AUDIT_LG"
HASHED_FIELDS = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after")


def entry_hash(entry: dict[str, Any], prev_hash: str) -> str:
    at: datetime = entry["at"]
    if at.tzinfo is None:
        raise ValueError("audit timestamps are UTC and must carry their zone")
    body = {name: entry[name] for name in HASHED_FIELDS}
    body["at"] = at.astimezone(UTC).isoformat()
    body["prev_hash"] = prev_hash
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


# The append-only triggers of 0001. The backfill must UPDATE existing rows once, and on SQLite a
# batch table rebuild would drop the triggers, so they are lifted and put back around the change.
PG_TRIGGER = (
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
)
SQLITE_TRIGGERS = {
    event: f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for event in ("UPDATE", "DELETE")
}

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", registry.common.UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _lift_triggers() -> None:
    if _postgresql():
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
    else:
        for event in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event.lower()}")


def _restore_triggers() -> None:
    if _postgresql():
        op.execute(PG_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def _hash_existing_rows() -> None:
    bind = op.get_bind()
    if _postgresql():
        # The same lock record() takes, in case a writer is running regardless.
        bind.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
    prev = GENESIS
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(audit_log)
            .where(audit_log.c.id > last_id)
            .order_by(audit_log.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates: list[dict[str, Any]] = []
        for row in rows:
            entry = dict(row._mapping)
            digest = entry_hash(entry, prev)
            updates.append({"row_id": entry["id"], "prev_hash": prev, "hash": digest})
            prev = digest
            last_id = entry["id"]
        bind.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev_hash"), hash=sa.bindparam("hash")),
            updates,
        )


def upgrade() -> None:
    _lift_triggers()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _hash_existing_rows()
    _restore_triggers()


def downgrade() -> None:
    _lift_triggers()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    _restore_triggers()

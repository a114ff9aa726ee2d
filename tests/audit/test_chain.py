"""The audit trail's hash chain: intact after normal work, broken at the first tampered entry
when rows are changed behind the application's back, and unbroken under concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from registry.actors import SYSTEM
from registry.audit.chain import GENESIS, audit_table, entry_hash, stored_rows, verify_chain
from registry.audit.service import record
from registry.db import make_engine, unit_of_work
from registry.migrate import alembic_config
from tests.conftest import Region, graduate
from tests.live import cli_env, run_registry


def audit_verify(url: str) -> tuple[int, str]:
    done = run_registry("audit", "verify", env=cli_env(REGISTRY_DATABASE_URL=url))
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout


def audit_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one())


@pytest.fixture
def scratch_engine(scratch_database_url: str) -> Iterator[sa.Engine]:
    e = make_engine(scratch_database_url)
    yield e
    e.dispose()


def write_entries(engine: sa.Engine, count: int) -> None:
    for i in range(count):
        with unit_of_work(engine) as session:
            record(
                session,
                actor=SYSTEM.username,
                action="test.write",
                entity="test",
                entity_id=i,
                before={"n": i - 1} if i else None,
                after={"n": i, "name": "Émile Ñúñez", "hours": 6.0},
            )


def drop_append_only_triggers(engine: sa.Engine) -> None:
    """What someone with database access, not the application, could do."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER audit_log_no_change ON audit_log"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))


def test_normal_work_leaves_an_intact_chain(
    region: Region, course: dict[str, Any], database_url: str, engine: sa.Engine
) -> None:
    klass = region.klass()
    officer = region.officer()
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    code, out = audit_verify(database_url)
    assert code == 0, out
    assert out.splitlines()[0] == f"audit trail intact: {audit_count(engine)} entries"
    with engine.connect() as conn:
        first = conn.execute(
            sa.text("SELECT prev_hash FROM audit_log ORDER BY id LIMIT 1")
        ).scalar_one()
    assert first == GENESIS


TAMPERING = {
    "after edited": (["UPDATE audit_log SET after = '{\"n\": 99}' WHERE id = 3"], 3, "changed"),
    "actor edited": (["UPDATE audit_log SET actor = 'mallory' WHERE id = 4"], 4, "changed"),
    "row deleted": (["DELETE FROM audit_log WHERE id = 3"], 4, "deleted"),
    "rows swapped": (
        [
            "UPDATE audit_log SET id = -2 WHERE id = 2",
            "UPDATE audit_log SET id = 2 WHERE id = 5",
            "UPDATE audit_log SET id = 5 WHERE id = -2",
        ],
        2,
        "prev_hash",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_behind_the_applications_back_names_the_first_broken_entry(
    case: str, scratch_database_url: str, scratch_engine: sa.Engine
) -> None:
    write_entries(scratch_engine, 6)
    code, out = audit_verify(scratch_database_url)
    assert (code, out.splitlines()[0]) == (
        0,
        f"audit trail intact: {audit_count(scratch_engine)} entries",
    )
    statements, broken_id, problem = TAMPERING[case]
    drop_append_only_triggers(scratch_engine)
    with scratch_engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    code, out = audit_verify(scratch_database_url)
    assert code == 1, out
    assert out.startswith(f"audit trail BROKEN at entry {broken_id}:"), out
    assert problem in out


def test_an_edited_entry_whose_hash_was_recomputed_breaks_the_next_link(
    scratch_database_url: str, scratch_engine: sa.Engine
) -> None:
    write_entries(scratch_engine, 5)
    drop_append_only_triggers(scratch_engine)
    with scratch_engine.connect() as conn:
        forged = next(r for r in list(stored_rows(conn, audit_table())) if r["id"] == 3)
    assert forged["actor"] != "mallory"
    forged["actor"] = "mallory"
    with scratch_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE id = 3"),
            {"h": entry_hash(forged, forged["prev_hash"])},
        )
    code, out = audit_verify(scratch_database_url)
    assert code == 1
    assert out.startswith("audit trail BROKEN at entry 4:"), out
    assert "prev_hash" in out


def test_concurrent_writers_still_make_one_unbroken_chain(engine: sa.Engine) -> None:
    threads_count, transactions, per_transaction = 6, 3, 4
    before = audit_count(engine)
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for t in range(transactions):
                with unit_of_work(engine) as session:
                    for n in range(per_transaction):
                        record(
                            session,
                            actor=SYSTEM.username,
                            action="test.concurrent",
                            entity="test",
                            entity_id=f"{worker}-{t}-{n}",
                            after={"worker": worker},
                        )
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert audit_count(engine) == before + threads_count * transactions * per_transaction
    with engine.connect() as conn:
        report = verify_chain(conn)
    assert report.broken is None, report.broken
    assert report.entries == audit_count(engine)


def test_migration_0004_chains_the_entries_of_an_existing_database(
    scratch_database_url: str, scratch_engine: sa.Engine
) -> None:
    config = alembic_config(scratch_database_url)
    command.downgrade(config, "0003")
    with scratch_engine.begin() as conn:
        for i in range(30):
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                    "VALUES (:at, 'old', 'legacy.write', 'test', :eid, NULL, :after)"
                ),
                {"at": "2020-01-02 03:04:05", "eid": str(i), "after": f'{{"n": {i}}}'},
            )
    command.upgrade(config, "head")
    code, out = audit_verify(scratch_database_url)
    assert (code, out.splitlines()[0]) == (
        0,
        f"audit trail intact: {audit_count(scratch_engine)} entries",
    )
    write_entries(scratch_engine, 3)  # new entries chain on from the migrated ones
    code, out = audit_verify(scratch_database_url)
    assert code == 0, out
    with pytest.raises(sa.exc.DBAPIError), scratch_engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET actor = 'mallory' WHERE id = 1"))

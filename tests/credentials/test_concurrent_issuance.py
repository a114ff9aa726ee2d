"""Status indexes stay unique when several transactions issue at the same time."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from registry.actors import SYSTEM
from registry.credentials import status
from registry.credentials.service import certify
from registry.db import make_engine, unit_of_work
from registry.tables.credentials import Credential
from tests.conftest import Region, full_attendance, program_zone


def _ready_class(region: Region, course: dict[str, Any], size: int) -> str:
    klass = region.klass(capacity=size)
    officers = [region.officer()["id"] for _ in range(size)]
    for officer_id in officers:
        r = region.coordinator.post(
            f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer_id}
        )
        assert r.status_code == 201, r.text
    records = [rec for o in officers for rec in full_attendance(course, o)]
    assert (
        region.instructor.post(
            f"/api/v1/classes/{klass['id']}/attendance", {"records": records}
        ).status_code
        == 200
    )
    results = [
        {"officer_id": o, "written_exam": "pass", "scenario_evaluation": "pass"} for o in officers
    ]
    assert (
        region.instructor.post(
            f"/api/v1/classes/{klass['id']}/results", {"records": results}
        ).status_code
        == 200
    )
    return str(klass["id"])


def test_classes_certified_at_once_get_distinct_status_indexes(
    region_factory: Any, course: dict[str, Any], engine: sa.Engine, app: Any
) -> None:
    classes = [_ready_class(region_factory(), course, 15) for _ in range(4)]
    issuer = app.state.resources.issuer
    barrier = threading.Barrier(len(classes))
    errors: list[BaseException] = []

    def run(class_id: str) -> None:
        try:
            barrier.wait()
            with unit_of_work(engine) as session:
                result = certify(session, SYSTEM, issuer, uuid.UUID(class_id), None, program_zone())
                assert len(result.issued) == 15
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in classes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with unit_of_work(engine, read_only=True) as session:
        rows = session.exec(
            select(Credential.status_list, Credential.status_index).where(
                Credential.class_id.in_([uuid.UUID(c) for c in classes])  # type: ignore[attr-defined]
            )
        ).all()
        assert len(rows) == 60
        assert len(set(rows)) == 60
        every = session.exec(select(Credential.status_list, Credential.status_index)).all()
        assert len(every) == len(set(every))


def test_racing_allocations_fill_a_list_exactly_then_open_the_next(
    scratch_database_url: str, monkeypatch: Any
) -> None:
    """With an 64-entry list and four writers taking 16 each, collisions are certain: every
    one must be retried, never duplicated, and the 65th index lands in list 2."""
    monkeypatch.setattr(status, "LIST_SIZE", 64)
    engine = make_engine(scratch_database_url)
    barrier = threading.Barrier(4)
    taken: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            with unit_of_work(engine) as session:
                got = status.allocate(session, 16)
            with lock:
                taken.extend(got)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(taken) == [(1, i) for i in range(64)]
    with unit_of_work(engine) as session:
        assert status.allocate(session, 1)[0][0] == 2
    engine.dispose()

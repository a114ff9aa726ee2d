"""Live status as one mechanism (registry.verification.live): what a worker holds in memory follows
every change committed anywhere, and a database outage serves the last signed lists.

"Another worker" here is a change committed past this process's commit hooks, as another
process's is: through SQLAlchemy Core, with the NOTIFY such a commit carries on PostgreSQL. The
real thing (two server processes on one database) is tests/resilience/test_two_servers.py. The
waits below guard against hanging; they assert no timing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, cast

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text, update
from sqlmodel import Session, col

from registry.app import create_app
from registry.audit.service import record
from registry.db import CHANGES_CHANNEL, make_engine
from registry.settings import Settings
from registry.tables.credentials import Credential, CredentialStatus, StatusList
from registry.tables.people import Officer
from registry.vc.jws import payload_of
from tests.conftest import PUBLIC_URL, Region
from tests.verification.test_verify_api import issue

GUARD_SECONDS = 20


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def notify(conn: sa.Connection, topics: str) -> None:
    """What registry.db adds to a commit that changed status or an officer, on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:c, :t)"), {"c": CHANGES_CHANNEL, "t": topics})


def revoke_elsewhere(engine: sa.Engine, credential_id: str, *, notified: bool = True) -> None:
    """A revocation committed by another worker: the bit and the list's revision (and, unless
    `notified` is False, the NOTIFY its commit carries on PostgreSQL)."""
    with engine.begin() as conn:
        list_n = conn.execute(
            sa.select(cast(Any, Credential.status_list)).where(
                cast(Any, Credential.id) == credential_id
            )
        ).scalar_one()
        conn.execute(
            update(Credential)
            .where(col(Credential.id) == credential_id)
            .values(status=CredentialStatus.REVOKED)
        )
        conn.execute(
            update(StatusList)
            .where(col(StatusList.n) == list_n)
            .values(revision=StatusList.revision + 1)
        )
        if notified:
            notify(conn, "status_lists")


def verdict_of(client: TestClient[Litestar], token: str) -> dict[str, Any]:
    answer = client.post("/api/v1/verify", json={"token": token})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def page_json(client: TestClient[Litestar], credential_id: str) -> dict[str, Any]:
    answer = client.get(f"/c/{credential_id}", headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_change_committed_in_this_worker_is_answered_at_once(
    client: TestClient[Litestar], region: Region, course: dict[str, Any]
) -> None:
    item = issue(region, course)
    token, path = item["token"], f"/api/v1/credentials/{item['credential_id']}"
    coordinator = region.coordinator
    assert verdict_of(client, token)["verdict"] == "valid"
    for action, expected in (("suspend", "suspended"), ("reinstate", "valid")):
        assert coordinator.post(f"{path}/{action}", {"reason": "live"}).status_code == 200
        # No wait: the commit itself updated this worker's lists.
        assert verdict_of(client, token)["verdict"] == expected
        assert page_json(client, item["credential_id"])["verdict"] == expected


def test_a_revocation_committed_by_another_worker_reaches_this_one(
    client: TestClient[Litestar], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    item = issue(region, course)
    assert verdict_of(client, item["token"])["verdict"] == "valid"
    assert page_json(client, item["credential_id"])["verdict"] == "valid"
    revoke_elsewhere(engine, item["credential_id"])
    eventually(
        lambda: verdict_of(client, item["token"])["verdict"] == "revoked",
        "the verify API never saw the other worker's revocation",
    )
    assert page_json(client, item["credential_id"])["verdict"] == "revoked"


def test_a_change_whose_notification_never_arrives_is_still_seen(
    client: TestClient[Litestar], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    """A pooler between the worker and PostgreSQL may drop LISTEN: the watcher reads the
    revisions every few seconds regardless. (SQLite has no notification to lose.)"""
    item = issue(region, course)
    assert verdict_of(client, item["token"])["verdict"] == "valid"
    revoke_elsewhere(engine, item["credential_id"], notified=False)
    eventually(
        lambda: verdict_of(client, item["token"])["verdict"] == "revoked",
        "a revocation without its NOTIFY was never seen",
    )


def test_a_holder_protected_by_another_worker_is_withheld_here(
    client: TestClient[Litestar], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    item = issue(region, course)
    officer = item["officer"]
    assert page_json(client, item["credential_id"])["credential"]["holder"]["name"]
    with Session(engine) as session, session.begin():
        # As people.service does, but without telling this process's commit hook.
        row = session.get(Officer, uuid.UUID(officer["id"]))
        assert row is not None
        row.protected = True
        session.add(row)
        record(
            session,
            actor="elsewhere",
            action="officer.update",
            entity="officer",
            entity_id=officer["id"],
            before={"protected": False},
            after={"protected": True},
        )
        notify(session.connection(), "officers")
    eventually(
        lambda: page_json(client, item["credential_id"])["credential"]["holder"]["name"] is None,
        "the public page kept naming a holder protected by another worker",
    )
    answer = verdict_of(client, item["token"])
    assert answer["verdict"] == "valid" and answer["credential"]["holder"]["name"] is None


@pytest.fixture
def outage_client(settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(replace(settings)), base_url=PUBLIC_URL) as c:
        yield c


def test_a_database_outage_serves_the_last_signed_lists_and_says_so(
    outage_client: TestClient[Litestar], region: Region, course: dict[str, Any]
) -> None:
    client = outage_client
    item = issue(region, course)
    assert verdict_of(client, item["token"])["verdict"] == "valid"
    assert page_json(client, item["credential_id"])["verdict"] == "valid"
    assert client.get("/health").json() == {"status": "ok"}

    state = client.app.state.resources
    working = state.engine
    # The database goes away: nothing listens where the registry connects now.
    gone = make_engine("postgresql+psycopg://registry@127.0.0.1:1/gone?connect_timeout=2")
    state.live.stop()
    for holder in (state, state.live, state.verifier, state.verifier.stored):
        holder.engine = gone
    state.live.start()
    try:
        eventually(
            lambda: client.get("/health").json().get("status_lists") == "last signed",
            "/health never said the status lists are the last signed ones",
        )
        health = client.get("/health")
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "unavailable"
        assert body["status_confirmed_at"].endswith("Z")
        # A load balancer takes this worker out: it cannot reach its records.
        ready = client.get("/health/ready")
        assert (ready.status_code, ready.json()["missing"]) == (503, ["database"])
        # Still answered, from the lists signed before the outage.
        answer = verdict_of(client, item["token"])
        assert answer["verdict"] == "valid", answer
        assert check_named(answer, "status")["ok"]
        assert page_json(client, item["credential_id"])["verdict"] == "valid"
        # The list itself, as signed before, for verifiers elsewhere.
        entry = payload_of(item["token"])["credentialStatus"]
        url = (entry[0] if isinstance(entry, list) else entry)["statusListCredential"]
        assert client.get(url.removeprefix(PUBLIC_URL)).status_code == 200
    finally:
        state.live.stop()
        for holder in (state, state.live, state.verifier, state.verifier.stored):
            holder.engine = working
        gone.dispose()
        state.live.start()
    eventually(
        lambda: client.get("/health").json() == {"status": "ok"},
        "/health did not recover with the database",
    )
    assert client.get("/health/ready").json() == {"status": "ready"}


def check_named(answer: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in answer["checks"] if c["name"] == name)
    return found

"""The audit trail: every change leaves a row naming who did what; no secrets; append-only."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.accounts.service import create_user, issue_token
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.tables.accounts import ApiToken, User
from registry.tables.audit import AuditEntry
from registry.tables.people import Officer
from tests.conftest import Api, Region, graduate, unique


def username_of(engine: sa.Engine, api: Api) -> str:
    assert api.token is not None
    digest = hashlib.sha256(api.token.encode()).hexdigest()
    with Session(engine) as session:
        user = session.exec(
            select(User)
            .join(ApiToken, col(ApiToken.user_id) == User.id)
            .where(ApiToken.token_hash == digest)
        ).one()
    return user.username


def entries(engine: sa.Engine, entity_id: str, action: str | None = None) -> list[AuditEntry]:
    with Session(engine) as session:
        query = select(AuditEntry).where(AuditEntry.entity_id == entity_id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(session.exec(query.order_by(col(AuditEntry.id))))


def one(engine: sa.Engine, entity_id: str, action: str) -> AuditEntry:
    found = entries(engine, entity_id, action)
    assert len(found) == 1, [(e.action, e.after) for e in entries(engine, entity_id)]
    return found[0]


def all_audit_text(engine: sa.Engine) -> str:
    with Session(engine) as session:
        rows = session.exec(select(AuditEntry)).all()
    return "\n".join(json.dumps([r.actor, r.before, r.after], ensure_ascii=False) for r in rows)


def test_region_and_agency_creation_are_audited(
    admin: Api, region: Region, engine: sa.Engine
) -> None:
    row = one(engine, region.id, "region.create")
    assert row.actor == username_of(engine, admin)
    assert row.entity == "region"
    assert row.before is None
    assert row.after is not None
    assert row.after["code"] == region.code
    assert row.at is not None
    agency = one(engine, region.agency_id, "agency.create")
    assert agency.actor == username_of(engine, region.coordinator)
    assert agency.after is not None
    assert agency.after["name"] == f"Police {region.code}"


def test_officer_create_update_and_transfer_are_audited(
    region: Region, region_factory: Any, engine: sa.Engine
) -> None:
    coordinator = username_of(engine, region.coordinator)
    officer = region.officer(first_name="Before")
    created = one(engine, officer["id"], "officer.create")
    assert created.actor == coordinator
    assert created.after is not None
    assert created.after["post_id"] == officer["post_id"]
    assert created.after["agency_id"] == region.agency_id

    r = region.coordinator.patch(
        f"/api/v1/officers/{officer['id']}", {"first_name": "After", "protected": True}
    )
    assert r.status_code == 200, r.text
    updated = one(engine, officer["id"], "officer.update")
    assert updated.actor == coordinator
    assert updated.before is not None and updated.after is not None
    assert (updated.before["first_name"], updated.after["first_name"]) == ("Before", "After")
    assert (updated.before["protected"], updated.after["protected"]) == (False, True)

    hiring = region_factory()
    today = date.today().isoformat()
    # The officer is protected now: the administrator moves them.
    r = region.admin.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": hiring.agency_id, "effective_date": today},
    )
    assert r.status_code == 200, r.text
    moved = one(engine, officer["id"], "officer.transfer")
    assert moved.actor == username_of(engine, region.admin)
    assert moved.before is not None and moved.before["agency_id"] == region.agency_id
    assert moved.after == {"agency_id": hiring.agency_id, "start_date": today}


def test_training_changes_and_certification_are_audited(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    coordinator = username_of(engine, region.coordinator)
    instructor = username_of(engine, region.instructor)
    klass = region.klass()
    officer = region.officer()
    created = one(engine, klass["id"], "class.create")
    assert created.actor == coordinator
    assert created.after is not None and created.after["capacity"] == klass["capacity"]

    graduate(region, course, klass["id"], officer["id"])
    enrolment = one(engine, klass["id"], "enrollment.create")
    assert enrolment.actor == coordinator
    assert enrolment.after == {"officer_id": officer["id"]}
    attendance = entries(engine, klass["id"], "attendance.set")
    assert len(attendance) == len(course["modules"])
    assert {e.actor for e in attendance} == {instructor}
    assert {e.after["module"] for e in attendance if e.after} == {
        m["code"] for m in course["modules"]
    }
    assert all(e.before is None for e in attendance)
    results = one(engine, klass["id"], "results.set")
    assert results.actor == instructor
    assert results.after == {
        "officer_id": officer["id"],
        "written_exam": "pass",
        "scenario_evaluation": "pass",
        # each the first attempt (a retake would be 2: tests/training/test_retakes.py)
        "written_exam_attempt": 1,
        "scenario_evaluation_attempt": 1,
    }

    # Correcting a record keeps the old value in `before`.
    r = region.instructor.post(
        f"/api/v1/classes/{klass['id']}/results",
        {"records": [{"officer_id": officer["id"], "written_exam": "fail"}]},
    )
    assert r.status_code == 200, r.text
    corrected = entries(engine, klass["id"], "results.set")[-1]
    assert corrected.before == {"written_exam": "pass", "scenario_evaluation": "pass"}
    assert corrected.after is not None and corrected.after["written_exam"] == "fail"
    r = region.instructor.post(
        f"/api/v1/classes/{klass['id']}/results",
        {"records": [{"officer_id": officer["id"], "written_exam": "pass"}]},
    )
    assert r.status_code == 200, r.text

    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    issued = r.json()["issued"][0]
    cert = one(engine, issued["credential_id"], "credential.issue")
    assert cert.actor == coordinator
    assert cert.after is not None
    assert cert.after["officer_id"] == officer["id"]
    assert cert.after["class_id"] == klass["id"]


def test_a_refused_change_leaves_no_audit_row(region: Region, engine: sa.Engine) -> None:
    officer = region.officer()
    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"email": "broken"})
    assert r.status_code == 400
    assert entries(engine, officer["id"], "officer.update") == []


def test_secrets_never_reach_the_audit_trail(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    password = "audit-" + uuid.uuid4().hex
    with unit_of_work(engine) as session:
        user = create_user(
            session,
            SYSTEM,
            username=unique("audited"),
            role="coordinator",
            region_code=region.code,
            password=password,
        )
        token = issue_token(session, SYSTEM, user)
        user_id = str(user.id)
        password_hash = user.password_hash
    assert password_hash is not None
    officer = region.officer()
    klass = region.klass()
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    credential_token = r.json()["issued"][0]["token"]
    with Session(engine) as session:
        wallet_key = session.get(Officer, uuid.UUID(officer["id"])).wallet_key  # type: ignore[union-attr]

    user_rows = entries(engine, user_id)
    assert {e.action for e in user_rows} == {"user.create", "token.issue"}
    for e in user_rows:
        assert "password_hash" not in (e.after or {})
        assert "token_hash" not in (e.after or {})
    officer_row = one(engine, officer["id"], "officer.create")
    assert officer_row.after is not None and "wallet_key" not in officer_row.after

    text = all_audit_text(engine)
    secrets = {
        "password": password,
        "password hash": password_hash,
        "api token": token,
        "api token hash": hashlib.sha256(token.encode()).hexdigest(),
        "wallet key": wallet_key,
        "credential token": credential_token,
    }
    for what, secret in secrets.items():
        assert secret not in text, f"the {what} is in the audit trail"
    for api in (region.coordinator, region.instructor):
        assert api.token is not None
        assert api.token not in text
        assert hashlib.sha256(api.token.encode()).hexdigest() not in text


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE id = :id",
        "UPDATE audit_log SET after = NULL WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(
    region: Region, engine: sa.Engine, statement: str
) -> None:
    row = one(engine, region.id, "region.create")
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.text(statement), {"id": row.id})
    again = one(engine, region.id, "region.create")
    assert (again.actor, again.after, again.at) == (row.actor, row.after, row.at)


def test_the_database_refuses_to_empty_the_audit_log(region: Region, engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log"))
    assert one(engine, region.id, "region.create").actor

"""The dispatch account: a CAD system's API token at one agency. It reads that agency's on-duty
list and nothing else; another agency's answers as an unknown id; it never signs in."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.accounts.service import reset_password
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.errors import InvalidInput
from registry.tables.accounts import User
from registry.tables.audit import AuditEntry
from tests.conftest import Api, Region, assert_problem, assert_same_problem
from tests.console.conftest import PASSWORD, make_password_user, sign_in
from tests.coverage.conftest import (
    assign,
    liaison,
    new_account,
    ori_of,
    other_agency,
    put,
    set_plan,
)
from tests.coverage.test_access import ROUTES, call, ori_of_id

ON_DUTY = "/api/v1/agencies/{agency}/on-duty?at=2027-01-04T09:00:00"


@pytest.fixture
def target(region: Region) -> dict[str, str]:
    set_plan(region.coordinator, region.agency_id)
    officer = region.officer()
    assign(region.coordinator, officer["id"], "N", "DAY")
    return {"agency": region.agency_id, "officer": officer["id"]}


def test_a_dispatch_token_reads_the_on_duty_list_and_is_refused_everywhere_else(
    region: Region, engine: sa.Engine, target: dict[str, str]
) -> None:
    cad = liaison(region, engine, role="dispatch")
    r = cad.get(ON_DUTY.format(**target))
    assert r.status_code == 200, r.text
    assert [d["code"] for d in r.json()["districts"]] == ["N", "S"]
    for method, path, body in ROUTES:
        if "on-duty" in path:
            continue
        refused = call(cad, method, path.format(**target), body)
        assert_problem(refused, 403)
    for path in ("/api/v1/coverage", "/api/v1/nominations", "/api/v1/officers"):
        assert cad.get(path).status_code == 403, path
    console = cad.get("/console", follow_redirects=False)
    assert console.status_code == 303 and console.headers["location"].startswith("/login")
    nominate = put(cad, f"/api/v1/officers/{target['officer']}/nomination", None)
    assert nominate.status_code == 403
    # The refused PUTs changed nothing.
    plan = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/patrol").json()
    assert [s["code"] for s in plan["shifts"]] == ["DAY", "NIGHT"]


def test_another_agencys_dispatch_gets_the_answer_of_an_unknown_id(
    region: Region, region_factory: Any, engine: sa.Engine, target: dict[str, str]
) -> None:
    elsewhere = region_factory()
    neighbour = ori_of_id(region, other_agency(region))
    for cad in (
        liaison(region, engine, neighbour, role="dispatch"),
        liaison(elsewhere, engine, role="dispatch"),
    ):
        attack = cad.get(ON_DUTY.format(**target))
        like = cad.get(ON_DUTY.format(agency=uuid.uuid4()))
        assert_problem(like, 404, field="id", rule="exists")
        assert_same_problem(attack, like)


def test_a_dispatch_account_has_no_console_password(region: Region, engine: sa.Engine) -> None:
    with pytest.raises(InvalidInput, match="token only"):
        liaison(region, engine, role="dispatch", password=PASSWORD)
    liaison(region, engine, role="dispatch")
    with unit_of_work(engine) as session:
        user = session.exec(select(User).where(User.role == "dispatch")).first()
        assert user is not None
        with pytest.raises(InvalidInput, match="token only"):
            reset_password(session, SYSTEM, user, PASSWORD)


def test_the_administrator_makes_a_dispatch_account_on_the_users_page(
    region: Region, client: TestClient[Litestar], engine: sa.Engine, target: dict[str, str]
) -> None:
    client.cookies.clear()
    try:
        assert sign_in(client, make_password_user(engine, "admin")).is_redirect
        name, r = new_account(client, "dispatch", ori_of(region))
    finally:
        client.cookies.clear()
    assert r.status_code == 200, r.text
    shown = re.search(r'id="token"[^>]*value="([^"]+)"', r.text)
    assert shown, r.text
    cad = Api(client, shown.group(1))
    assert cad.get(ON_DUTY.format(**target)).status_code == 200
    assert cad.get(f"/api/v1/agencies/{region.agency_id}/coverage").status_code == 403
    with unit_of_work(engine, read_only=True) as session:
        user = session.exec(select(User).where(User.username == name)).one()
        assert (user.role, str(user.agency_id), user.password_hash) == (
            "dispatch",
            region.agency_id,
            None,
        )
        actions = set(
            session.exec(select(AuditEntry.action).where(AuditEntry.entity_id == str(user.id)))
        )
    assert {"user.create", "token.issue"} <= actions

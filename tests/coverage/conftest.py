"""Coverage fixtures: a liaison's token, plans, certifications ending on a chosen day, and a
count of the SQL statements a request runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy import event

from registry.accounts.service import create_user, issue_token
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.tables.credentials import Credential
from tests.conftest import Api, Region, unique
from tests.console.conftest import (  # noqa: F401 - the console pages' tests use console_client
    console_client,
    csrf_of,
)

DAY_SWING_NIGHT = {
    "districts": [{"code": "N", "name": "North"}, {"code": "S", "name": "South"}],
    "shifts": [
        {"code": "DAY", "name": "Day", "starts": "06:00", "ends": "14:00"},
        {"code": "NIGHT", "name": "Night", "starts": "22:00", "ends": "06:00"},
    ],
}


def ori_of(region: Region) -> str:
    r = region.admin.get(f"/api/v1/agencies/{region.agency_id}")
    assert r.status_code == 200, r.text
    return str(r.json()["ori"])


def liaison(
    region: Region,
    engine: sa.Engine,
    ori: str | None = None,
    role: str = "liaison",
    password: str | None = None,
) -> Api:
    """A liaison (or with `role`, a dispatch account) of the region's agency (or of the agency
    with this ORI)."""
    with unit_of_work(engine) as session:
        user = create_user(
            session,
            SYSTEM,
            username=unique(role),
            role=role,
            agency_ori=ori or ori_of(region),
            password=password,
        )
        token = issue_token(session, SYSTEM, user)
    return Api(region.coordinator.client, token)


def other_agency(region: Region) -> str:
    """A second agency in the same region; its id."""
    r = region.coordinator.post(
        "/api/v1/agencies",
        {"name": unique("PD "), "ori": "UT" + unique()[:7].upper(), "region": region.code},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def set_plan(api: Api, agency_id: str, plan: dict[str, Any] = DAY_SWING_NIGHT) -> None:
    r = api.client.put(
        f"/api/v1/agencies/{agency_id}/patrol",
        json=plan,
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert r.status_code == 200, r.text


def put(api: Api, path: str, body: Any) -> Any:
    return api.client.put(path, json=body, headers={"Authorization": f"Bearer {api.token}"})


def assign(api: Api, officer_id: str, district: str, shift: str) -> None:
    r = put(
        api, f"/api/v1/officers/{officer_id}/assignment", {"district": district, "shift": shift}
    )
    assert r.status_code == 200, r.text


def valid_until(engine: sa.Engine, credential_id: str, moment: datetime) -> None:
    """Ends a credential at `moment` (the registry reads validUntil from its row)."""
    with unit_of_work(engine) as session:
        row = session.get(Credential, credential_id)
        assert row is not None
        row.valid_until = moment.astimezone(UTC)
        session.add(row)


@contextmanager
def counted(app: Litestar) -> Iterator[list[str]]:
    """The SQL statements run on the app's engine inside the block."""
    engine = app.state["resources"].engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def new_account(client: Any, role: str, agency_ori: str, password: str = "") -> tuple[str, Any]:
    """Fills in the console's Users form (the client signed in as the administrator): the new
    account's name and the answer."""
    page = client.get("/console/users")
    name = unique(role)
    answer = client.post(
        "/console/users",
        data={
            "csrf_token": csrf_of(page.text),
            "username": name,
            "role": role,
            "region": "",
            "agency": agency_ori,
            "password": password,
        },
        follow_redirects=False,
    )
    return name, answer

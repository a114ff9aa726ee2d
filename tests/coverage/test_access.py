"""Every coverage route attacked: another region's coordinator and another agency's liaison (of
the same region and of another) get exactly the answer an unknown id gets; without a token, 401."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Api, Region, assert_problem, assert_same_problem
from tests.coverage.conftest import liaison, ori_of, other_agency, put, set_plan

# (method, path with {agency} or {officer}, body)
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/agencies/{agency}/patrol", None),
    (
        "PUT",
        "/api/v1/agencies/{agency}/patrol",
        {"districts": [{"code": "N", "name": "N"}], "shifts": []},
    ),
    ("GET", "/api/v1/agencies/{agency}/coverage?days=3", None),
    ("GET", "/api/v1/agencies/{agency}/on-duty?at=2027-01-04T09:00:00", None),
    ("GET", "/api/v1/agencies/{agency}/officers", None),
    ("PUT", "/api/v1/officers/{officer}/assignment", {"district": "N", "shift": "DAY"}),
]


def call(api: Api, method: str, path: str, body: Any) -> Any:
    if method == "PUT":
        return put(api, path, body)
    return api.get(path)


@pytest.fixture
def target(region: Region) -> dict[str, str]:
    set_plan(region.coordinator, region.agency_id)
    return {"agency": region.agency_id, "officer": region.officer()["id"]}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_outsiders_get_the_answer_of_an_unknown_id(
    region: Region,
    region_factory: Any,
    engine: sa.Engine,
    target: dict[str, str],
    method: str,
    path: str,
    body: Any,
) -> None:
    elsewhere = region_factory()
    neighbour = other_agency(region)
    outsiders = {
        "another region's coordinator": elsewhere.coordinator,
        "another agency's liaison, same region": liaison(
            region, engine, ori_of_id(region, neighbour)
        ),
        "another region's agency's liaison": liaison(elsewhere, engine),
    }
    unknown = {"agency": str(uuid.uuid4()), "officer": str(uuid.uuid4())}
    for who, api in outsiders.items():
        attack = call(api, method, path.format(**target), body)
        like = call(api, method, path.format(**unknown), body)
        assert_problem(like, 404, field="id", rule="exists")
        assert attack.status_code == 404, who
        assert_same_problem(attack, like)
    # The refused PUTs changed nothing.
    plan = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/patrol").json()
    assert [s["code"] for s in plan["shifts"]] == ["DAY", "NIGHT"]
    staff = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/officers").json()
    assert [(o["district"], o["shift"]) for o in staff] == [(None, None)]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_without_a_token_every_route_answers_401(
    anonymous: Api, target: dict[str, str], method: str, path: str, body: Any
) -> None:
    assert_problem(call(anonymous, method, path.format(**target), body), 401)


def test_the_regions_list_answers_another_regions_code_as_an_unknown_one(
    region: Region, region_factory: Any, anonymous: Api
) -> None:
    elsewhere = region_factory()
    attack = elsewhere.coordinator.get("/api/v1/coverage", params={"region": region.code})
    like = elsewhere.coordinator.get("/api/v1/coverage", params={"region": "ZZ-NOWHERE"})
    assert_problem(like, 404, field="region")
    assert_same_problem(attack, like)
    assert_problem(anonymous.get("/api/v1/coverage"), 401)


def ori_of_id(region: Region, agency_id: str) -> str:
    return str(region.admin.get(f"/api/v1/agencies/{agency_id}").json()["ori"])


def test_the_own_liaison_is_let_in(
    region: Region, engine: sa.Engine, target: dict[str, str]
) -> None:
    mine = liaison(region, engine, ori_of(region))
    for method, path, body in reversed(ROUTES):  # the plan's PUT last: it drops the shifts
        assert call(mine, method, path.format(**target), body).status_code == 200, path


def test_only_a_liaison_belongs_to_an_agency(region: Region, engine: sa.Engine) -> None:
    from registry.accounts.service import create_user
    from registry.actors import SYSTEM
    from registry.db import unit_of_work
    from registry.errors import InvalidInput
    from tests.conftest import unique

    with pytest.raises(InvalidInput, match="Only a liaison"), unit_of_work(engine) as session:
        create_user(
            session,
            SYSTEM,
            username=unique("coord"),
            role="coordinator",
            region_code=region.code,
            agency_ori=ori_of(region),
        )

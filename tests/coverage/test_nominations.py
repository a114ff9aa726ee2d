"""The liaison nominates volunteers for the next class; the coordinator sees the nominations with
the prerequisite checks (patrol experience, not already certified, when a certification lapses)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar import Litestar

from registry.dates import long_date
from tests.conftest import Api, Region, assert_problem, assert_same_problem
from tests.coverage.conftest import counted, liaison, put


def nominate(api: Api, officer_id: str) -> Any:
    return put(api, f"/api/v1/officers/{officer_id}/nomination", None)


def test_the_coordinator_sees_each_nomination_with_its_checks(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    mine = liaison(region, engine)
    ready = region.officer(months_on_patrol=30)
    rookie = region.officer(months_on_patrol=3)
    held = region.certified(course)
    for officer in (ready, rookie, held["officer"]):
        r = nominate(mine, officer["id"])
        assert r.status_code == 200, r.text
    # Nominating again changes nothing.
    assert nominate(mine, ready["id"]).json() == nominate(mine, ready["id"]).json()
    r = region.coordinator.get("/api/v1/nominations")
    assert r.status_code == 200, r.text
    rows = {row["post_id"]: row for row in r.json()}
    assert set(rows) == {ready["post_id"], rookie["post_id"], held["officer"]["post_id"]}
    assert rows[ready["post_id"]]["eligible"] is True
    rookie_checks = {c["name"]: c["ok"] for c in rows[rookie["post_id"]]["checks"]}
    assert rookie_checks == {"patrol_experience": False, "not_certified": True}
    certified = rows[held["officer"]["post_id"]]
    assert certified["eligible"] is False and certified["certified_until"] is not None
    lapses = next(c["detail"] for c in certified["checks"] if c["name"] == "not_certified")
    assert "lapses" in lapses
    assert f"until {long_date(certified['certified_until'])}:" in lapses  # in words, not ISO
    # Withdrawn (twice is as good as once), it is gone from the list.
    path = f"/api/v1/officers/{rookie['id']}/nomination"
    for _ in range(2):
        gone = mine.client.delete(path, headers={"Authorization": f"Bearer {mine.token}"})
        assert gone.status_code == 204, gone.text
    assert rookie["post_id"] not in {
        row["post_id"] for row in region.coordinator.get("/api/v1/nominations").json()
    }


def test_nominations_stay_in_their_agency_and_region(
    region: Region, region_factory: Any, engine: sa.Engine
) -> None:
    elsewhere = region_factory()
    officer = region.officer()
    unknown = "00000000-0000-4000-8000-000000000000"
    for outsider in (liaison(elsewhere, engine), elsewhere.coordinator):
        assert_same_problem(nominate(outsider, officer["id"]), nominate(outsider, unknown))
    attack = elsewhere.coordinator.get("/api/v1/nominations", params={"region": region.code})
    like = elsewhere.coordinator.get("/api/v1/nominations", params={"region": "NOWHERE"})
    assert_problem(like, 404, field="region")
    assert_same_problem(attack, like)
    assert liaison(region, engine).get("/api/v1/nominations").status_code == 403
    assert region.admin.get("/api/v1/nominations").status_code == 200


def test_the_list_reads_as_many_statements_for_many_nominations_as_for_one(
    region: Region, engine: sa.Engine, app: Litestar
) -> None:
    mine = liaison(region, engine)
    nominate(mine, region.officer()["id"])

    def statements() -> int:
        with counted(app) as seen:
            assert region.coordinator.get("/api/v1/nominations").status_code == 200
        return len(seen)

    before = statements()
    for _ in range(4):
        nominate(mine, region.officer()["id"])
    assert statements() == before

"""The coverage API: plans, assignments, coverage ahead, a region's agencies and the on-duty list,
through HTTP on the real database."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from litestar import Litestar
from sqlmodel import col, select

from registry.db import unit_of_work
from registry.tables.audit import AuditEntry
from tests.conftest import Api, Region, assert_problem
from tests.coverage.conftest import (
    DAY_SWING_NIGHT,
    assign,
    counted,
    liaison,
    put,
    set_plan,
    valid_until,
)

DENVER = ZoneInfo("America/Denver")
ROTATING = {
    "districts": [{"code": "C1", "name": "Central"}],
    "shifts": [
        {
            "code": "A",
            "name": "Platoon A",
            "starts": "06:00",
            "ends": "18:00",
            "rotation": {
                "anchor": "2027-01-04",
                "cycle_days": 14,
                "on_days": [0, 1, 4, 5, 6, 9, 10],
            },
        },
        {"code": "SWING", "name": "Swing", "starts": "14:00", "ends": "22:00"},
    ],
}


def today() -> date:
    return datetime.now(DENVER).date()


def actions(engine: sa.Engine, entity_id: str) -> list[str]:
    with unit_of_work(engine, read_only=True) as session:
        return list(
            session.exec(
                select(AuditEntry.action)
                .where(AuditEntry.entity_id == entity_id)
                .order_by(col(AuditEntry.id))
            )
        )


def test_a_plan_is_read_back_as_it_was_put_and_audited(region: Region, engine: sa.Engine) -> None:
    set_plan(region.coordinator, region.agency_id, ROTATING)
    r = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/patrol")
    assert r.status_code == 200, r.text
    rotation = dict(ROTATING["shifts"][0]["rotation"])  # type: ignore[index]
    assert r.json()["shifts"][0]["rotation"] == rotation
    assert r.json()["shifts"][1]["rotation"] is None
    assert r.json()["districts"] == ROTATING["districts"]
    assert "patrol.replace" in actions(engine, region.agency_id)


def test_a_code_given_twice_is_refused_naming_it(region: Region) -> None:
    plan = {
        **DAY_SWING_NIGHT,
        "districts": [{"code": "N", "name": "a"}, {"code": "N", "name": "b"}],
    }
    r = put(region.coordinator, f"/api/v1/agencies/{region.agency_id}/patrol", plan)
    assert_problem(r, 422, field="districts[1].code", rule="unique")


def test_an_on_day_outside_the_cycle_is_refused(region: Region) -> None:
    shift = {"code": "A", "name": "A", "starts": "06:00", "ends": "18:00"}
    shift["rotation"] = {"anchor": "2027-01-04", "cycle_days": 4, "on_days": [0, 4]}  # type: ignore[assignment]
    plan = {"districts": [], "shifts": [shift]}
    r = put(region.coordinator, f"/api/v1/agencies/{region.agency_id}/patrol", plan)
    assert_problem(r, 422, field="shifts[0].rotation.on_days", rule="in_cycle")


def test_a_time_that_is_not_a_clock_time_is_refused(region: Region) -> None:
    plan = {
        "districts": [],
        "shifts": [{"code": "A", "name": "A", "starts": "24:00", "ends": "06:00"}],
    }
    r = put(region.coordinator, f"/api/v1/agencies/{region.agency_id}/patrol", plan)
    body = assert_problem(r, 400)
    assert "starts" in str(body)


def test_an_assignment_takes_codes_of_the_plan_only(region: Region, engine: sa.Engine) -> None:
    set_plan(region.coordinator, region.agency_id)
    officer = region.officer()
    path = f"/api/v1/officers/{officer['id']}/assignment"
    assert_problem(
        put(region.coordinator, path, {"district": "X", "shift": "DAY"}),
        422,
        field="district",
        rule="in_plan",
    )
    assert_problem(
        put(region.coordinator, path, {"district": "N", "shift": "X"}),
        422,
        field="shift",
        rule="in_plan",
    )
    assert_problem(
        put(region.coordinator, path, {"district": "N"}), 422, field="shift", rule="required"
    )
    r = put(region.coordinator, path, {"district": "N", "shift": "DAY"})
    assert r.status_code == 200, r.text
    assert r.json() == {"officer_id": officer["id"], "district": "N", "shift": "DAY"}
    r = put(region.coordinator, path, None)
    assert r.json() == {"officer_id": officer["id"], "district": None, "shift": None}
    assert actions(engine, officer["id"]).count("officer.assign") == 2


def test_replacing_the_plan_keeps_assignments_to_codes_that_remain(region: Region) -> None:
    set_plan(region.coordinator, region.agency_id)
    north, south = region.officer(), region.officer()
    assign(region.coordinator, north["id"], "N", "DAY")
    assign(region.coordinator, south["id"], "S", "NIGHT")
    set_plan(
        region.coordinator,
        region.agency_id,
        {**DAY_SWING_NIGHT, "districts": [{"code": "N", "name": "North"}]},
    )
    r = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/officers")
    assert r.status_code == 200, r.text
    where = {o["officer_id"]: (o["district"], o["shift"]) for o in r.json()}
    assert where == {north["id"]: ("N", "DAY"), south["id"]: (None, None)}


def test_a_transfer_clears_the_assignment(region: Region, region_factory: Any) -> None:
    set_plan(region.coordinator, region.agency_id)
    officer = region.officer()
    assign(region.coordinator, officer["id"], "N", "DAY")
    elsewhere = region_factory()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": elsewhere.agency_id, "effective_date": date.today().isoformat()},
    )
    assert r.status_code == 200, r.text
    r = elsewhere.coordinator.get(f"/api/v1/agencies/{elsewhere.agency_id}/officers")
    assert [(o["district"], o["shift"]) for o in r.json()] == [(None, None)]


def test_coverage_shows_each_gap_with_its_cause(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    set_plan(region.coordinator, region.agency_id)
    held = region.certified(course)
    lapsing = region.certified(course)
    untrained = region.officer()
    assign(region.coordinator, held["officer"]["id"], "N", "DAY")
    assign(region.coordinator, lapsing["officer"]["id"], "N", "NIGHT")
    assign(region.coordinator, untrained["id"], "S", "DAY")
    last = today() + timedelta(days=10)
    # 23:30 local on its last day: still that day in Denver, already the next in UTC.
    valid_until(engine, lapsing["credential_id"], datetime.combine(last, time(23, 30), DENVER))
    r = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/coverage", params={"days": 30})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["agency"]["id"] == region.agency_id
    slots = {
        (s["district"], s["shift"]): (s["certified_now"], s["assigned"]) for s in body["slots"]
    }
    assert slots == {
        ("N", "DAY"): (1, 1),
        ("N", "NIGHT"): (1, 1),
        ("S", "DAY"): (0, 1),
        ("S", "NIGHT"): (0, 0),
    }
    assert len(body["days"]) == 30
    assert body["days"][0] == {"date": today().isoformat(), "covered": 2, "slots": 4}
    assert body["days"][11]["covered"] == 1
    causes = {(g["district"], g["shift"], g["cause"]) for g in body["gaps"]}
    assert causes == {
        ("S", "DAY", "none certified"),
        ("S", "NIGHT", "none assigned"),
        ("N", "NIGHT", "certification expires"),
    }
    expiring = [g["date"] for g in body["gaps"] if g["cause"] == "certification expires"]
    assert expiring[0] == (last + timedelta(days=1)).isoformat()
    assert body["first_gap"] == today().isoformat()


def test_coverage_counts_a_window_of_one_to_366_days(region: Region) -> None:
    path = f"/api/v1/agencies/{region.agency_id}/coverage"
    set_plan(region.coordinator, region.agency_id)
    r = region.coordinator.get(path, params={"from": "2028-02-01"})
    assert r.status_code == 200, r.text
    assert len(r.json()["days"]) == 365
    assert r.json()["days"][28]["date"] == "2028-02-29"
    assert len(region.coordinator.get(path, params={"days": 366}).json()["days"]) == 366
    for days in (0, 367):
        assert_problem(region.coordinator.get(path, params={"days": days}), 400)
    assert_problem(region.coordinator.get(path, params={"from": "not-a-date"}), 400)


def test_on_duty_lists_the_certified_officers_on_their_shift(
    region: Region, course: dict[str, Any]
) -> None:
    set_plan(region.coordinator, region.agency_id)
    day, night = region.certified(course), region.certified(course)
    assign(region.coordinator, day["officer"]["id"], "N", "DAY")
    assign(region.coordinator, night["officer"]["id"], "S", "NIGHT")
    path = f"/api/v1/agencies/{region.agency_id}/on-duty"
    tomorrow = today() + timedelta(days=1)

    def on(at: str) -> dict[str, list[str]]:
        r = region.coordinator.get(path, params={"at": at})
        assert r.status_code == 200, r.text
        return {d["code"]: [o["post_id"] for o in d["officers"]] for d in r.json()["districts"]}

    assert on(f"{tomorrow}T09:00:00") == {"N": [day["officer"]["post_id"]], "S": []}
    # 05:00 local after midnight: the night shift that began the evening before.
    assert on(f"{tomorrow}T05:00:00") == {"N": [], "S": [night["officer"]["post_id"]]}
    # The same moment with an offset: 12:00 UTC is 05:00 MST (winter) or 06:00 MDT.
    r = region.coordinator.get(path, params={"at": f"{tomorrow}T16:00:00Z"})
    assert r.status_code == 200, r.text
    duty = r.json()["districts"][0]["officers"]
    assert [o["shift"] for o in duty] == ["DAY"]
    assert duty[0]["name"] == f"{day['officer']['first_name']} {day['officer']['last_name']}"
    assert_problem(region.coordinator.get(path, params={"at": "soon"}), 400)


def test_a_regions_agencies_come_soonest_gap_first(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    from tests.coverage.conftest import other_agency

    covered = region.agency_id
    set_plan(
        region.coordinator, covered, {**DAY_SWING_NIGHT, "districts": [{"code": "N", "name": "N"}]}
    )
    for shift in ("DAY", "NIGHT"):
        officer = region.certified(course)
        assign(region.coordinator, officer["officer"]["id"], "N", shift)
    bare = other_agency(region)
    set_plan(region.coordinator, bare)
    r = region.coordinator.get("/api/v1/coverage", params={"region": region.code.lower()})
    assert r.status_code == 200, r.text
    rows = r.json()
    assert [row["agency_id"] for row in rows] == [bare, covered]
    assert rows[0] | {"name": None} == {
        "agency_id": bare,
        "name": None,
        "slots": 4,
        "covered_now": 0,
        "first_gap": today().isoformat(),
        "officers_certified": 0,
        "officers_to_train": 4,
    }
    assert (rows[1]["first_gap"], rows[1]["officers_to_train"], rows[1]["officers_certified"]) == (
        None,
        0,
        2,
    )
    # The coordinator's own region without a code; the administrator's view of every region.
    assert region.coordinator.get("/api/v1/coverage").json() == rows
    everyone = region.admin.get("/api/v1/coverage").json()
    assert {bare, covered} <= {row["agency_id"] for row in everyone}


def test_a_request_runs_as_many_queries_for_many_officers_as_for_one(
    region: Region, region_factory: Any, course: dict[str, Any], app: Litestar, engine: sa.Engine
) -> None:
    small, large = region, region_factory()
    for place, officers in ((small, 1), (large, 6)):
        set_plan(place.coordinator, place.agency_id)
        for n in range(officers):
            officer = place.certified(course) if n % 2 else {"officer": place.officer()}
            assign(place.coordinator, officer["officer"]["id"], "NS"[n % 2], "DAY")
    from tests.coverage.conftest import other_agency

    for _ in range(3):
        set_plan(large.coordinator, other_agency(large))

    def queries(place: Region, path: str) -> int:
        with counted(app) as statements:
            r = place.coordinator.get(path.format(a=place.agency_id))
        assert r.status_code == 200, r.text
        return len(statements)

    for path in (
        "/api/v1/agencies/{a}/coverage",
        "/api/v1/agencies/{a}/on-duty",
        "/api/v1/agencies/{a}/officers",
        "/api/v1/agencies/{a}/patrol",
        "/api/v1/coverage",
    ):
        assert queries(small, path) == queries(large, path), path


def test_unknown_ids_answer_404(region: Region) -> None:
    nobody = uuid.uuid4()
    for path in ("patrol", "coverage", "on-duty", "officers"):
        assert_problem(region.coordinator.get(f"/api/v1/agencies/{nobody}/{path}"), 404, field="id")
    assert_problem(
        put(region.coordinator, f"/api/v1/officers/{nobody}/assignment", None), 404, field="id"
    )
    assert_problem(
        region.coordinator.get("/api/v1/coverage", params={"region": "NOPE"}), 404, field="region"
    )


def test_a_liaison_keeps_its_own_agencys_plan_and_assignments(
    region: Region, engine: sa.Engine
) -> None:
    mine = liaison(region, engine)
    set_plan(mine, region.agency_id)
    officer = region.officer()
    assign(mine, officer["id"], "S", "NIGHT")
    for path in ("patrol", "coverage", "on-duty", "officers"):
        assert mine.get(f"/api/v1/agencies/{region.agency_id}/{path}").status_code == 200, path
    # Nothing else: no records, no regions' lists, no certifications.
    assert mine.get(f"/api/v1/officers/{officer['id']}").status_code == 403
    assert mine.get("/api/v1/coverage").status_code == 403
    assert mine.post("/api/v1/officers", {}).status_code == 403
    assert Api(region.coordinator.client, None).get("/api/v1/coverage").status_code == 401

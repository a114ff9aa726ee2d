"""Who may do what: API tokens, roles and region scope, seen through the HTTP API."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Api, Region, assert_problem, full_attendance, unique


def class_body(region: Region) -> dict[str, Any]:
    start = date.today() + timedelta(days=7)
    return {
        "course": "CIT-40",
        "region": region.code,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=4)).isoformat(),
        "location": "Academy",
        "capacity": 10,
    }


def officer_body(region: Region) -> dict[str, Any]:
    return {
        "post_id": unique("P"),
        "first_name": "Sam",
        "last_name": unique("Roe"),
        "agency_id": region.agency_id,
        "patrol_start_date": "2015-01-01",
    }


def agency_body(region: Region) -> dict[str, Any]:
    return {
        "name": unique("Agency "),
        "ori": "UT" + uuid.uuid4().hex[:7].upper(),
        "region": region.code,
    }


# ---- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/regions", "/api/v1/officers", "/api/v1/classes", "/api/v1/courses"],
)
def test_a_request_without_a_token_is_refused_with_401_and_a_challenge(
    anonymous: Api, path: str
) -> None:
    r = anonymous.get(path)
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].lower().startswith("bearer")


def test_a_write_without_a_token_is_refused_and_saves_nothing(
    anonymous: Api, admin: Api, engine: sa.Engine
) -> None:
    code = unique("R")
    r = anonymous.post("/api/v1/regions", {"code": code, "name": "Nope"})
    assert_problem(r, 401)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id FROM regions WHERE code = :c"), {"c": code}).all()
    assert found == []


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer citr_" + "A" * 43,
        "Bearer not-a-token",
        "Bearer " + "x" * 5000,
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer",
        "citr_abc",
    ],
)
def test_a_wrong_or_garbage_token_is_refused_with_401(
    client: TestClient[Litestar], authorization: str
) -> None:
    r = client.get("/api/v1/courses", headers={"Authorization": authorization})
    assert_problem(r, 401)
    assert "www-authenticate" in r.headers


def test_a_token_is_only_good_whole(client: TestClient[Litestar], admin: Api) -> None:
    assert admin.token is not None
    assert Api(client, admin.token).get("/api/v1/courses").status_code == 200
    assert_problem(Api(client, admin.token[:-1]).get("/api/v1/courses"), 401)
    assert_problem(Api(client, admin.token + "x").get("/api/v1/courses"), 401)


def test_tokens_are_stored_only_as_hashes(region: Region, engine: sa.Engine) -> None:
    tokens = [region.coordinator.token, region.instructor.token]
    with engine.connect() as conn:
        stored = [row[0] for row in conn.execute(sa.text("SELECT token_hash FROM api_tokens"))]
        users = conn.execute(sa.text("SELECT username, password_hash FROM users")).all()
        audit = conn.execute(sa.text("SELECT before, after FROM audit_log")).all()
    for token in tokens:
        assert token is not None
        digest = hashlib.sha256(token.encode()).hexdigest()
        assert digest in stored
        assert token not in stored
        assert all(token not in str(u) for u in users)
        assert all(token not in str(a) and digest not in str(a) for a in audit)


# ---- roles --------------------------------------------------------------------------------


def test_an_instructor_cannot_create_classes_officers_agencies_or_enrol(region: Region) -> None:
    klass = region.klass()
    officer = region.officer()
    i = region.instructor
    assert_problem(i.post("/api/v1/classes", class_body(region)), 403)
    assert_problem(i.post("/api/v1/officers", officer_body(region)), 403)
    assert_problem(i.post("/api/v1/agencies", agency_body(region)), 403)
    assert_problem(
        i.post(f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}), 403
    )
    assert_problem(i.patch(f"/api/v1/officers/{officer['id']}", {"first_name": "X"}), 403)
    assert_problem(i.post(f"/api/v1/classes/{klass['id']}/certify", {}), 403)


def test_an_instructor_records_attendance_and_results_in_their_region(
    region: Region, course: dict[str, Any]
) -> None:
    klass = region.klass()
    officer = region.officer()
    r = region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}
    )
    assert r.status_code == 201, r.text
    r = region.instructor.post(
        f"/api/v1/classes/{klass['id']}/attendance",
        {"records": full_attendance(course, officer["id"])},
    )
    assert r.status_code == 200, r.text
    r = region.instructor.get(f"/api/v1/classes/{klass['id']}/roster")
    assert r.status_code == 200, r.text


def test_a_coordinator_cannot_create_regions(region: Region) -> None:
    r = region.coordinator.post("/api/v1/regions", {"code": unique("R"), "name": "Mine"})
    assert_problem(r, 403)
    r = region.instructor.post("/api/v1/regions", {"code": unique("R"), "name": "Mine"})
    assert_problem(r, 403)


# ---- region scope -------------------------------------------------------------------------


@pytest.fixture
def two_regions(region_factory: Any, course: dict[str, Any]) -> tuple[Region, Region, Any]:
    a, b = region_factory(), region_factory()
    klass = b.klass()
    officer = b.officer()
    r = b.coordinator.post(
        f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}
    )
    assert r.status_code == 201, r.text
    return a, b, {"class": klass, "officer": officer}


def test_a_coordinator_cannot_read_another_regions_records(
    two_regions: tuple[Region, Region, Any],
) -> None:
    a, b, made = two_regions
    c = a.coordinator
    klass, officer = made["class"], made["officer"]
    assert_problem(c.get(f"/api/v1/agencies/{b.agency_id}"), 403, rule="region_scope")
    # A region owns its officers: to another region an officer id is unknown (404), not 403.
    assert_problem(c.get(f"/api/v1/officers/{officer['id']}"), 404, rule="exists")
    assert_problem(c.get(f"/api/v1/classes/{klass['id']}"), 403, rule="region_scope")
    assert_problem(c.get(f"/api/v1/classes/{klass['id']}/roster"), 403, rule="region_scope")
    assert all(x["id"] != b.agency_id for x in c.get("/api/v1/agencies").json())
    assert all(x["id"] != klass["id"] for x in c.get("/api/v1/classes").json())
    found = c.get("/api/v1/officers", params={"q": officer["post_id"]})
    assert found.status_code == 200
    assert found.json() == []


def test_a_coordinator_cannot_act_on_another_regions_records(
    two_regions: tuple[Region, Region, Any], course: dict[str, Any]
) -> None:
    a, b, made = two_regions
    c = a.coordinator
    klass, officer = made["class"], made["officer"]
    assert_problem(c.post("/api/v1/agencies", agency_body(b)), 403, rule="region_scope")
    assert_problem(c.post("/api/v1/officers", officer_body(b)), 403, rule="region_scope")
    assert_problem(c.post("/api/v1/classes", class_body(b)), 403, rule="region_scope")
    assert_problem(c.patch(f"/api/v1/officers/{officer['id']}", {"first_name": "Hacked"}), 404)
    assert_problem(
        c.post(f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}), 403
    )
    attendance = {"records": full_attendance(course, officer["id"])}
    assert_problem(c.post(f"/api/v1/classes/{klass['id']}/attendance", attendance), 403)
    results = {
        "records": [
            {"officer_id": officer["id"], "written_exam": "pass", "scenario_evaluation": "pass"}
        ]
    }
    assert_problem(c.post(f"/api/v1/classes/{klass['id']}/results", results), 403)
    assert_problem(c.post(f"/api/v1/classes/{klass['id']}/certify", {}), 403)
    # Nothing of it was saved.
    roster = b.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()
    assert roster["officers"][0]["hours"] == 0
    assert roster["officers"][0]["written_exam"] is None
    assert b.coordinator.get(f"/api/v1/officers/{officer['id']}").json()["first_name"] == "Jane"


def test_an_instructor_of_another_region_cannot_record_attendance_or_results(
    two_regions: tuple[Region, Region, Any], course: dict[str, Any]
) -> None:
    a, _, made = two_regions
    klass, officer = made["class"], made["officer"]
    i = a.instructor
    r = i.post(
        f"/api/v1/classes/{klass['id']}/attendance",
        {"records": full_attendance(course, officer["id"])},
    )
    assert_problem(r, 403, rule="region_scope")
    r = i.post(
        f"/api/v1/classes/{klass['id']}/results",
        {"records": [{"officer_id": officer["id"], "written_exam": "pass"}]},
    )
    assert_problem(r, 403, rule="region_scope")
    assert_problem(i.get(f"/api/v1/classes/{klass['id']}/roster"), 403)


def test_the_administrator_can_act_in_every_region(
    admin: Api, region: Region, course: dict[str, Any]
) -> None:
    r = admin.post("/api/v1/agencies", agency_body(region))
    assert r.status_code == 201, r.text
    agency_id = r.json()["id"]
    assert admin.get(f"/api/v1/agencies/{agency_id}").status_code == 200
    r = admin.post("/api/v1/officers", {**officer_body(region), "agency_id": agency_id})
    assert r.status_code == 201, r.text
    officer_id = r.json()["id"]
    r = admin.post("/api/v1/classes", class_body(region))
    assert r.status_code == 201, r.text
    class_id = r.json()["id"]
    r = admin.post(f"/api/v1/classes/{class_id}/enrollments", {"officer_id": officer_id})
    assert r.status_code == 201, r.text
    r = admin.post(
        f"/api/v1/classes/{class_id}/attendance", {"records": full_attendance(course, officer_id)}
    )
    assert r.status_code == 200, r.text
    r = admin.post(
        f"/api/v1/classes/{class_id}/results",
        {
            "records": [
                {"officer_id": officer_id, "written_exam": "pass", "scenario_evaluation": "pass"}
            ]
        },
    )
    assert r.status_code == 200, r.text
    roster = admin.get(f"/api/v1/classes/{class_id}/roster").json()
    assert roster["officers"][0]["eligible"] is True
    r = admin.post(f"/api/v1/classes/{class_id}/certify", {})
    assert r.status_code == 200, r.text
    assert [i["officer_id"] for i in r.json()["issued"]] == [officer_id]
    r = admin.patch(f"/api/v1/officers/{officer_id}", {"protected": True})
    assert r.status_code == 200, r.text
    assert any(x["id"] == agency_id for x in admin.get("/api/v1/agencies").json())

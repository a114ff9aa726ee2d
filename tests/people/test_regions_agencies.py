"""Regions (the state's training areas) and agencies (police departments, by ORI)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import Api, Region, assert_problem, unique


def new_ori() -> str:
    return "UT" + uuid.uuid4().hex[:7].upper()


# ---- regions ------------------------------------------------------------------------------


def test_the_administrator_creates_a_region(admin: Api) -> None:
    code = unique("R")
    r = admin.post("/api/v1/regions", {"code": code, "name": "Bear River"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["code"] == code
    assert body["name"] == "Bear River"
    uuid.UUID(body["id"])
    assert any(x["id"] == body["id"] for x in admin.get("/api/v1/regions").json())


def test_a_region_code_is_stored_in_upper_case(admin: Api) -> None:
    code = unique("r").lower()
    r = admin.post("/api/v1/regions", {"code": code, "name": "Lower"})
    assert r.status_code == 201, r.text
    assert r.json()["code"] == code.upper()


def test_a_duplicate_region_code_is_a_conflict_naming_code(admin: Api) -> None:
    code = unique("R")
    assert admin.post("/api/v1/regions", {"code": code, "name": "One"}).status_code == 201
    assert_problem(admin.post("/api/v1/regions", {"code": code, "name": "Two"}), 409, field="code")
    r = admin.post("/api/v1/regions", {"code": code.lower(), "name": "Three"})
    assert_problem(r, 409, field="code", rule="unique")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No code"}, "code"),
        ({"code": "X1"}, "name"),
        ({"code": "", "name": "Empty"}, "code"),
        ({"code": 12, "name": "Number"}, "code"),
        ({"code": "A" * 17, "name": "Too long"}, "code"),
        ({"code": "HAS SPACE", "name": "Space"}, "code"),
        ({"code": "ÄÖ", "name": "Not ASCII"}, "code"),
        ({"code": "R-OK", "name": ""}, "name"),
        ({"code": "R-OK", "name": "   "}, "name"),
        ({"code": "R-OK", "name": "x" * 201}, "name"),
    ],
)
def test_a_malformed_region_is_refused_naming_the_field(
    admin: Api, body: dict[str, Any], field: str
) -> None:
    assert_problem(admin.post("/api/v1/regions", body), 400, field=field)


def test_a_region_body_that_is_not_an_object_is_refused(admin: Api) -> None:
    assert_problem(admin.post("/api/v1/regions", ["code", "name"]), 400)
    assert_problem(admin.post("/api/v1/regions", "R1"), 400)


# ---- agencies -----------------------------------------------------------------------------


def test_a_coordinator_registers_an_agency_in_their_region(region: Region) -> None:
    ori = new_ori()
    r = region.coordinator.post(
        "/api/v1/agencies", {"name": "Logan City Police", "ori": ori, "region": region.code}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body == {
        "id": body["id"],
        "name": "Logan City Police",
        "ori": ori,
        "region": region.code,
    }
    read = region.instructor.get(f"/api/v1/agencies/{body['id']}")
    assert read.status_code == 200
    assert read.json() == body


def test_an_ori_is_normalised_to_upper_case(region: Region) -> None:
    ori = new_ori()
    r = region.coordinator.post(
        "/api/v1/agencies", {"name": "Lower ORI", "ori": f" {ori.lower()} ", "region": region.code}
    )
    assert r.status_code == 201, r.text
    assert r.json()["ori"] == ori


@pytest.mark.parametrize(
    "ori",
    ["UT018000", "UT01800000", "U10180000", "1T0180000", "UT018000!", "UT 180000", "UT-180000"],
)
def test_a_malformed_ori_is_refused_naming_ori(region: Region, ori: str) -> None:
    r = region.coordinator.post(
        "/api/v1/agencies", {"name": "Bad ORI", "ori": ori, "region": region.code}
    )
    assert_problem(r, 422, field="ori", rule="ori_format")


def test_an_ori_far_too_long_is_a_schema_error(region: Region) -> None:
    r = region.coordinator.post(
        "/api/v1/agencies", {"name": "Long", "ori": "U" * 10_000, "region": region.code}
    )
    assert_problem(r, 400, field="ori")


def test_a_duplicate_ori_is_a_conflict(region: Region, region_factory: Any) -> None:
    ori = new_ori()
    body = {"name": "First", "ori": ori, "region": region.code}
    assert region.coordinator.post("/api/v1/agencies", body).status_code == 201
    assert_problem(
        region.coordinator.post("/api/v1/agencies", {**body, "name": "Second"}), 409, field="ori"
    )
    other = region_factory()
    r = other.coordinator.post(
        "/api/v1/agencies", {"name": "Elsewhere", "ori": ori.lower(), "region": other.code}
    )
    assert_problem(r, 409, field="ori", rule="unique")


def test_an_agency_in_an_unknown_region_is_not_found_naming_region(admin: Api) -> None:
    r = admin.post(
        "/api/v1/agencies", {"name": "Nowhere PD", "ori": new_ori(), "region": unique("NOPE")}
    )
    assert_problem(r, 404, field="region")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ori": "UT0180000", "region": "X"}, "name"),
        ({"name": "No ORI", "region": "X"}, "ori"),
        ({"name": "No region", "ori": "UT0180000"}, "region"),
        ({"name": "", "ori": "UT0180000", "region": "X"}, "name"),
    ],
)
def test_a_malformed_agency_is_refused_naming_the_field(
    admin: Api, body: dict[str, Any], field: str
) -> None:
    assert_problem(admin.post("/api/v1/agencies", body), 400, field=field)


def test_an_unknown_agency_is_not_found(admin: Api) -> None:
    assert_problem(admin.get(f"/api/v1/agencies/{uuid.uuid4()}"), 404)


def test_the_agency_list_is_scoped_to_the_region(region_factory: Any, admin: Api) -> None:
    a, b = region_factory(), region_factory()
    listed = [x["id"] for x in a.coordinator.get("/api/v1/agencies").json()]
    assert a.agency_id in listed
    assert b.agency_id not in listed
    everything = [x["id"] for x in admin.get("/api/v1/agencies").json()]
    assert {a.agency_id, b.agency_id} <= set(everything)

"""The state course as seeded, and scheduling classes of it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import Region, assert_problem


def class_body(where: Region, **fields: Any) -> dict[str, Any]:
    start = date.today() + timedelta(days=14)
    return {
        "course": "CIT-40",
        "region": where.code,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=4)).isoformat(),
        "location": "Ogden Academy, Room 4",
        "capacity": 20,
        **fields,
    }


# ---- courses ------------------------------------------------------------------------------


def test_the_state_course_is_forty_hours_valid_two_years(region: Region) -> None:
    r = region.instructor.get("/api/v1/courses")
    assert r.status_code == 200, r.text
    cit = next(c for c in r.json() if c["code"] == "CIT-40")
    assert cit["total_hours"] == 40
    assert cit["validity_months"] == 24
    assert cit["min_patrol_months"] == 12
    assert cit["ce_hours_per_cycle"] == 4
    modules = cit["modules"]
    assert len(modules) >= 5
    assert sum(m["hours"] for m in modules) == 40
    assert all(m["hours"] > 0 and m["code"] and m["title"] for m in modules)
    assert len({m["code"] for m in modules}) == len(modules)
    assert all(m["required"] is True for m in modules)
    titles = " ".join(m["title"].lower() for m in modules)
    for topic in ("suicide", "de-escalation", "scenario", "substance"):
        assert topic in titles


# ---- classes ------------------------------------------------------------------------------


def test_a_coordinator_schedules_a_class(region: Region) -> None:
    body = class_body(region)
    r = region.coordinator.post("/api/v1/classes", body)
    assert r.status_code == 201, r.text
    klass = r.json()
    uuid.UUID(klass["id"])
    assert {k: klass[k] for k in body} == body
    assert klass["enrolled"] == 0
    read = region.instructor.get(f"/api/v1/classes/{klass['id']}")
    assert read.status_code == 200
    assert read.json() == klass
    assert klass["id"] in [k["id"] for k in region.instructor.get("/api/v1/classes").json()]


def test_a_course_code_is_accepted_in_lower_case(region: Region) -> None:
    r = region.coordinator.post("/api/v1/classes", class_body(region, course="cit-40"))
    assert r.status_code == 201, r.text
    assert r.json()["course"] == "CIT-40"


def test_a_one_day_class_is_allowed(region: Region) -> None:
    day = (date.today() + timedelta(days=30)).isoformat()
    r = region.coordinator.post("/api/v1/classes", class_body(region, start_date=day, end_date=day))
    assert r.status_code == 201, r.text


def test_a_class_ending_before_it_starts_is_refused(region: Region) -> None:
    start = date.today() + timedelta(days=10)
    body = class_body(
        region,
        start_date=start.isoformat(),
        end_date=(start - timedelta(days=1)).isoformat(),
    )
    assert_problem(
        region.coordinator.post("/api/v1/classes", body),
        422,
        field="end_date",
        rule="end_after_start",
    )


def test_a_class_of_an_unknown_course_is_not_found(region: Region) -> None:
    r = region.coordinator.post("/api/v1/classes", class_body(region, course="CIT-999"))
    assert_problem(r, 404, field="course")


def test_a_class_in_an_unknown_region_is_not_found(admin: Any, region: Region) -> None:
    r = admin.post("/api/v1/classes", class_body(region, region="NO-SUCH"))
    assert_problem(r, 404, field="region")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"start_date": "next monday"}, "start_date"),
        ({"end_date": None}, "end_date"),
        ({"location": ""}, "location"),
        ({"location": "   "}, "location"),
        ({"course": ""}, "course"),
    ],
)
def test_a_malformed_class_is_refused_naming_the_field(
    region: Region, fields: dict[str, Any], field: str
) -> None:
    r = region.coordinator.post("/api/v1/classes", class_body(region, **fields))
    assert_problem(r, 400, field=field)


def test_an_unknown_class_is_not_found(region: Region) -> None:
    assert_problem(region.coordinator.get(f"/api/v1/classes/{uuid.uuid4()}"), 404)
    assert_problem(region.coordinator.get(f"/api/v1/classes/{uuid.uuid4()}/roster"), 404)

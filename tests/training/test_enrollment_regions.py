"""A region owns its officers: enrollment across regions (the API and roster import through
it) answers exactly as an unknown officer does, and a class cannot be scheduled more than 18
months ahead. The console's side is in tests/console/test_region_ownership.py."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from registry.common import add_months
from tests.conftest import (
    Region,
    assert_problem,
    assert_same_problem,
    program_today,
    unique,
)
from tests.training.test_classes import class_body


@pytest.fixture
def two(region_factory: Any, course: dict[str, Any]) -> tuple[Region, Region, dict[str, Any]]:
    """Region `home` with a class; region `away` with a protected officer certified there."""
    home, away = region_factory(), region_factory()
    certified = away.certified(course, protected=True, first_name="Undercover")
    return home, away, certified


def _enroll(who: Any, class_id: str, officer_id: str) -> Any:
    return who.post(f"/api/v1/classes/{class_id}/enrollments", {"officer_id": officer_id})


def _shows(text: str, officer: dict[str, Any]) -> bool:
    return officer["post_id"] in text or officer["last_name"] in text or officer["id"] in text


def test_an_officer_of_another_region_cannot_be_enrolled_and_reads_as_unknown(
    two: tuple[Region, Region, dict[str, Any]], anonymous: Any
) -> None:
    home, away, certified = two
    officer = certified["officer"]
    klass = home.klass()
    unknown = _enroll(home.coordinator, klass["id"], str(uuid.uuid4()))
    assert_problem(unknown, 404, field="officer_id", rule="exists")
    r = _enroll(home.coordinator, klass["id"], officer["id"])
    assert_same_problem(r, unknown)
    # Nothing was enrolled: the roster, its CSV and the class page never show the officer.
    roster = home.coordinator.get(f"/api/v1/classes/{klass['id']}/roster")
    assert roster.json()["officers"] == []
    csv = home.coordinator.get(f"/api/v1/classes/{klass['id']}/roster.csv")
    assert csv.status_code == 200 and not _shows(csv.text, officer)
    # Neighbours: an unprotected, uncertified officer of another region reads the same way.
    plain = away.officer()
    assert_same_problem(_enroll(home.coordinator, klass["id"], plain["id"]), unknown)
    # The instructor may not enroll at all; the other region's coordinator not in this class.
    assert_problem(_enroll(home.instructor, klass["id"], officer["id"]), 403)
    assert_problem(_enroll(away.coordinator, klass["id"], plain["id"]), 403, rule="region_scope")
    assert_problem(_enroll(anonymous, klass["id"], plain["id"]), 401)


def test_the_administrator_may_enroll_across_regions(region_factory: Any, admin: Any) -> None:
    home, away = region_factory(), region_factory()
    officer = away.officer()
    klass = home.klass()
    r = _enroll(admin, klass["id"], officer["id"])
    assert r.status_code == 201, r.text
    roster = home.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()
    assert [o["officer_id"] for o in roster["officers"]] == [officer["id"]]


def test_an_officer_of_the_home_region_is_still_told_apart(
    region: Region, course: dict[str, Any]
) -> None:
    """Within the region the rules still explain themselves (already certified, until when)."""
    certified = region.certified(course)
    r = _enroll(region.coordinator, region.klass()["id"], certified["officer"]["id"])
    assert_problem(r, 422, field="officer_id", rule="already_certified")


def _roster_csv(who: Any, class_id: str, body: str) -> Any:
    return who.post(
        f"/api/v1/classes/{class_id}/imports/roster",
        content=body.encode(),
        headers={"Content-Type": "text/csv"},
    )


def test_a_refused_import_row_does_not_say_whether_another_regions_officer_is_certified(
    two: tuple[Region, Region, dict[str, Any]],
) -> None:
    home, _, certified = two
    officer = certified["officer"]
    klass = home.klass()
    never = unique("P")
    r = _roster_csv(home.coordinator, klass["id"], f"post_id\n{officer['post_id']}\n{never}\n")
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 0 and r.json()["skipped"] == []
    rows = r.json()["refused"]
    reasons = [row["reason"] for row in rows]
    # Both rows read alike, the POST id aside: no "certified", no date.
    assert reasons == [
        f"No officer with POST id {officer['post_id']}.",
        f"No officer with POST id {never}.",
    ]
    assert "certif" not in r.text.lower()
    assert not re.search(r"\d{4}-\d{2}-\d{2}", r.text)
    assert home.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()["officers"] == []


# ---- how far ahead a class may be scheduled ------------------------------------------------


def _class(region: Region, start: date) -> Any:
    body = class_body(
        region, start_date=start.isoformat(), end_date=(start + timedelta(days=4)).isoformat()
    )
    return region.coordinator.post("/api/v1/classes", body)


def test_a_class_may_be_scheduled_up_to_18_months_ahead_and_no_further(region: Region) -> None:
    horizon = add_months(program_today(), 18)
    assert _class(region, horizon).status_code == 201
    r = _class(region, horizon + timedelta(days=1))
    body = assert_problem(r, 422, field="start_date", rule="schedule_horizon")
    assert "18 months" in body["detail"]
    assert_problem(_class(region, date(9999, 1, 1)), 422, field="start_date")

"""Continuing-education records: who may record them, what is refused, what is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Region, program_today
from tests.renewals.conftest import audit_actions


def _ce(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Mental health update",
        "hours": 2,
        "completed_on": program_today().isoformat(),
        **fields,
    }


def test_coordinator_records_ce_and_staff_of_the_region_list_it(
    region: Region, engine: sa.Engine
) -> None:
    officer = region.officer()
    r = region.coordinator.post(f"/api/v1/officers/{officer['id']}/ce", _ce(hours=2.5))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["id"]
    assert created["course"] == "CIT-40"  # the default
    assert created["hours"] == 2.5
    assert created["recorded_by"]  # who
    assert created["recorded_at"]  # and when
    assert "ce.record" in audit_actions(engine, created["id"])

    listed = region.instructor.get(f"/api/v1/officers/{officer['id']}/ce")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [created["id"]]


@pytest.mark.parametrize("hours", [0, -1, 40.5])
def test_ce_hours_must_be_above_zero_and_at_most_forty(region: Region, hours: float) -> None:
    officer = region.officer()
    r = region.coordinator.post(f"/api/v1/officers/{officer['id']}/ce", _ce(hours=hours))
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "hours"


def test_ce_completed_in_the_future_is_refused(region: Region) -> None:
    officer = region.officer()
    # The program's tomorrow: in Denver's evening it is UTC's today, and still refused.
    tomorrow = (program_today() + timedelta(days=1)).isoformat()
    r = region.coordinator.post(f"/api/v1/officers/{officer['id']}/ce", _ce(completed_on=tomorrow))
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "completed_on"
    assert region.coordinator.get(f"/api/v1/officers/{officer['id']}/ce").json() == []


def test_ce_for_an_unknown_course_names_the_course(region: Region) -> None:
    officer = region.officer()
    r = region.coordinator.post(f"/api/v1/officers/{officer['id']}/ce", _ce(course="NOPE-1"))
    assert r.status_code == 404, r.text
    assert r.json()["field"] == "course"


def test_instructors_cannot_record_ce(region: Region) -> None:
    officer = region.officer()
    r = region.instructor.post(f"/api/v1/officers/{officer['id']}/ce", _ce())
    assert r.status_code == 403, r.text


def test_another_regions_coordinator_cannot_record_or_read_ce(
    region: Region, region_factory: Any
) -> None:
    officer = region.officer()
    other = region_factory()
    # To another region the officer is unknown: the same 404 as a made-up id.
    r = other.coordinator.post(f"/api/v1/officers/{officer['id']}/ce", _ce())
    assert r.status_code == 404, r.text
    assert other.coordinator.get(f"/api/v1/officers/{officer['id']}/ce").status_code == 404
    # An administrator acts statewide.
    assert region.admin.post(f"/api/v1/officers/{officer['id']}/ce", _ce()).status_code == 201

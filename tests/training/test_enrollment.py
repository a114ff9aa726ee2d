"""Who may enrol in a class: patrol experience, seats, no double enrolment, no re-certification."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from tests.conftest import Region, assert_problem, graduate


def enrol(region: Region, class_id: str, officer_id: str) -> Any:
    return region.coordinator.post(
        f"/api/v1/classes/{class_id}/enrollments", {"officer_id": officer_id}
    )


def class_start() -> date:
    """A start date next week whose day exists in every month, so "a year before" is exact."""
    start = date.today() + timedelta(days=7)
    while start.day > 28:
        start += timedelta(days=1)
    return start


def test_a_patrol_officer_enrols(region: Region) -> None:
    klass = region.klass()
    officer = region.officer()
    r = enrol(region, klass["id"], officer["id"])
    assert r.status_code == 201, r.text
    body = r.json()
    uuid.UUID(body["id"])
    assert body["class_id"] == klass["id"]
    assert body["officer_id"] == officer["id"]
    assert region.coordinator.get(f"/api/v1/classes/{klass['id']}").json()["enrolled"] == 1
    roster = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()
    assert [o["officer_id"] for o in roster["officers"]] == [officer["id"]]


def test_a_recruit_without_patrol_experience_cannot_enrol(region: Region) -> None:
    klass = region.klass()
    recruit = region.officer(months_on_patrol=6)
    body = assert_problem(
        enrol(region, klass["id"], recruit["id"]), 422, field="officer_id", rule="patrol_experience"
    )
    assert "12 months" in body["detail"]
    assert region.coordinator.get(f"/api/v1/classes/{klass['id']}").json()["enrolled"] == 0


def test_exactly_twelve_months_of_patrol_at_class_start_is_enough(region: Region) -> None:
    start = class_start()
    klass = region.klass(
        start_date=start.isoformat(), end_date=(start + timedelta(days=4)).isoformat()
    )
    year_before = start.replace(year=start.year - 1)
    officer = region.officer(patrol_start_date=year_before.isoformat())
    assert enrol(region, klass["id"], officer["id"]).status_code == 201

    one_day_short = region.officer(patrol_start_date=(year_before + timedelta(days=1)).isoformat())
    assert_problem(enrol(region, klass["id"], one_day_short["id"]), 422, rule="patrol_experience")


def test_patrol_experience_counts_until_the_class_starts_not_today(region: Region) -> None:
    # Ten months on patrol today, but a class starting in three months: enough by then.
    start = date.today() + timedelta(days=95)
    klass = region.klass(
        start_date=start.isoformat(), end_date=(start + timedelta(days=4)).isoformat()
    )
    officer = region.officer(patrol_start_date=(date.today() - timedelta(days=305)).isoformat())
    assert enrol(region, klass["id"], officer["id"]).status_code == 201


def test_a_full_class_refuses_the_next_officer(region: Region) -> None:
    klass = region.klass(capacity=2)
    first, second, third = region.officer(), region.officer(), region.officer()
    assert enrol(region, klass["id"], first["id"]).status_code == 201
    assert enrol(region, klass["id"], second["id"]).status_code == 201
    body = assert_problem(enrol(region, klass["id"], third["id"]), 422, rule="capacity")
    assert body["field"] == "officer_id"
    assert region.coordinator.get(f"/api/v1/classes/{klass['id']}").json()["enrolled"] == 2


def test_an_officer_cannot_enrol_twice_in_one_class(region: Region) -> None:
    klass = region.klass()
    officer = region.officer()
    assert enrol(region, klass["id"], officer["id"]).status_code == 201
    assert_problem(
        enrol(region, klass["id"], officer["id"]), 422, field="officer_id", rule="already_enrolled"
    )


def test_an_officer_holding_a_valid_certification_cannot_enrol_again(
    region: Region, course: dict[str, Any]
) -> None:
    officer = region.officer()
    first = region.klass()
    graduate(region, course, first["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{first['id']}/certify", {})
    assert r.status_code == 200, r.text
    assert len(r.json()["issued"]) == 1
    second = region.klass()
    body = assert_problem(
        enrol(region, second["id"], officer["id"]),
        422,
        field="officer_id",
        rule="already_certified",
    )
    assert "CIT-40" in body["detail"]


def test_an_officer_whose_certification_was_revoked_may_retrain(
    region: Region, course: dict[str, Any]
) -> None:
    officer = region.officer()
    first = region.klass()
    graduate(region, course, first["id"], officer["id"])
    issued = region.coordinator.post(f"/api/v1/classes/{first['id']}/certify", {}).json()["issued"]
    r = region.coordinator.post(
        f"/api/v1/credentials/{issued[0]['credential_id']}/revoke", {"reason": "Roster fraud"}
    )
    assert r.status_code == 200, r.text
    second = region.klass()
    assert enrol(region, second["id"], officer["id"]).status_code == 201


def test_an_unknown_officer_is_not_found(region: Region) -> None:
    klass = region.klass()
    assert_problem(enrol(region, klass["id"], str(uuid.uuid4())), 404, field="officer_id")


def test_an_unknown_class_is_not_found(region: Region) -> None:
    officer = region.officer()
    assert_problem(enrol(region, str(uuid.uuid4()), officer["id"]), 404)


def test_a_malformed_enrolment_is_refused_naming_the_field(region: Region) -> None:
    klass = region.klass()
    path = f"/api/v1/classes/{klass['id']}/enrollments"
    assert_problem(region.coordinator.post(path, {"officer_id": "123"}), 400, field="officer_id")
    assert_problem(region.coordinator.post(path, {}), 400, field="officer_id")

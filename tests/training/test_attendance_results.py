"""Attendance per module and exam results: set by staff, checked, all-or-nothing, attributed."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from registry.tables.accounts import ApiToken
from registry.tables.training import Attendance
from tests.conftest import Api, Region, assert_problem, full_attendance, graduate


def user_id_of(engine: sa.Engine, api: Api) -> str:
    assert api.token is not None
    digest = hashlib.sha256(api.token.encode()).hexdigest()
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).one()
    return str(row.user_id)


@pytest.fixture
def enrolled(region: Region) -> tuple[Region, dict[str, Any], dict[str, Any]]:
    klass = region.klass()
    officer = region.officer()
    r = region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}
    )
    assert r.status_code == 201, r.text
    return region, klass, officer


def entry(region: Region, class_id: str, officer_id: str) -> dict[str, Any]:
    r = region.coordinator.get(f"/api/v1/classes/{class_id}/roster")
    assert r.status_code == 200, r.text
    return next(o for o in r.json()["officers"] if o["officer_id"] == officer_id)


def attend(api: Api, class_id: str, records: list[dict[str, Any]]) -> Any:
    return api.post(f"/api/v1/classes/{class_id}/attendance", {"records": records})


def results(api: Api, class_id: str, records: list[dict[str, Any]]) -> Any:
    return api.post(f"/api/v1/classes/{class_id}/results", {"records": records})


# ---- attendance ---------------------------------------------------------------------------


def test_attendance_sets_the_hours_rather_than_adding_them(enrolled: Any) -> None:
    region, klass, officer = enrolled
    rec = {"officer_id": officer["id"], "module": "MH-ILL"}
    r = attend(region.instructor, klass["id"], [{**rec, "hours": 3}])
    assert r.status_code == 200, r.text
    assert r.json() == {"saved": 1}
    assert attend(region.instructor, klass["id"], [{**rec, "hours": 2}]).status_code == 200
    got = entry(region, klass["id"], officer["id"])
    assert got["module_hours"] == {"MH-ILL": 2}
    assert got["hours"] == 2


def test_a_module_code_is_accepted_in_any_case(enrolled: Any) -> None:
    region, klass, officer = enrolled
    r = attend(
        region.instructor,
        klass["id"],
        [{"officer_id": officer["id"], "module": "de-esc", "hours": 1.5}],
    )
    assert r.status_code == 200, r.text
    assert entry(region, klass["id"], officer["id"])["module_hours"] == {"DE-ESC": 1.5}


def test_hours_beyond_the_module_are_refused(enrolled: Any, course: dict[str, Any]) -> None:
    region, klass, officer = enrolled
    module = course["modules"][0]
    records = [
        {"officer_id": officer["id"], "module": course["modules"][1]["code"], "hours": 1},
        {"officer_id": officer["id"], "module": module["code"], "hours": module["hours"] + 0.5},
    ]
    body = assert_problem(
        attend(region.instructor, klass["id"], records),
        422,
        field="records[1].hours",
        rule="max_module_hours",
    )
    assert module["code"] in body["detail"]
    assert entry(region, klass["id"], officer["id"])["hours"] == 0


def test_attendance_for_an_officer_not_enrolled_is_refused(
    enrolled: Any, course: dict[str, Any]
) -> None:
    region, klass, officer = enrolled
    outsider = region.officer()
    records = [
        {"officer_id": officer["id"], "module": "LAW", "hours": 2},
        {"officer_id": outsider["id"], "module": "LAW", "hours": 2},
    ]
    assert_problem(
        attend(region.instructor, klass["id"], records),
        422,
        field="records[1].officer_id",
        rule="enrolled",
    )


def test_attendance_for_an_unknown_module_is_refused(enrolled: Any) -> None:
    region, klass, officer = enrolled
    r = attend(
        region.instructor,
        klass["id"],
        [{"officer_id": officer["id"], "module": "YOGA", "hours": 1}],
    )
    assert_problem(r, 422, field="records[0].module", rule="module_exists")


def test_a_batch_with_one_bad_record_saves_nothing(enrolled: Any, course: dict[str, Any]) -> None:
    region, klass, officer = enrolled
    good = full_attendance(course, officer["id"])
    bad = {"officer_id": officer["id"], "module": "SITE", "hours": 99}
    r = attend(region.instructor, klass["id"], [*good[:-1], bad])
    assert_problem(r, 422, field=f"records[{len(good) - 1}].hours")
    got = entry(region, klass["id"], officer["id"])
    assert got["module_hours"] == {}
    assert got["hours"] == 0


def test_the_same_module_twice_in_one_batch_is_refused(enrolled: Any) -> None:
    region, klass, officer = enrolled
    rec = {"officer_id": officer["id"], "module": "LAW", "hours": 1}
    assert_problem(
        attend(region.instructor, klass["id"], [rec, {**rec, "module": "law"}]),
        400,
        field="records[1]",
    )


@pytest.mark.parametrize(
    ("record", "field_prefix"),
    [
        ({"module": "LAW", "hours": -1}, "records"),
        ({"module": "LAW", "hours": "two"}, "records"),
        ({"module": "", "hours": 1}, "records"),
        ({"module": "LAW"}, "records"),
    ],
)
def test_malformed_attendance_is_a_schema_error(
    enrolled: Any, record: dict[str, Any], field_prefix: str
) -> None:
    region, klass, officer = enrolled
    r = attend(region.instructor, klass["id"], [{"officer_id": officer["id"], **record}])
    body = assert_problem(r, 400)
    assert body["field"].startswith(field_prefix), body
    assert entry(region, klass["id"], officer["id"])["hours"] == 0


def test_an_empty_or_missing_batch_is_refused(enrolled: Any) -> None:
    region, klass, _ = enrolled
    assert_problem(attend(region.instructor, klass["id"], []), 400, field="records")
    assert_problem(
        region.instructor.post(f"/api/v1/classes/{klass['id']}/attendance", {}),
        400,
        field="records",
    )


def test_attendance_keeps_who_recorded_it_and_when(enrolled: Any, engine: sa.Engine) -> None:
    region, klass, officer = enrolled
    r = attend(
        region.instructor, klass["id"], [{"officer_id": officer["id"], "module": "LAW", "hours": 2}]
    )
    assert r.status_code == 200, r.text
    with Session(engine) as session:
        row = session.exec(
            select(Attendance).where(
                Attendance.class_id == uuid.UUID(klass["id"]),
                Attendance.officer_id == uuid.UUID(officer["id"]),
            )
        ).one()
    assert str(row.recorded_by) == user_id_of(engine, region.instructor)
    assert abs(datetime.now(UTC) - row.recorded_at.astimezone(UTC)) < timedelta(minutes=5)
    assert row.hours == 2


# ---- results ------------------------------------------------------------------------------


def test_results_are_recorded_and_shown_on_the_roster(enrolled: Any) -> None:
    region, klass, officer = enrolled
    r = results(
        region.instructor, klass["id"], [{"officer_id": officer["id"], "written_exam": "pass"}]
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"saved": 1}
    got = entry(region, klass["id"], officer["id"])
    assert (got["written_exam"], got["scenario_evaluation"]) == ("pass", None)
    r = results(
        region.instructor,
        klass["id"],
        [{"officer_id": officer["id"], "scenario_evaluation": "fail"}],
    )
    assert r.status_code == 200, r.text
    got = entry(region, klass["id"], officer["id"])
    assert (got["written_exam"], got["scenario_evaluation"]) == ("pass", "fail")
    r = results(
        region.instructor,
        klass["id"],
        [{"officer_id": officer["id"], "scenario_evaluation": "pass"}],
    )
    got = entry(region, klass["id"], officer["id"])
    assert (got["written_exam"], got["scenario_evaluation"]) == ("pass", "pass")


@pytest.mark.parametrize("value", ["passed", "PASS", "maybe", 1, True, ""])
def test_an_invalid_result_value_is_a_schema_error(enrolled: Any, value: Any) -> None:
    region, klass, officer = enrolled
    r = results(
        region.instructor, klass["id"], [{"officer_id": officer["id"], "written_exam": value}]
    )
    body = assert_problem(r, 400)
    assert "written_exam" in body["field"], body
    assert entry(region, klass["id"], officer["id"])["written_exam"] is None


def test_a_result_record_without_any_result_is_refused(enrolled: Any) -> None:
    region, klass, officer = enrolled
    r = results(region.instructor, klass["id"], [{"officer_id": officer["id"]}])
    assert_problem(r, 400, field="records[0]")


def test_results_for_an_officer_not_enrolled_are_refused(enrolled: Any) -> None:
    region, klass, officer = enrolled
    outsider = region.officer()
    records = [
        {"officer_id": officer["id"], "written_exam": "pass"},
        {"officer_id": outsider["id"], "written_exam": "pass"},
    ]
    assert_problem(
        results(region.instructor, klass["id"], records), 422, field="records[1].officer_id"
    )
    assert entry(region, klass["id"], officer["id"])["written_exam"] is None


def test_records_of_a_certified_officer_are_closed(region: Region, course: dict[str, Any]) -> None:
    klass = region.klass()
    officer = region.officer()
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    r = attend(
        region.instructor, klass["id"], [{"officer_id": officer["id"], "module": "LAW", "hours": 0}]
    )
    assert_problem(r, 422, field="records[0].officer_id", rule="already_certified")
    r = results(
        region.instructor, klass["id"], [{"officer_id": officer["id"], "written_exam": "fail"}]
    )
    assert_problem(r, 422, field="records[0].officer_id", rule="already_certified")
    got = entry(region, klass["id"], officer["id"])
    assert got["written_exam"] == "pass"
    assert got["hours"] == 40

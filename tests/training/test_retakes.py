"""A retake of a failed evaluation: the first result stays in the history (roster and
`GET /classes/{id}/results`), the retake decides eligibility, each attempt is audited, and the
history is the class region's alone."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.tables.audit import AuditEntry
from tests.conftest import Api, Region, assert_problem, assert_same_problem, full_attendance


def _enrolled_and_attended(region: Region, course: dict[str, Any]) -> tuple[str, str]:
    klass = region.klass()
    officer = region.officer()
    base = f"/api/v1/classes/{klass['id']}"
    assert region.coordinator.post(f"{base}/enrollments", {"officer_id": officer["id"]}).is_success
    r = region.instructor.post(
        f"{base}/attendance", {"records": full_attendance(course, officer["id"])}
    )
    assert r.status_code == 200, r.text
    return klass["id"], officer["id"]


def _results(api: Api, class_id: str, officer_id: str, **marks: str) -> None:
    r = api.post(
        f"/api/v1/classes/{class_id}/results", {"records": [{"officer_id": officer_id, **marks}]}
    )
    assert r.status_code == 200, r.text


def _entry(region: Region, class_id: str, officer_id: str) -> dict[str, Any]:
    r = region.coordinator.get(f"/api/v1/classes/{class_id}/roster")
    assert r.status_code == 200, r.text
    found: dict[str, Any] = next(o for o in r.json()["officers"] if o["officer_id"] == officer_id)
    return found


def test_a_retake_keeps_the_failed_first_result_and_decides_eligibility(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    class_id, officer_id = _enrolled_and_attended(region, course)
    _results(
        region.instructor, class_id, officer_id, written_exam="pass", scenario_evaluation="fail"
    )
    failed = _entry(region, class_id, officer_id)
    assert failed["eligible"] is False
    assert "Scenario evaluation not passed." in failed["reasons"]

    # The same result sent again is no new attempt.
    _results(region.instructor, class_id, officer_id, scenario_evaluation="fail")
    _results(region.instructor, class_id, officer_id, scenario_evaluation="pass")

    after = _entry(region, class_id, officer_id)
    assert after["eligible"] is True, after["reasons"]
    assert after["scenario_evaluation"] == "pass"
    history = [(a["evaluation"], a["attempt"], a["outcome"]) for a in after["result_history"]]
    assert sorted(history) == [
        ("scenario_evaluation", 1, "fail"),
        ("scenario_evaluation", 2, "pass"),
        ("written_exam", 1, "pass"),
    ]
    r = region.coordinator.get(f"/api/v1/classes/{class_id}/results")
    assert r.status_code == 200, r.text
    assert r.json() == after["result_history"]
    scenario = [a for a in r.json() if a["evaluation"] == "scenario_evaluation"]
    assert [a["outcome"] for a in scenario] == ["fail", "pass"]  # in the order recorded

    with Session(engine) as session:
        audited = [
            e.after
            for e in session.exec(
                select(AuditEntry)
                .where(AuditEntry.entity_id == class_id, AuditEntry.action == "results.set")
                .order_by(col(AuditEntry.id))
            )
        ]
    assert [a and a.get("scenario_evaluation_attempt") for a in audited] == [1, None, 2]
    assert audited[-1] is not None and audited[-1]["scenario_evaluation"] == "pass"


def test_the_result_history_is_the_class_regions_alone(
    region_factory: Any, course: dict[str, Any], anonymous: Api
) -> None:
    home, other = region_factory(), region_factory()
    class_id, officer_id = _enrolled_and_attended(home, course)
    _results(home.instructor, class_id, officer_id, written_exam="fail")
    unknown = home.coordinator.get("/api/v1/classes/00000000-0000-4000-8000-000000000000/results")
    assert_problem(unknown, 404)
    for stranger in (other.coordinator, other.instructor):
        # Another region's class answers as its roster does (403 naming the region rule, as
        # every class route has answered so far); never its history.
        refused = stranger.get(f"/api/v1/classes/{class_id}/results")
        assert_problem(refused, (403, 404))
        assert "written_exam" not in refused.text
        assert_same_problem(refused, stranger.get(f"/api/v1/classes/{class_id}/roster"))
    assert anonymous.get(f"/api/v1/classes/{class_id}/results").status_code == 401

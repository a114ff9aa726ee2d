"""The roster's verdict per officer, and certifying the eligible ones (idempotently)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.tables.credentials import Credential
from tests.conftest import Region, full_attendance, graduate

PASS = {"written_exam": "pass", "scenario_evaluation": "pass"}


def roster(region: Region, class_id: str) -> dict[str, Any]:
    r = region.coordinator.get(f"/api/v1/classes/{class_id}/roster")
    assert r.status_code == 200, r.text
    return dict(r.json())


def entry(region: Region, class_id: str, officer_id: str) -> dict[str, Any]:
    return next(o for o in roster(region, class_id)["officers"] if o["officer_id"] == officer_id)


def enrol(region: Region, class_id: str, officer_id: str) -> None:
    r = region.coordinator.post(
        f"/api/v1/classes/{class_id}/enrollments", {"officer_id": officer_id}
    )
    assert r.status_code == 201, r.text


def certify(region: Region, class_id: str, body: Any = None) -> dict[str, Any]:
    r = region.coordinator.post(f"/api/v1/classes/{class_id}/certify", body or {})
    assert r.status_code == 200, r.text
    return dict(r.json())


def credentials_of_class(engine: sa.Engine, class_id: str) -> list[Credential]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Credential)
                .where(Credential.class_id == uuid.UUID(class_id))
                .order_by(col(Credential.id))
            )
        )


# ---- roster -------------------------------------------------------------------------------


def test_a_new_enrolee_is_listed_with_everything_missing(
    region: Region, course: dict[str, Any]
) -> None:
    klass = region.klass()
    officer = region.officer(first_name="Ada", last_name="Quinn")
    enrol(region, klass["id"], officer["id"])
    body = roster(region, klass["id"])
    assert body["class_id"] == klass["id"]
    assert body["course"] == "CIT-40"
    assert body["total_hours"] == 40
    got = body["officers"][0]
    assert got["officer_id"] == officer["id"]
    assert got["post_id"] == officer["post_id"]
    assert got["name"] == "Ada Quinn"
    assert got["hours"] == 0
    assert got["missing_modules"] == [m["code"] for m in course["modules"]]
    assert got["written_exam"] is None
    assert got["scenario_evaluation"] is None
    assert got["eligible"] is False
    assert got["credential_id"] is None
    reasons = " ".join(got["reasons"])
    assert "Written exam result not recorded." in got["reasons"]
    assert "Scenario evaluation result not recorded." in got["reasons"]
    assert "0 of 40 hours" in reasons
    assert all(r.endswith(".") and r[0].isupper() for r in got["reasons"])


def test_the_roster_names_each_shortfall(region: Region, course: dict[str, Any]) -> None:
    klass = region.klass()
    officer = region.officer()
    enrol(region, klass["id"], officer["id"])
    records = full_attendance(course, officer["id"])
    short = records[0]
    records[0] = {**short, "hours": short["hours"] - 1}
    r = region.instructor.post(f"/api/v1/classes/{klass['id']}/attendance", {"records": records})
    assert r.status_code == 200, r.text
    r = region.instructor.post(
        f"/api/v1/classes/{klass['id']}/results",
        {
            "records": [
                {"officer_id": officer["id"], "written_exam": "fail", "scenario_evaluation": "pass"}
            ]
        },
    )
    assert r.status_code == 200, r.text
    got = entry(region, klass["id"], officer["id"])
    assert got["hours"] == 39
    assert got["missing_modules"] == [short["module"]]
    assert got["eligible"] is False
    assert any(short["module"] in r and "of" in r for r in got["reasons"])
    assert "Total attendance 39 of 40 hours." in got["reasons"]
    assert "Written exam not passed." in got["reasons"]
    assert not any("Scenario" in r for r in got["reasons"])


def test_a_graduate_is_eligible_with_no_reasons(region: Region, course: dict[str, Any]) -> None:
    klass = region.klass()
    officer = region.officer()
    graduate(region, course, klass["id"], officer["id"])
    got = entry(region, klass["id"], officer["id"])
    assert got["hours"] == 40
    assert got["missing_modules"] == []
    assert got["written_exam"] == "pass"
    assert got["scenario_evaluation"] == "pass"
    assert got["eligible"] is True
    assert got["reasons"] == []
    assert got["credential_id"] is None


def test_the_roster_shows_the_credential_once_certified(
    region: Region, course: dict[str, Any]
) -> None:
    klass = region.klass()
    officer = region.officer()
    graduate(region, course, klass["id"], officer["id"])
    issued = certify(region, klass["id"])["issued"]
    got = entry(region, klass["id"], officer["id"])
    assert got["credential_id"] == issued[0]["credential_id"]


# ---- certify ------------------------------------------------------------------------------


def test_certify_issues_to_every_eligible_officer_and_lists_the_rest(
    region: Region, course: dict[str, Any]
) -> None:
    klass = region.klass()
    a, b, failing = region.officer(), region.officer(), region.officer()
    graduate(region, course, klass["id"], a["id"])
    graduate(region, course, klass["id"], b["id"])
    enrol(region, klass["id"], failing["id"])
    body = certify(region, klass["id"])
    issued = {i["officer_id"]: i for i in body["issued"]}
    assert set(issued) == {a["id"], b["id"]}
    for item in issued.values():
        assert item["token"].count(".") == 2
        assert item["verify_url"].endswith(f"/c/{item['credential_id']}")
        assert "/wallet/" in item["wallet_url"]
    assert [s["officer_id"] for s in body["skipped"]] == [failing["id"]]
    assert body["skipped"][0]["reasons"] == entry(region, klass["id"], failing["id"])["reasons"]
    record = region.coordinator.get(f"/api/v1/credentials/{issued[a['id']]['credential_id']}")
    assert record.status_code == 200
    assert record.json()["status"] == "active"
    assert record.json()["class_id"] == klass["id"]


def test_certify_a_chosen_subset(region: Region, course: dict[str, Any]) -> None:
    klass = region.klass()
    a, b = region.officer(), region.officer()
    graduate(region, course, klass["id"], a["id"])
    graduate(region, course, klass["id"], b["id"])
    body = certify(region, klass["id"], {"officer_ids": [a["id"]]})
    assert [i["officer_id"] for i in body["issued"]] == [a["id"]]
    assert body["skipped"] == []
    assert entry(region, klass["id"], b["id"])["credential_id"] is None
    stranger = str(uuid.uuid4())
    body = certify(region, klass["id"], {"officer_ids": [b["id"], stranger]})
    assert [i["officer_id"] for i in body["issued"]] == [b["id"]]
    assert body["skipped"] == [{"officer_id": stranger, "reasons": ["Not enrolled in this class."]}]


def test_certifying_again_returns_the_same_credentials_and_issues_nothing_new(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    klass = region.klass()
    a, b = region.officer(), region.officer()
    graduate(region, course, klass["id"], a["id"])
    graduate(region, course, klass["id"], b["id"])
    first = certify(region, klass["id"])
    stored = [(c.id, c.token) for c in credentials_of_class(engine, klass["id"])]
    assert len(stored) == 2
    second = certify(region, klass["id"])
    key = lambda i: i["officer_id"]  # noqa: E731
    assert sorted(second["issued"], key=key) == sorted(first["issued"], key=key)
    third = certify(region, klass["id"], {"officer_ids": [a["id"]]})
    assert third["issued"] == [next(i for i in first["issued"] if i["officer_id"] == a["id"])]
    assert [(c.id, c.token) for c in credentials_of_class(engine, klass["id"])] == stored


def test_a_class_where_nobody_is_eligible_issues_nothing(region: Region, engine: sa.Engine) -> None:
    klass = region.klass()
    a, b = region.officer(), region.officer()
    enrol(region, klass["id"], a["id"])
    enrol(region, klass["id"], b["id"])
    r = region.instructor.post(
        f"/api/v1/classes/{klass['id']}/results",
        {"records": [{"officer_id": a["id"], **PASS}]},
    )
    assert r.status_code == 200, r.text
    body = certify(region, klass["id"])
    assert body["issued"] == []
    assert {s["officer_id"] for s in body["skipped"]} == {a["id"], b["id"]}
    assert all(s["reasons"] for s in body["skipped"])
    assert credentials_of_class(engine, klass["id"]) == []


def test_an_empty_class_certifies_nothing(region: Region) -> None:
    klass = region.klass()
    assert certify(region, klass["id"]) == {"issued": [], "skipped": []}
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify")
    assert r.status_code == 200, r.text
    assert r.json() == {"issued": [], "skipped": []}


def test_certify_with_a_malformed_officer_list_is_refused(region: Region) -> None:
    klass = region.klass()
    r = region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/certify", {"officer_ids": ["not-a-uuid"]}
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"].startswith("officer_ids")


def test_an_officer_certified_in_another_class_meanwhile_is_not_certified_twice(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    # Enrolled in two classes before holding any certification, so enrolment could not refuse.
    officer = region.officer()
    first, second = region.klass(), region.klass()
    enrol(region, second["id"], officer["id"])
    graduate(region, course, first["id"], officer["id"])
    r = region.instructor.post(
        f"/api/v1/classes/{second['id']}/attendance",
        {"records": full_attendance(course, officer["id"])},
    )
    assert r.status_code == 200, r.text
    r = region.instructor.post(
        f"/api/v1/classes/{second['id']}/results",
        {"records": [{"officer_id": officer["id"], **PASS}]},
    )
    assert r.status_code == 200, r.text
    held = certify(region, first["id"])["issued"][0]

    got = entry(region, second["id"], officer["id"])
    assert got["eligible"] is False
    assert any(r.startswith("Already holds a valid CIT-40 certification") for r in got["reasons"])
    body = certify(region, second["id"])
    assert body["issued"] == []
    assert [s["officer_id"] for s in body["skipped"]] == [officer["id"]]
    assert credentials_of_class(engine, second["id"]) == []
    # The first class still answers with its credential, unchanged.
    assert certify(region, first["id"])["issued"] == [held]
    assert entry(region, first["id"], officer["id"])["eligible"] is True

    # Once that certification is revoked, the second class may certify the officer.
    r = region.coordinator.post(
        f"/api/v1/credentials/{held['credential_id']}/revoke", {"reason": "Issued in error"}
    )
    assert r.status_code == 200, r.text
    assert entry(region, second["id"], officer["id"])["eligible"] is True
    assert [i["officer_id"] for i in certify(region, second["id"])["issued"]] == [officer["id"]]

"""Officers: registration by POST id, search, edits, and transfers between agencies."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from registry.dates import long_date
from tests.conftest import (
    Region,
    assert_problem,
    assert_same_problem,
    graduate,
    program_today,
    unique,
)


def body_for(region: Region, **fields: Any) -> dict[str, Any]:
    return {
        "post_id": unique("P"),
        "first_name": "Maria",
        "last_name": unique("Lopez"),
        "agency_id": region.agency_id,
        "patrol_start_date": "2018-03-15",
        **fields,
    }


def new_agency(region: Region) -> str:
    r = region.coordinator.post(
        "/api/v1/agencies",
        {
            "name": unique("Sheriff "),
            "ori": "UT" + uuid.uuid4().hex[:7].upper(),
            "region": region.code,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# ---- create -------------------------------------------------------------------------------


def test_a_coordinator_registers_an_officer_with_a_first_employment(region: Region) -> None:
    body = body_for(region, email="maria@example.org")
    r = region.coordinator.post("/api/v1/officers", body)
    assert r.status_code == 201, r.text
    officer = r.json()
    uuid.UUID(officer["id"])
    assert officer["post_id"] == body["post_id"]
    assert officer["first_name"] == "Maria"
    assert officer["email"] == "maria@example.org"
    assert officer["protected"] is False
    assert officer["agency_id"] == region.agency_id
    assert officer["region"] == region.code
    assert officer["employments"] == [
        {
            "agency_id": region.agency_id,
            "agency_name": f"Police {region.code}",
            "ori": officer["employments"][0]["ori"],
            "start_date": "2018-03-15",
            "end_date": None,
        }
    ]
    assert "wallet_key" not in officer
    read = region.instructor.get(f"/api/v1/officers/{officer['id']}")
    assert read.status_code == 200
    assert read.json() == officer


def test_a_post_id_is_unique(region: Region, region_factory: Any) -> None:
    post_id = unique("P")
    assert (
        region.coordinator.post("/api/v1/officers", body_for(region, post_id=post_id)).status_code
        == 201
    )
    r = region.coordinator.post("/api/v1/officers", body_for(region, post_id=post_id))
    assert_problem(r, 409, field="post_id", rule="unique")
    other = region_factory()
    r = other.coordinator.post("/api/v1/officers", body_for(other, post_id=post_id.lower()))
    assert_problem(r, 409, field="post_id")


def test_an_officer_at_an_unknown_agency_is_not_found(region: Region) -> None:
    r = region.coordinator.post("/api/v1/officers", body_for(region, agency_id=str(uuid.uuid4())))
    assert_problem(r, 404, field="agency_id")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"patrol_start_date": "15/03/2018"}, "patrol_start_date"),
        ({"patrol_start_date": "2018-02-30"}, "patrol_start_date"),
        ({"patrol_start_date": 20180315}, "patrol_start_date"),
        ({"agency_id": "not-a-uuid"}, "agency_id"),
        ({"agency_id": 42}, "agency_id"),
        ({"post_id": ""}, "post_id"),
        ({"post_id": "P" * 33}, "post_id"),
        ({"post_id": "UT 12/34"}, "post_id"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": "Tab\there"}, "first_name"),
        ({"email": "not an email"}, "email"),
        ({"protected": "sometimes"}, "protected"),
    ],
)
def test_a_malformed_officer_is_refused_naming_the_field(
    region: Region, fields: dict[str, Any], field: str
) -> None:
    r = region.coordinator.post("/api/v1/officers", body_for(region, **fields))
    assert_problem(r, 400, field=field)


@pytest.mark.parametrize(
    "missing", ["post_id", "first_name", "last_name", "agency_id", "patrol_start_date"]
)
def test_a_missing_required_field_is_named(region: Region, missing: str) -> None:
    body = body_for(region)
    del body[missing]
    assert_problem(region.coordinator.post("/api/v1/officers", body), 400, field=missing)


def test_a_patrol_start_in_the_future_is_refused(region: Region) -> None:
    tomorrow = (program_today() + timedelta(days=1)).isoformat()
    r = region.coordinator.post("/api/v1/officers", body_for(region, patrol_start_date=tomorrow))
    assert_problem(r, 422, field="patrol_start_date", rule="not_future")


def test_an_unknown_officer_is_not_found(region: Region) -> None:
    assert_problem(region.coordinator.get(f"/api/v1/officers/{uuid.uuid4()}"), 404)


# ---- search -------------------------------------------------------------------------------


def test_officers_are_found_by_post_id_and_by_name_within_the_region(
    region: Region, region_factory: Any, admin: Any
) -> None:
    surname = unique("Okonkwo")
    officer = region.officer(last_name=surname)
    other = region_factory()
    stranger = other.officer(last_name=surname + "x")
    c = region.coordinator

    by_post = c.get("/api/v1/officers", params={"q": officer["post_id"].lower()})
    assert [o["id"] for o in by_post.json()] == [officer["id"]]
    by_name = c.get("/api/v1/officers", params={"q": surname[:-2].lower()})
    assert [o["id"] for o in by_name.json()] == [officer["id"]]
    assert c.get("/api/v1/officers", params={"q": stranger["post_id"]}).json() == []
    everyone = [o["id"] for o in admin.get("/api/v1/officers", params={"q": surname}).json()]
    assert set(everyone) == {officer["id"], stranger["id"]}
    mine = [o["id"] for o in c.get("/api/v1/officers", params={"limit": 500}).json()]
    assert officer["id"] in mine
    assert stranger["id"] not in mine


def test_search_wildcards_are_taken_literally(region: Region) -> None:
    plain = region.officer(last_name=unique("Plain"))
    odd = region.officer(last_name=unique("Per%cent_"))

    def search(q: str) -> list[str]:
        r = region.coordinator.get("/api/v1/officers", params={"q": q})
        assert r.status_code == 200, r.text
        return [o["id"] for o in r.json()]

    assert plain["id"] in search("plain")
    assert search("%") == [odd["id"]]
    assert search("_") == [odd["id"]]
    assert search("r%cent_") == [odd["id"]]
    assert search("P%n") == []
    assert search("\\") == []


def test_a_name_search_ignores_case_beyond_ascii(region: Region) -> None:
    officer = region.officer(last_name=unique("Émile"))
    found = region.coordinator.get("/api/v1/officers", params={"q": "émile"}).json()
    assert [o["id"] for o in found] == [officer["id"]]


def test_a_search_with_bad_paging_is_refused(region: Region) -> None:
    assert_problem(region.coordinator.get("/api/v1/officers", params={"limit": 0}), 400)
    assert_problem(region.coordinator.get("/api/v1/officers", params={"offset": -1}), 400)
    assert_problem(region.coordinator.get("/api/v1/officers", params={"q": "x" * 101}), 400)


# ---- edits --------------------------------------------------------------------------------


def test_a_coordinator_edits_an_officer_and_marks_them_protected(region: Region) -> None:
    officer = region.officer()
    r = region.coordinator.patch(
        f"/api/v1/officers/{officer['id']}",
        {"first_name": "Mary", "email": "mary@example.org", "protected": True},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["first_name"] == "Mary"
    assert body["last_name"] == officer["last_name"]
    assert body["email"] == "mary@example.org"
    assert body["protected"] is True
    again = region.coordinator.get(f"/api/v1/officers/{officer['id']}").json()
    assert again["protected"] is True
    assert again["first_name"] == "Mary"


@pytest.mark.parametrize(
    ("patch", "status", "field"),
    [
        ({"post_id": "NEW-ID"}, 400, None),
        ({"first_name": ""}, 400, "first_name"),
        ({"first_name": None}, 400, "first_name"),
        ({"email": "nope"}, 400, "email"),
        ({"patrol_start_date": "2999-01-01"}, 422, "patrol_start_date"),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(
    region: Region, patch: dict[str, Any], status: int, field: str | None
) -> None:
    officer = region.officer()
    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", patch)
    assert_problem(r, status, field=field)
    assert region.coordinator.get(f"/api/v1/officers/{officer['id']}").json() == officer


# ---- transfers ----------------------------------------------------------------------------


def test_a_transfer_closes_the_current_employment_and_opens_the_next(region: Region) -> None:
    officer = region.officer()
    target = new_agency(region)
    effective = (date.today() - timedelta(days=3)).isoformat()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": target, "effective_date": effective},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["agency_id"] == target
    history = body["employments"]
    assert [(e["agency_id"], e["end_date"]) for e in history] == [
        (region.agency_id, effective),
        (target, None),
    ]
    assert history[0]["start_date"] == officer["patrol_start_date"]
    assert history[1]["start_date"] == effective


def test_a_transfer_leaves_the_officers_credentials_untouched(
    region: Region, region_factory: Any, course: dict[str, Any], admin: Any
) -> None:
    officer = region.officer()
    klass = region.klass()
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    issued = r.json()["issued"][0]

    hiring = region_factory()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["region"] == hiring.code

    for who in (admin, hiring.coordinator, region.coordinator):
        record = who.get(f"/api/v1/credentials/{issued['credential_id']}")
        assert record.status_code == 200, record.text
        assert record.json()["status"] == "active"
        assert record.json()["token"] == issued["token"]
        assert record.json()["holder"]["officer_id"] == officer["id"]
    verdict = admin.client.post("/api/v1/verify", json={"token": issued["token"]}).json()
    assert verdict["verdict"] == "valid", verdict


def test_a_transfer_to_the_same_agency_is_refused(region: Region) -> None:
    officer = region.officer()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": region.agency_id, "effective_date": date.today().isoformat()},
    )
    assert_problem(r, 422, field="agency_id", rule="same_agency")


def test_a_transfer_dated_before_the_current_employment_is_refused(region: Region) -> None:
    officer = region.officer()
    target = new_agency(region)
    before = (date.fromisoformat(officer["patrol_start_date"]) - timedelta(days=1)).isoformat()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": target, "effective_date": before},
    )
    assert_problem(r, 422, field="effective_date", rule="after_current_start")
    # The date in words, as every page and message writes one (the field keeps ISO).
    assert long_date(date.fromisoformat(officer["patrol_start_date"])) in r.json()["detail"]
    assert region.coordinator.get(f"/api/v1/officers/{officer['id']}").json() == officer


def test_a_transfer_to_an_unknown_agency_is_not_found(region: Region) -> None:
    officer = region.officer()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": str(uuid.uuid4()), "effective_date": date.today().isoformat()},
    )
    assert_problem(r, 404, field="agency_id")


def test_a_malformed_transfer_is_refused_naming_the_field(region: Region) -> None:
    officer = region.officer()
    path = f"/api/v1/officers/{officer['id']}/transfer"
    today = date.today().isoformat()
    c = region.coordinator
    assert_problem(
        c.post(path, {"agency_id": "x", "effective_date": today}), 400, field="agency_id"
    )
    assert_problem(
        c.post(path, {"agency_id": region.agency_id, "effective_date": "soon"}),
        400,
        field="effective_date",
    )


def test_neither_the_hiring_region_nor_a_third_may_pull_an_officer_in(
    region_factory: Any,
) -> None:
    losing, hiring, third = region_factory(), region_factory(), region_factory()
    officer = losing.officer()
    body = {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()}
    unknown = hiring.coordinator.post(f"/api/v1/officers/{uuid.uuid4()}/transfer", body)
    assert_problem(unknown, 404, field="id", rule="exists")
    for who in (hiring.coordinator, third.coordinator):
        r = who.post(f"/api/v1/officers/{officer['id']}/transfer", body)
        # Exactly what an unknown id answers: the UUID alone tells nothing.
        assert_same_problem(r, unknown)
    assert_problem(hiring.instructor.post(f"/api/v1/officers/{officer['id']}/transfer", body), 403)
    assert losing.coordinator.get(f"/api/v1/officers/{officer['id']}").json()["region"] == (
        losing.code
    )


def test_the_losing_region_may_record_a_transfer_out(
    region_factory: Any,
) -> None:
    losing, hiring = region_factory(), region_factory()
    officer = losing.officer()
    r = losing.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()},
    )
    # The losing region records the move out; the officer now shows under the hiring agency.
    assert r.status_code == 200, r.text
    assert (
        hiring.coordinator.get(f"/api/v1/officers/{officer['id']}").json()["region"] == hiring.code
    )
    # ...and the losing region no longer sees the officer at all.
    assert_problem(losing.coordinator.get(f"/api/v1/officers/{officer['id']}"), 404, rule="exists")

"""The public lookup by POST id and last name answers status without enabling enumeration."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import Region, graduate

JSON = {"Accept": "application/json"}


def _certified(region: Region, course: dict[str, Any], **fields: Any) -> dict[str, Any]:
    klass = region.klass()
    officer = region.officer(**fields)
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    return {**officer, "credential_id": r.json()["issued"][0]["credential_id"]}


def test_a_matching_post_id_and_last_name_shows_the_certification(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course, last_name="Ñúñez-Lookup")
    r = client.get(
        "/lookup",
        params={"post_id": officer["post_id"].lower(), "last_name": "  ñúñez-lookup "},
        headers=JSON,
    )
    assert r.status_code == 200
    body = r.json()
    assert body["found"] is True
    assert body["holder"]["post_id"] == officer["post_id"]
    [item] = body["certifications"]
    assert item["verdict"] == "valid"
    assert item["credential_id"] == officer["credential_id"]
    page = client.get(
        "/lookup", params={"post_id": officer["post_id"], "last_name": "Ñúñez-Lookup"}
    )
    assert "valid" in page.text
    assert officer["credential_id"] in page.text


def test_a_wrong_name_and_an_unknown_post_id_get_the_same_answer(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course)
    wrong_name = client.get(
        "/lookup", params={"post_id": officer["post_id"], "last_name": "Nobody"}, headers=JSON
    )
    unknown = client.get(
        "/lookup", params={"post_id": "NO-SUCH-ID-1", "last_name": "Nobody"}, headers=JSON
    )
    partial = client.get(
        "/lookup",
        params={"post_id": officer["post_id"], "last_name": officer["last_name"][:-1]},
        headers=JSON,
    )
    assert wrong_name.status_code == unknown.status_code == partial.status_code == 200
    assert wrong_name.json() == unknown.json() == partial.json()
    assert wrong_name.json()["found"] is False


def test_protected_officers_are_never_found(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course, protected=True, first_name="Undercoverfirst")
    query = {"post_id": officer["post_id"], "last_name": officer["last_name"]}
    assert client.get("/lookup", params=query, headers=JSON).json()["found"] is False
    page = client.get("/lookup", params=query)
    assert "Undercoverfirst" not in page.text
    assert officer["credential_id"] not in page.text


def test_the_form_needs_both_fields(client: TestClient[Any]) -> None:
    assert client.get("/lookup").status_code == 200
    r = client.get("/lookup", params={"post_id": "X"}, headers=JSON)
    assert r.status_code == 400

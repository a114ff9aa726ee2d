"""The public lookup by POST id and last name answers status without enabling enumeration; it
forgives how people type names and ids, and it is a POST, so nothing typed sits in a URL."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import Region, assert_problem, graduate

JSON = {"Accept": "application/json"}


def _certified(region: Region, course: dict[str, Any], **fields: Any) -> dict[str, Any]:
    klass = region.klass()
    officer = region.officer(**fields)
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    return {**officer, "credential_id": r.json()["issued"][0]["credential_id"]}


def _lookup(client: TestClient[Any], post_id: str, last_name: str, **kw: Any) -> Any:
    return client.post("/lookup", data={"post_id": post_id, "last_name": last_name}, **kw)


def test_a_matching_post_id_and_last_name_shows_the_certification(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course, last_name="Ñúñez-Lookup")
    r = _lookup(client, officer["post_id"].lower(), "  ñúñez-lookup ", headers=JSON)
    assert r.status_code == 200
    body = r.json()
    assert body["found"] is True
    assert body["holder"]["post_id"] == officer["post_id"]
    [item] = body["certifications"]
    assert item["verdict"] == "valid"
    assert item["credential_id"] == officer["credential_id"]
    page = _lookup(client, officer["post_id"], "Ñúñez-Lookup")
    assert "valid" in page.text
    assert officer["credential_id"] in page.text


def test_accents_apostrophes_dashes_case_and_spaces_do_not_matter_on_either_side(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    garcia = _certified(region, course, post_id="UT-14000-L", last_name="García")
    obrien = _certified(region, course, post_id="UT14001L", last_name="O'Brien")
    curly = _certified(region, course, post_id="UT-14002-L", last_name="D\u2019Angelo-Ruiz")
    for officer, post_id, name in (
        (garcia, "UT14000L", "Garcia"),
        (garcia, "ut 14000 l", "GARCÍA"),
        (garcia, "UT\u201314000\u2010L", " garcia "),  # an en dash and a Unicode hyphen
        (obrien, "UT-14001-L", "O\u2019Brien"),  # the curly apostrophe a phone types
        (obrien, "ut14001l", "O\u02bcbrien"),  # a modifier-letter apostrophe
        (obrien, "UT-140-01L", "obrien"),
        (curly, "UT14002L", "d'angelo ruiz"),
    ):
        r = _lookup(client, post_id, name, headers=JSON)
        assert r.status_code == 200
        body = r.json()
        assert body["found"] is True, (post_id, name)
        assert body["holder"]["post_id"] == officer["post_id"]


def test_a_wrong_name_and_an_unknown_post_id_get_the_same_answer(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course)
    uncertified = region.officer()
    answers = [
        _lookup(client, officer["post_id"], "Nobody", headers=JSON),
        _lookup(client, "NO-SUCH-ID-1", "Nobody", headers=JSON),
        _lookup(client, officer["post_id"], officer["last_name"][:-1], headers=JSON),
        _lookup(client, officer["post_id"], "!!!", headers=JSON),
        _lookup(client, uncertified["post_id"], uncertified["last_name"], headers=JSON),
    ]
    assert {r.status_code for r in answers} == {200}
    assert all(r.json() == answers[0].json() for r in answers)
    assert answers[0].json()["found"] is False
    pages = [
        _lookup(client, officer["post_id"], "Nobody").text,
        _lookup(client, "NO-SUCH-ID-1", "Nobody").text,
    ]
    # The pages differ only in the values typed back into the form.
    assert pages[0].replace(officer["post_id"], "NO-SUCH-ID-1") == pages[1]


def test_protected_officers_are_never_found(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course, protected=True, first_name="Undercoverfirst")
    assert _lookup(client, officer["post_id"], officer["last_name"], headers=JSON).json() == (
        _lookup(client, "NO-SUCH-ID-2", "Nobody", headers=JSON).json()
    )
    page = _lookup(client, officer["post_id"], officer["last_name"])
    assert "Undercoverfirst" not in page.text
    assert officer["credential_id"] not in page.text


def test_the_lookup_is_a_post_and_a_get_only_shows_the_empty_form(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    officer = _certified(region, course)
    form = client.get("/lookup")
    assert form.status_code == 200
    assert 'method="post" action="/lookup"' in form.text
    # Old links with the query in the URL no longer look anything up.
    old = client.get(
        "/lookup", params={"post_id": officer["post_id"], "last_name": officer["last_name"]}
    )
    assert old.status_code == 200
    assert officer["credential_id"] not in old.text
    assert officer["post_id"] not in old.text


def test_the_form_needs_both_fields(client: TestClient[Any]) -> None:
    assert_problem(
        client.post("/lookup", data={"post_id": "X"}, headers=JSON),
        400,
        field="last_name",
        rule="required",
    )
    assert_problem(
        client.post("/lookup", data={"last_name": "X"}, headers=JSON), 400, field="post_id"
    )
    page = client.post("/lookup", data={"post_id": "X"})
    assert page.status_code == 400
    assert "Give both the POST id and the last name." in page.text

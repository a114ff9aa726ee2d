"""POST /api/v1/classes/{id}/imports/roster: enrolling a CSV of POST ids; officers already in
the class are skipped, a refused row is named with the rule, the rest are enrolled."""

from __future__ import annotations

from typing import Any

from tests.conftest import Region, unique
from tests.imports import post_csv


def path(klass: dict[str, Any]) -> str:
    return f"/api/v1/classes/{klass['id']}/imports/roster"


def enrolled(region: Region, klass: dict[str, Any]) -> list[str]:
    r = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster")
    assert r.status_code == 200, r.text
    return sorted(o["post_id"] for o in r.json()["officers"])


def test_a_roster_file_enrolls_every_officer(region: Region) -> None:
    klass = region.klass()
    a, b = region.officer(), region.officer()
    # Extra columns (a roster export, say) are ignored; blank lines too.
    body = f"name,post_id\nX,{a['post_id'].lower()}\n\nY,{b['post_id']}\n"
    r = post_csv(region.coordinator, path(klass), body)
    assert r.status_code == 200, r.text
    assert r.json() == {"saved": 2, "skipped": [], "refused": []}
    assert enrolled(region, klass) == sorted([a["post_id"], b["post_id"]])


def test_refused_rows_are_named_and_the_rest_enrolled(region: Region) -> None:
    klass = region.klass()
    good = region.officer()
    rookie = region.officer(months_on_patrol=6)
    body = "\n".join(
        ["post_id", good["post_id"], rookie["post_id"], good["post_id"], unique("NOBODY"), ""]
    )
    r = post_csv(region.coordinator, path(klass), body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["saved"] == 1
    refused = {e["line"]: e for e in answer["refused"]}
    assert sorted(refused) == [3, 5]
    assert refused[3]["field"] == "post_id"
    assert "months of patrol experience" in refused[3]["reason"]
    assert "No officer" in refused[5]["reason"]
    assert [(e["line"], "line 2" in e["reason"]) for e in answer["skipped"]] == [(4, True)]
    assert enrolled(region, klass) == [good["post_id"]]


def test_rows_beyond_the_class_capacity_are_refused(region: Region) -> None:
    klass = region.klass(capacity=1)
    a, b = region.officer(), region.officer()
    r = post_csv(region.coordinator, path(klass), f"post_id\n{a['post_id']}\n{b['post_id']}\n")
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 1
    assert [(e["line"], "full" in e["reason"]) for e in r.json()["refused"]] == [(3, True)]
    assert enrolled(region, klass) == [a["post_id"]]


def test_an_officer_already_enrolled_is_skipped(region: Region) -> None:
    klass = region.klass()
    a, b = region.officer(), region.officer()
    first = post_csv(region.coordinator, path(klass), f"post_id\n{a['post_id']}\n")
    assert first.status_code == 200, first.text
    r = post_csv(region.coordinator, path(klass), f"post_id\n{a['post_id']}\n{b['post_id']}\n")
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 1 and r.json()["refused"] == []
    assert [e["line"] for e in r.json()["skipped"]] == [2]
    assert "already enrolled" in r.json()["skipped"][0]["reason"]
    assert enrolled(region, klass) == sorted([a["post_id"], b["post_id"]])


def test_another_regions_class_is_forbidden(region: Region, region_factory: Any) -> None:
    other = region_factory()
    klass = other.klass()
    r = post_csv(region.coordinator, path(klass), f"post_id\n{region.officer()['post_id']}\n")
    assert r.status_code == 403, r.text
    assert enrolled(other, klass) == []


def test_a_roster_file_without_a_post_id_column_is_refused(region: Region) -> None:
    r = post_csv(region.coordinator, path(region.klass()), "officer\nX\n")
    assert r.status_code == 400, r.text
    assert "post_id" in r.json()["detail"]

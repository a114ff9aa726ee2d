"""Officer CSV imports take optional `district` and `shift` columns, checked against the plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import Region, assert_problem, unique
from tests.coverage.conftest import set_plan
from tests.imports import agency_ori, post_csv

PATH = "/api/v1/imports/officers"
HEADER = "post_id,first_name,last_name,agency_ori,patrol_start_date,district,shift"
PATROL = (date.today() - timedelta(days=800)).isoformat()


def where(region: Region) -> dict[str, tuple[Any, Any]]:
    r = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/officers")
    assert r.status_code == 200, r.text
    return {o["post_id"]: (o["district"], o["shift"]) for o in r.json()}


def test_imported_officers_take_their_district_and_shift(region: Region) -> None:
    set_plan(region.coordinator, region.agency_id)
    ori = agency_ori(region.coordinator, region.agency_id)
    a, b = unique("CSV"), unique("CSV")
    body = f"{HEADER}\n{a},Ann,Lee,{ori},{PATROL},N,NIGHT\n{b},Bo,Ray,{ori},{PATROL},,\n"
    r = post_csv(region.coordinator, PATH, body)
    assert r.status_code == 200, r.text
    assert where(region) == {a: ("N", "NIGHT"), b: (None, None)}


def test_a_code_not_in_the_plan_refuses_the_file_naming_the_column(region: Region) -> None:
    set_plan(region.coordinator, region.agency_id)
    ori = agency_ori(region.coordinator, region.agency_id)
    good, bad = unique("CSV"), unique("CSV")
    body = f"{HEADER}\n{good},Ann,Lee,{ori},{PATROL},N,DAY\n{bad},Bo,Ray,{ori},{PATROL},N,LATE\n"
    problem = assert_problem(post_csv(region.coordinator, PATH, body), 422, rule="import_rows")
    assert [(row["line"], row["field"]) for row in problem["rows"]] == [(3, "shift")]
    assert where(region) == {}


def test_an_update_moves_an_officer_to_another_district(region: Region) -> None:
    set_plan(region.coordinator, region.agency_id)
    ori = agency_ori(region.coordinator, region.agency_id)
    officer = region.officer()
    line = f"{officer['post_id']},{officer['first_name']},{officer['last_name']},{ori}"
    line += f",{officer['patrol_start_date']}"
    r = post_csv(region.coordinator, f"{PATH}?existing=update", f"{HEADER}\n{line},S,DAY\n")
    assert r.status_code == 200, r.text
    assert r.json()["updated"][0]["changes"] == {"assignment": {"before": "", "after": "S DAY"}}
    assert where(region) == {officer["post_id"]: ("S", "DAY")}
    # The same file again changes nothing.
    r = post_csv(region.coordinator, f"{PATH}?existing=update", f"{HEADER}\n{line},S,DAY\n")
    assert r.json()["updated"] == []

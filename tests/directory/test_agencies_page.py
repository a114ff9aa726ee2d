"""The public /agencies page: agencies by region, the coordinator's contact, certified officers
now in bands; no officer's name, no district, no shift."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar

from registry.directory.service import DASH, band
from tests.conftest import Api, Region, assert_problem
from tests.coverage.conftest import assign, counted, other_agency, put, set_plan


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "none"),
        (1, f"1{DASH}4"),
        (4, f"1{DASH}4"),
        (5, f"5{DASH}9"),
        (9, f"5{DASH}9"),
        (10, f"10{DASH}24"),
        (24, f"10{DASH}24"),
        (25, "25+"),
        (400, "25+"),
    ],
)
def test_counts_are_shown_in_bands(n: int, shown: str) -> None:
    assert band(n) == shown


def test_the_page_lists_agencies_with_bands_and_the_contact_and_nothing_more(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    r = put(
        region.coordinator,
        f"/api/v1/regions/{region.code}/contact",
        {"contact": "Sgt. Roe, 801-555-0100"},
    )
    assert r.status_code == 200, r.text
    set_plan(region.coordinator, region.agency_id)
    held = region.certified(course)
    assign(region.coordinator, held["officer"]["id"], "N", "NIGHT")
    region.officer()
    page = anonymous.get("/agencies")
    assert page.status_code == 200
    html = page.text
    section = html.split(f'id="r-{region.code}"')[1].split("</section>")[0]
    assert "Sgt. Roe, 801-555-0100" in section
    assert re.search(rf"<td>Police [^<]+</td><td>UT\w{{7}}</td><td>1{DASH}4</td>", section), section
    for secret in (held["officer"]["last_name"], held["officer"]["post_id"], "NIGHT", "North"):
        assert secret not in html


def test_a_region_contact_is_set_by_its_own_coordinator_only(
    region: Region, region_factory: Any
) -> None:
    elsewhere = region_factory()
    path = f"/api/v1/regions/{region.code}/contact"
    attack = put(elsewhere.coordinator, path, {"contact": "not theirs"})
    like = put(elsewhere.coordinator, "/api/v1/regions/NOWHERE/contact", {"contact": "x"})
    assert_problem(like, 404, field="code")
    assert attack.status_code == 404 and attack.json()["detail"] == like.json()["detail"]
    r = put(region.admin, path, {"contact": "  "})
    assert r.json() == {"code": region.code, "contact": None}


def test_the_page_reads_as_many_statements_for_many_agencies_as_for_few(
    region: Region, app: Litestar, anonymous: Api
) -> None:
    def statements() -> int:
        with counted(app) as seen:
            assert anonymous.get("/agencies").status_code == 200
        return len(seen)

    before = statements()
    for _ in range(3):
        other_agency(region)
    assert statements() == before

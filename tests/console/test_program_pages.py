"""The administrator's console pages for the program's structure: regions, agencies, courses."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from tests.conftest import Region, unique
from tests.console.conftest import csrf_of, make_password_user, sign_in


def _post(c: TestClient[Any], path: str, page: str, **fields: Any) -> Any:
    return c.post(path, data={"csrf_token": csrf_of(page), **fields}, follow_redirects=True)


def _nav(html: str) -> list[str]:
    nav = html[html.index('<nav aria-label="Console">') : html.index("</nav>")]
    return re.findall(r">([^<]+)</a>", nav)


def test_the_administrator_adds_and_renames_a_region_in_the_console(
    console_client: TestClient[Any], engine: sa.Engine
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "admin"))
    page = c.get("/console/regions")
    assert page.status_code == 200
    assert "Regions" in _nav(page.text) and "Courses" in _nav(page.text)
    code = unique("RG")
    r = _post(c, "/console/regions", page.text, code=code.lower(), name="Bear River")
    assert f"Region {code} (Bear River) added." in r.text
    assert re.search(rf"<th scope=\"row\">{code}</th>", r.text)
    r = _post(c, f"/console/regions/{code}", r.text, name="Bear River Valley")
    assert f"Region {code} is now named Bear River Valley." in r.text
    r = _post(c, "/console/regions", r.text, code=code, name="Again")
    assert "exists" in r.text  # refused in words, nothing added
    assert r.text.count(f'<th scope="row">{code}</th>') == 1


def test_a_coordinator_has_no_regions_page(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    page = c.get("/console")
    assert "Regions" not in _nav(page.text)
    assert c.get("/console/regions").status_code == 403


def test_a_coordinator_edits_an_agency_but_cannot_move_it(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    listing = c.get("/console/agencies").text
    assert f'href="/console/agencies/{region.agency_id}"' in listing
    page = c.get(f"/console/agencies/{region.agency_id}")
    assert page.status_code == 200
    assert 'name="region"' not in page.text  # moving an agency is the administrator's
    ori = "UT" + uuid.uuid4().hex[:7].upper()
    r = _post(c, f"/console/agencies/{region.agency_id}", page.text, name="Logan PD", ori=ori)
    assert "Saved." in r.text and "Logan PD" in r.text and ori in r.text
    r = _post(c, f"/console/agencies/{region.agency_id}", r.text, name="Logan PD", ori="bad")
    assert "ORI is 9 characters" in r.text
    forged = _post(
        c,
        f"/console/agencies/{region.agency_id}",
        r.text,
        name="Logan PD",
        ori=ori,
        region="ELSEWHERE",
    )
    assert "No region" in forged.text or "administrator" in forged.text
    assert region.coordinator.get(f"/api/v1/agencies/{region.agency_id}").json()["region"] == (
        region.code
    )


def test_the_administrator_moves_an_agency_to_another_region(
    console_client: TestClient[Any], engine: sa.Engine, region: Region, region_factory: Any
) -> None:
    other = region_factory()
    c = console_client
    sign_in(c, make_password_user(engine, "admin"))
    page = c.get(f"/console/agencies/{region.agency_id}")
    assert 'name="region"' in page.text
    agency = region.admin.get(f"/api/v1/agencies/{region.agency_id}").json()
    r = _post(
        c,
        f"/console/agencies/{region.agency_id}",
        page.text,
        name=agency["name"],
        ori=agency["ori"],
        region=other.code,
    )
    assert "Saved." in r.text
    assert f"region {other.code}" in r.text


def test_courses_are_readable_in_the_console(
    console_client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "instructor", region.code))
    listing = c.get("/console/courses")
    assert listing.status_code == 200
    assert 'href="/console/courses/CIT-40"' in listing.text
    page = c.get("/console/courses/CIT-40")
    assert page.status_code == 200
    for module in course["modules"]:
        assert f'<th scope="row">{module["code"]}</th>' in page.text
    assert "<dd>40</dd>" in page.text and "24 months" in page.text
    assert c.get("/console/courses/NOPE").status_code == 404


def test_agencies_import_through_the_console_with_a_row_report(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    page = c.get("/console/import").text
    assert 'action="/console/import/agencies"' in page
    good = "UT" + uuid.uuid4().hex[:7].upper()
    body = f"name,ori,region\nCache PD,{good},{region.code}\n".encode()
    r = c.post(
        "/console/import/agencies",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("agencies.csv", body, "text/csv")},
        follow_redirects=True,
    )
    assert "agencies.csv: saved 1 agencies." in r.text
    bad = f"name,ori,region\nCache PD 2,{good},{region.code}\n".encode()
    r = c.post(
        "/console/import/agencies",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("again.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "nothing was saved" in r.text and f"ORI {good} exists" in r.text

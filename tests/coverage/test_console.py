"""The console's coverage pages: an agency's matrix for today, its 365-day strip and the gaps with
the certifications behind them; a region's agencies by first gap; the liaison's own console and
its account made on the Users page."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.accounts.service import create_user
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.tables.accounts import User
from tests.conftest import Region, unique
from tests.console.conftest import PASSWORD, csrf_of, make_password_user, sign_in
from tests.coverage.conftest import assign, new_account, ori_of, other_agency, set_plan

Client = TestClient[Litestar]
PLATOON = "A | Platoon A | 18:00 | 06:00 | 2027-01-04 | 14 | 0 1 4 5 6 9 10"


def as_user(client: Client, name: str) -> Any:
    client.cookies.clear()
    r = sign_in(client, name)
    assert r.status_code == 303, r.text
    return r


def liaison_user(engine: sa.Engine, ori: str) -> str:
    name = unique("liaison")
    with unit_of_work(engine) as session:
        create_user(
            session, SYSTEM, username=name, role="liaison", agency_ori=ori, password=PASSWORD
        )
    return name


def test_an_agencys_page_shows_today_the_year_and_the_gaps(
    region: Region, course: dict[str, Any], console_client: Client, engine: sa.Engine
) -> None:
    set_plan(region.coordinator, region.agency_id)
    held = region.certified(course)
    assign(region.coordinator, held["officer"]["id"], "N", "DAY")
    waiting = region.officer()
    assign(region.coordinator, waiting["id"], "S", "DAY")
    loose = region.officer()
    as_user(console_client, make_password_user(engine, "coordinator", region.code))
    r = console_client.get(f"/console/agencies/{region.agency_id}/coverage")
    assert r.status_code == 200, r.text
    html = r.text
    assert html.count('class="tag tag-ok">covered') == 1  # N on the day shift
    assert html.count('class="tag tag-bad">gap') == 3
    assert "none certified" in html and "none assigned" in html
    assert len(re.findall(r'<rect x="\d+" y="\d+" width="12"', html)) == 365
    # The slot with a gap names who is assigned there and that they are not certified.
    who = f"{waiting['first_name']} {waiting['last_name']} ({waiting['post_id']})"
    assert f"{who}: not certified" in html
    assert loose["post_id"] in html.split("Officers without a district and shift")[1]


def test_an_agency_without_a_plan_says_how_to_make_one(
    region: Region, console_client: Client, engine: sa.Engine
) -> None:
    as_user(console_client, make_password_user(engine, "coordinator", region.code))
    r = console_client.get(f"/console/agencies/{region.agency_id}/coverage")
    assert r.status_code == 200, r.text
    assert "no patrol plan yet" in r.text


def test_a_regions_agencies_are_listed_by_first_gap(
    region: Region, course: dict[str, Any], console_client: Client, engine: sa.Engine
) -> None:
    plan = {
        "districts": [{"code": "N", "name": "N"}],
        "shifts": [{"code": "DAY", "name": "Day", "starts": "06:00", "ends": "14:00"}],
    }
    set_plan(region.coordinator, region.agency_id, plan)
    assign(region.coordinator, region.certified(course)["officer"]["id"], "N", "DAY")
    bare = other_agency(region)
    set_plan(region.coordinator, bare, plan)
    as_user(console_client, make_password_user(engine, "coordinator", region.code))
    html = console_client.get("/console/coverage").text
    section = html.split('id="h-gaps"')[1]
    assert section.index(f"/console/agencies/{bare}/coverage") < section.index(
        f"/console/agencies/{region.agency_id}/coverage"
    )
    assert "none in 365 days" in section
    nominated = region.officer(months_on_patrol=2)
    r = region.coordinator.client.put(
        f"/api/v1/officers/{nominated['id']}/nomination",
        headers={"Authorization": f"Bearer {region.coordinator.token}"},
    )
    assert r.status_code == 200, r.text
    html = console_client.get("/console/coverage").text
    listed = html.split('id="h-nominated"')[1].split("</section>")[0]
    assert nominated["post_id"] in listed and "not yet" in listed and "months on patrol" in listed
    # An instructor sees the certification counts, not the districts and shifts.
    as_user(console_client, make_password_user(engine, "instructor", region.code))
    r = console_client.get("/console/coverage")
    assert r.status_code == 200 and 'id="h-gaps"' not in r.text


def test_a_liaison_signs_in_to_its_agencys_coverage_and_nothing_else(
    region: Region, console_client: Client, engine: sa.Engine
) -> None:
    name = liaison_user(engine, ori_of(region))
    r = as_user(console_client, name)
    home = f"/console/agencies/{region.agency_id}/coverage"
    assert r.headers["location"] == home
    page = console_client.get(home)
    assert page.status_code == 200, page.text
    assert 'href="/console/officers"' not in page.text  # its menu is this page alone
    neighbour = other_agency(region)
    unknown = "00000000-0000-4000-8000-000000000000"
    theirs = console_client.get(f"/console/agencies/{neighbour}/coverage")
    nobody = console_client.get(f"/console/agencies/{unknown}/coverage")
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.text.replace(neighbour, unknown) == nobody.text
    for path in ("/console", "/console/officers", "/console/coverage", "/console/audit"):
        assert console_client.get(path, follow_redirects=False).status_code == 403, path


def test_the_administrator_makes_a_liaison_on_the_users_page(
    region: Region, console_client: Client, engine: sa.Engine
) -> None:
    as_user(console_client, make_password_user(engine, "admin"))
    ori = ori_of(region)
    page = console_client.get("/console/users")
    assert f'<option value="{ori}">' in page.text
    name, r = new_account(console_client, "liaison", ori, PASSWORD)
    assert r.status_code == 303, r.text
    with unit_of_work(engine, read_only=True) as session:
        user = session.exec(select(User).where(User.username == name)).one()
        made = (user.role, str(user.agency_id), user.region_id)
    assert made == ("liaison", region.agency_id, None)
    assert ori in console_client.get("/console/users").text


def test_a_liaison_edits_the_plan_and_assigns_officers_in_bulk(
    region: Region, console_client: Client, engine: sa.Engine
) -> None:
    officers = [region.officer(), region.officer(), region.officer()]
    as_user(console_client, liaison_user(engine, ori_of(region)))
    home = f"/console/agencies/{region.agency_id}/coverage"
    token = csrf_of(console_client.get(home).text)
    r = console_client.post(
        f"/console/agencies/{region.agency_id}/patrol",
        data={
            "csrf_token": token,
            "districts": "N | North\nS | South\n",
            "shifts": f"DAY | Day | 06:00 | 18:00\n{PLATOON}",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and "Plan saved" in flash_of(r), flash_of(r)
    plan = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/patrol").json()
    assert plan["shifts"][1]["rotation"]["on_days"] == [0, 1, 4, 5, 6, 9, 10]
    assert (
        "A | Platoon A | 18:00 | 06:00 | 2027-01-04 | 14 | 0 1 4 5 6 9 10"
        in console_client.get(home).text
    )
    r = console_client.post(
        f"/console/agencies/{region.agency_id}/assignments",
        data={
            "csrf_token": token,
            "officer_id": [officers[0]["id"], officers[1]["id"]],
            "district": "S",
            "shift": "A",
        },
        follow_redirects=False,
    )
    assert "2 officers assigned" in flash_of(r)
    staff = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/officers").json()
    where = {o["officer_id"]: (o["district"], o["shift"]) for o in staff}
    assert where == {
        officers[0]["id"]: ("S", "A"),
        officers[1]["id"]: ("S", "A"),
        officers[2]["id"]: (None, None),
    }
    # A line that cannot be read is refused, naming it; nothing changes.
    r = console_client.post(
        f"/console/agencies/{region.agency_id}/patrol",
        data={"csrf_token": token, "districts": "N | North\nS", "shifts": ""},
        follow_redirects=False,
    )
    assert "District line 2" in flash_of(r)
    r = console_client.post(
        f"/console/agencies/{region.agency_id}/assignments",
        data={"csrf_token": token, "district": "S", "shift": "A"},
        follow_redirects=False,
    )
    assert "Tick the officers" in flash_of(r)
    assert region.coordinator.get(f"/api/v1/agencies/{region.agency_id}/patrol").json() == plan


def flash_of(r: Any) -> str:
    from urllib.parse import unquote

    return unquote(r.cookies.get("cit_flash", "") or "")

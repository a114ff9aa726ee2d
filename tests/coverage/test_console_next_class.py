"""The console's way from a gap to the next class: the liaison's nominations, the region's and
the state's totals under the agencies by first gap, "schedule a class" with the volunteers
ticked, and the region's public contact; each audited, each held to its own agency or region."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.db import unit_of_work
from registry.tables.audit import AuditEntry
from tests.conftest import Region
from tests.console.conftest import csrf_of, make_password_user
from tests.coverage.conftest import (
    assign,
    liaison,
    ori_of,
    other_agency,
    put,
    set_plan,
)
from tests.coverage.test_console import as_user, liaison_user

Client = TestClient[Litestar]


def post_form(client: Client, page: str, to: str, **fields: Any) -> Any:
    """Submits a form of `page` (its CSRF token) to `to`, not following the redirect."""
    token = csrf_of(client.get(page).text)
    return client.post(to, data={"csrf_token": token, **fields}, follow_redirects=False)


def flash(r: Any) -> str:
    from urllib.parse import unquote

    return unquote(r.cookies.get("cit_flash", "") or "")


def actions(engine: sa.Engine, entity_id: str) -> list[str]:
    with unit_of_work(engine, read_only=True) as session:
        return list(
            session.exec(select(AuditEntry.action).where(AuditEntry.entity_id == entity_id))
        )


def test_a_liaison_nominates_and_withdraws_from_the_agency_page(
    region: Region, console_client: Client, engine: sa.Engine
) -> None:
    ada, ben = region.officer(), region.officer()
    as_user(console_client, liaison_user(engine, ori_of(region)))
    home = f"/console/agencies/{region.agency_id}/coverage"
    action = f"/console/agencies/{region.agency_id}/nominations"
    r = post_form(console_client, home, action, officer_id=[ada["id"], ben["id"]])
    assert r.status_code == 303 and "2 officers nominated." in flash(r)
    listed = region.coordinator.get("/api/v1/nominations").json()
    assert {n["officer_id"] for n in listed} == {ada["id"], ben["id"]}
    r = post_form(console_client, home, action, officer_id=ben["id"], action="withdraw")
    assert "1 officer withdrawn." in flash(r)
    assert [n["officer_id"] for n in region.coordinator.get("/api/v1/nominations").json()] == [
        ada["id"]
    ]
    assert actions(engine, ben["id"]).count("officer.nominate") == 1
    assert "officer.nomination_withdraw" in actions(engine, ben["id"])
    # Nothing ticked, or an officer of another agency, is refused and changes nothing.
    r = post_form(console_client, home, action)
    assert flash(r).startswith("error") and "Tick the officers" in flash(r)
    stranger = other_agency(region)
    theirs = region.coordinator.post(
        "/api/v1/officers",
        {
            "post_id": "X" + ben["post_id"],
            "first_name": "Cy",
            "last_name": "Lo",
            "agency_id": stranger,
            "patrol_start_date": ben["patrol_start_date"],
        },
    ).json()
    r = post_form(console_client, home, action, officer_id=theirs["id"])
    assert "no officer with this id" in flash(r).lower()
    # Another agency's page answers as an unknown one.
    r = post_form(
        console_client, home, f"/console/agencies/{stranger}/nominations", officer_id=ada["id"]
    )
    assert "no agency with this id" in flash(r).lower()
    assert len(region.coordinator.get("/api/v1/nominations").json()) == 1


def _totals(html: str) -> dict[str, list[str]]:
    """The total rows: label -> the figures in their cells."""
    foot = html.split("<tfoot>")[1].split("</tfoot>")[0]
    out = {}
    for row in re.findall(r"<tr class=\"total\">(.*?)</tr>", foot, re.S):
        label = re.search(r"<th scope=\"row\">(.*?)</th>", row, re.S)
        assert label
        out[label.group(1)] = re.findall(r"<td class=\"num\">(\d+)</td>", row)
    return out


def test_the_region_and_the_state_have_total_rows(
    region: Region,
    region_factory: Any,
    console_client: Client,
    engine: sa.Engine,
    course: dict[str, Any],
) -> None:
    set_plan(region.coordinator, region.agency_id)
    second = other_agency(region)
    set_plan(region.coordinator, second)
    holder = region.certified(course)
    assign(region.coordinator, holder["officer"]["id"], "N", "DAY")
    rows = region.coordinator.get("/api/v1/coverage").json()
    as_user(console_client, make_password_user(engine, "coordinator", region.code))
    totals = _totals(console_client.get("/console/coverage").text)
    label = f"Region {region.code} total: 2 agencies, 2 with a gap"
    assert list(totals) == [label]
    keys = ("slots", "covered_now", "officers_certified", "officers_to_train")
    assert totals[label] == [str(sum(r[k] for r in rows)) for k in keys]
    assert totals[label][3] == "7"  # 4 + 4 slots with a gap, less the one covered all year
    # The administrator's page is the state's: a total for each region and the state's.
    elsewhere = region_factory()
    set_plan(elsewhere.coordinator, elsewhere.agency_id)
    as_user(console_client, make_password_user(engine, "admin"))
    state = _totals(console_client.get("/console/coverage").text)
    everyone = region.admin.get("/api/v1/coverage").json()
    last = list(state)[-1]
    assert last.startswith(f"State total: {len(everyone)} agencies")
    assert state[last][3] == str(sum(r["officers_to_train"] for r in everyone))
    assert any(
        k.startswith(f"Region {elsewhere.code} total: 1 agency, 1 with a gap") for k in state
    )


def test_schedule_a_class_ticks_the_volunteers_who_are_not_certified(
    region: Region,
    region_factory: Any,
    console_client: Client,
    engine: sa.Engine,
    course: dict[str, Any],
) -> None:
    set_plan(region.coordinator, region.agency_id)
    ada = region.officer()
    region.officer()  # Ben volunteers for nothing
    holder = region.certified(course)["officer"]
    mine = liaison(region, engine)
    for officer in (ada, holder):
        assert put(mine, f"/api/v1/officers/{officer['id']}/nomination", None).status_code == 200
    elsewhere = region_factory()
    theirs = elsewhere.officer()
    their_liaison = liaison(elsewhere, engine)
    assert (
        put(their_liaison, f"/api/v1/officers/{theirs['id']}/nomination", None).status_code == 200
    )

    as_user(console_client, make_password_user(engine, "coordinator", region.code))
    coverage = console_client.get("/console/coverage").text
    link = f"/console/classes?agency={region.agency_id}#schedule"
    assert f'href="{link}"' in coverage and "Schedule a class (1)" in coverage
    # Another region's agency in the query is out of sight: nobody of it is offered.
    page = console_client.get(
        f"/console/classes?agency={region.agency_id}&agency={elsewhere.agency_id}"
    ).text
    offered = re.findall(r'name="officer_id" value="([^"]+)" checked', page)
    assert offered == [ada["id"]]  # not Ben (not nominated), not the certified holder
    assert f'<option value="{region.code}" selected>' in page
    start = date.today() + timedelta(days=21)
    r = console_client.post(
        "/console/classes",
        data={
            "csrf_token": csrf_of(page),
            "course": "CIT-40",
            "region": region.code,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
            "location": "Next class",
            "capacity": "20",
            # The coordinator also ticked (by hand) another region's officer: refused by name.
            "officer_id": [ada["id"], theirs["id"]],
        },
        follow_redirects=False,
    )
    assert r.status_code == 200, r.text  # the enrollment report: one enrolled, one refused
    assert "1 enrolled, 1 refused" in r.text
    klass = next(
        k for k in region.coordinator.get("/api/v1/classes").json() if k["location"] == "Next class"
    )
    roster = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()
    assert [row["officer_id"] for row in roster["officers"]] == [ada["id"]]
    assert actions(engine, klass["id"]).count("enrollment.create") == 1
    bad = console_client.get("/console/classes?agency=not-a-uuid")
    assert bad.status_code == 400 and "reload the page" in bad.text


def test_the_region_contact_is_set_from_the_coverage_page(
    region: Region, region_factory: Any, console_client: Client, engine: sa.Engine, anonymous: Any
) -> None:
    as_user(console_client, make_password_user(engine, "coordinator", region.code))
    action = f"/console/regions/{region.code}/contact"
    r = post_form(
        console_client, "/console/coverage", action, contact="cit@r.example, 801-555-0100"
    )
    assert r.status_code == 303 and "public contact saved" in flash(r)
    assert "cit@r.example, 801-555-0100" in anonymous.get("/agencies").text
    assert "region.contact" in actions(engine, region.id)
    # Another region's coordinator: refused as for a region that does not exist.
    elsewhere = region_factory()
    as_user(console_client, make_password_user(engine, "coordinator", elsewhere.code))
    attack = post_form(console_client, "/console/coverage", action, contact="hijacked")
    unknown = post_form(
        console_client, "/console/coverage", "/console/regions/ZZNONE/contact", contact="x"
    )
    assert flash(attack) == flash(unknown) and "no region with this code" in flash(attack).lower()
    assert "hijacked" not in anonymous.get("/agencies").text

"""Coverage as its people do it, in Chromium: the agency's liaison, on a phone, nominates a
volunteer for the next class; the region's coordinator, at a desk, reads the region's total,
sets the region's public contact, and follows "schedule a class" from the agencies by first gap
to a class with the volunteer ticked, which they confirm. axe-core on every page."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from registry.accounts.service import create_user
from registry.actors import SYSTEM
from registry.db import make_engine, unit_of_work
from tests.browser.conftest import audit_with_zoom, coordinator, screenshot
from tests.conftest import unique
from tests.live import LiveServer

PASSWORD = "a long browser password"
PLAN = {
    "districts": [{"code": "N", "name": "North"}],
    "shifts": [{"code": "NIGHT", "name": "Night", "starts": "22:00", "ends": "06:00"}],
}


def _world(server: LiveServer) -> dict[str, Any]:
    """A region, an agency with a one-slot plan and two officers nobody certified, a liaison
    and a coordinator who sign in with a password."""
    code = unique("V")
    ori = "UT" + uuid.uuid4().hex[:7].upper()
    with server.api() as api:
        assert api.post("/api/v1/regions", json={"code": code, "name": f"Region {code}"}).is_success
        agency = api.post(
            "/api/v1/agencies", json={"name": f"Police {code}", "ori": ori, "region": code}
        ).json()
        assert api.put(f"/api/v1/agencies/{agency['id']}/patrol", json=PLAN).is_success
        officers = [
            api.post(
                "/api/v1/officers",
                json={
                    "post_id": unique("VP"),
                    "first_name": first,
                    "last_name": unique("Reyes"),
                    "agency_id": agency["id"],
                    "patrol_start_date": (date.today() - timedelta(days=900)).isoformat(),
                },
            ).json()
            for first in ("Ada", "Ben")
        ]
    engine = make_engine(server.env["REGISTRY_DATABASE_URL"])
    liaison = unique("liaison")
    with unit_of_work(engine) as session:
        create_user(
            session, SYSTEM, username=liaison, role="liaison", agency_ori=ori, password=PASSWORD
        )
    engine.dispose()
    return {
        "code": code,
        "agency": agency,
        "officers": officers,
        "liaison": liaison,
        "coordinator": coordinator(server, code, PASSWORD),
    }


def _sign_in(page: Page, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _label(officer: dict[str, Any]) -> str:
    return f"{officer['first_name']} {officer['last_name']} ({officer['post_id']})"


def test_a_volunteer_goes_from_the_liaisons_phone_to_the_coordinators_next_class(
    server: LiveServer, desktop: Page, phone: Page
) -> None:
    world = _world(server)
    ada, ben = world["officers"]

    # The liaison, on a phone: their console is the agency's coverage page.
    _sign_in(phone, server, world["liaison"])
    expect(
        phone.get_by_role("heading", name=f"Coverage: {world['agency']['name']}")
    ).to_be_visible()
    audit_with_zoom(phone)
    volunteers = phone.get_by_role("group", name="Officers to nominate or withdraw")
    volunteers.get_by_label(_label(ada)).check()
    phone.get_by_role("button", name="Nominate the ticked officers for the next class").click()
    expect(phone.get_by_text("1 officer nominated.")).to_be_visible()
    ticked = phone.get_by_role("group", name="Officers to nominate or withdraw")
    expect(ticked.get_by_text("nominated", exact=True)).to_have_count(1)
    screenshot(phone, "coverage-liaison-nominates")

    # The coordinator, at a desk: the region's agencies by first gap, and the region's total.
    _sign_in(desktop, server, world["coordinator"])
    desktop.get_by_role("link", name="Coverage", exact=True).click()
    expect(desktop.get_by_role("heading", name="CIT coverage")).to_be_visible()
    total = desktop.get_by_role("row", name=f"Region {world['code']} total")
    expect(total).to_contain_text("1 agency, 1 with a gap")
    audit_with_zoom(desktop)
    screenshot(desktop, "coverage-region")

    # The region's public contact, printed on /agencies.
    desktop.get_by_label(f"Contact for region {world['code']}").fill("cit@region.example")
    desktop.get_by_role("button", name=f"Save the contact of {world['code']}").click()
    expect(desktop.get_by_text(f"Region {world['code']}'s public contact saved.")).to_be_visible()

    # "Schedule a class" with the agency's volunteer ticked; Ben, not nominated, is not listed.
    desktop.get_by_role(
        "link", name=f"Schedule a class for the 1 volunteers of {world['agency']['name']}"
    ).click()
    chosen = desktop.get_by_role(
        "group", name="Enroll these nominated volunteers (not certified) in the new class"
    )
    expect(chosen.get_by_label(_label(ada), exact=False)).to_be_checked()
    expect(chosen.get_by_text(ben["post_id"])).to_have_count(0)
    audit_with_zoom(desktop)
    start = date.today() + timedelta(days=14)
    desktop.get_by_label("First day").fill(start.isoformat())
    desktop.get_by_label("Last day").fill((start + timedelta(days=4)).isoformat())
    desktop.get_by_label("Location").fill("Volunteer Academy")
    desktop.get_by_role("button", name="Schedule class").click()
    expect(desktop.get_by_text(f"Class scheduled; {_label(ada)} enrolled.")).to_be_visible()
    expect(desktop.get_by_role("cell", name=ada["post_id"], exact=False).first).to_be_visible()
    screenshot(desktop, "coverage-class-from-volunteers")

    desktop.goto(f"{server.url}/agencies")
    expect(desktop.get_by_text("cit@region.example")).to_be_visible()


def test_the_administrator_makes_a_dispatch_account_for_a_cad_system(
    server: LiveServer, desktop: Page
) -> None:
    world = _world(server)
    engine = make_engine(server.env["REGISTRY_DATABASE_URL"])
    admin = unique("admin")
    with unit_of_work(engine) as session:
        create_user(session, SYSTEM, username=admin, role="admin", password=PASSWORD)
    engine.dispose()
    _sign_in(desktop, server, admin)
    desktop.get_by_role("link", name="Users", exact=True).click()
    name = unique("cad")
    desktop.get_by_label("Username").fill(name)
    desktop.get_by_label("Role").select_option("dispatch")
    desktop.get_by_label("Agency (a liaison or dispatch)").select_option(world["agency"]["ori"])
    desktop.get_by_role("button", name="Create account").click()
    expect(desktop.get_by_role("heading", name=f"{name}: dispatch account created")).to_be_visible()
    audit_with_zoom(desktop)
    screenshot(desktop, "dispatch-token")
    token = desktop.get_by_label("API token").input_value()
    agency = world["agency"]["id"]
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as cad:
        assert cad.get(f"/api/v1/agencies/{agency}/on-duty").status_code == 200
        assert cad.get(f"/api/v1/agencies/{agency}/coverage").status_code == 403
    # Its account page offers no console password.
    desktop.get_by_role("link", name="The account's page").click()
    expect(desktop.get_by_text("none (API token only)")).to_be_visible()
    expect(desktop.get_by_label("New password (12 characters or more)")).to_have_count(0)

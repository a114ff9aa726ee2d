"""The console forgives. Every console edit form, opened and saved unchanged in a real
browser, saves without an error and keeps every value: the officer's details (their
patrol-start date once showed blank, as a date input shows a value that is not ISO), the agency,
the region's name and public contact, the patrol plan, the attendance grid and the results
table. A retake is recorded from the class page, and the earlier results stay in view."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from registry.accounts.service import create_user
from registry.actors import SYSTEM
from registry.db import make_engine, unit_of_work
from tests.browser.conftest import serious_violations
from tests.conftest import unique
from tests.live import LiveServer, eligible_class, ok

PASSWORD = "an unchanged edit password"
CONTACT = "Coordinator desk, 801-555-0142"
PLAN = {
    "districts": [{"code": "NORTH", "name": "North district"}],
    "shifts": [{"code": "NIGHT", "name": "Night", "starts": "22:00", "ends": "06:00"}],
}


def _admin(server: LiveServer) -> str:
    engine = make_engine(server.env["REGISTRY_DATABASE_URL"])
    name = unique("editor")
    with unit_of_work(engine) as session:
        create_user(session, SYSTEM, username=name, role="admin", password=PASSWORD)
    engine.dispose()
    return name


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(_admin(server))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _state(server: LiveServer, class_id: str, officer_id: str) -> dict[str, Any]:
    """Everything the edit forms show, read through the API."""
    with server.api() as api:
        officer = ok(api.get(f"/api/v1/officers/{officer_id}"))
        agency = ok(api.get(f"/api/v1/agencies/{officer['agency_id']}"))
        regions = ok(api.get("/api/v1/regions"))
        return {
            "officer": {k: v for k, v in officer.items() if k not in ("updated_at",)},
            "agency": agency,
            "region": next(r for r in regions if r["code"] == agency["region"]),
            "contact_shown": CONTACT in api.get("/agencies").text,
            "plan": ok(api.get(f"/api/v1/agencies/{agency['id']}/patrol")),
            "roster": ok(api.get(f"/api/v1/classes/{class_id}/roster")),
        }


def _saved(page: Page, button: str) -> None:
    """Presses the form's button and waits for the page it leads to: no error shown there."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_every_console_edit_form_saves_unchanged(server: LiveServer, desktop: Page) -> None:
    with server.api() as api:
        class_id, officers = eligible_class(api, 2)
        officer_id = officers[0]
        agency_id = ok(api.get(f"/api/v1/officers/{officer_id}"))["agency_id"]
        ok(api.put(f"/api/v1/agencies/{agency_id}/patrol", json=PLAN))
        region_code = ok(api.get(f"/api/v1/agencies/{agency_id}"))["region"]
        ok(
            api.put(
                f"/api/v1/regions/{region_code}/contact",
                json={"contact": CONTACT},
            )
        )
        email = f"{unique('o')}@example.org"
        patched = api.patch(f"/api/v1/officers/{officer_id}", json={"email": email})
        assert patched.is_success, patched.text
    before = _state(server, class_id, officer_id)
    assert before["officer"]["patrol_start_date"] and before["plan"]["districts"]
    assert before["contact_shown"]

    page = desktop
    _sign_in(page, server)

    page.goto(f"{server.url}/console/officers/{officer_id}")
    expect(page.get_by_label("Patrol since")).to_have_value(before["officer"]["patrol_start_date"])
    _saved(page, "Save")
    expect(page.get_by_role("status")).to_contain_text("Saved.")

    page.goto(f"{server.url}/console/agencies/{agency_id}")
    _saved(page, "Save")
    expect(page.get_by_role("status")).to_contain_text("Saved.")

    page.goto(f"{server.url}/console/regions")
    code = before["agency"]["region"]
    with page.expect_navigation():
        page.get_by_label(f"Name of region {code}", exact=True).locator("xpath=..").get_by_role(
            "button", name="Rename"
        ).click()
    expect(page.get_by_role("status")).to_contain_text(f"Region {code} is now named")

    page.goto(f"{server.url}/console/agencies/{agency_id}/coverage")
    _saved(page, "Save the plan")

    page.goto(f"{server.url}/console/coverage")
    _saved(page, f"Save the contact of {code}")

    page.goto(f"{server.url}/console/classes/{class_id}")
    _saved(page, "Save attendance")
    page.goto(f"{server.url}/console/classes/{class_id}")
    _saved(page, "Save results")

    assert _state(server, class_id, officer_id) == before


def test_a_retake_is_recorded_and_the_first_result_stays(server: LiveServer, desktop: Page) -> None:
    with server.api() as api:
        class_id, officers = eligible_class(api, 1)
        officer = ok(api.get(f"/api/v1/officers/{officers[0]}"))
        ok(
            api.post(
                f"/api/v1/classes/{class_id}/results",
                json={"records": [{"officer_id": officer["id"], "scenario_evaluation": "fail"}]},
            )
        )
    name = f"{officer['first_name']} {officer['last_name']}"
    page = desktop
    _sign_in(page, server)
    page.goto(f"{server.url}/console/classes/{class_id}")
    attempts = page.get_by_label(f"{name}, scenario evaluation, attempts")
    # The class passed both; a scenario evaluation was then found failed, and is retaken.
    expect(attempts.get_by_role("listitem").nth(1)).to_contain_text("attempt 2: fail")

    page.get_by_label(f"{name}, scenario evaluation", exact=True).select_option("pass")
    _saved(page, "Save results")
    attempts = page.get_by_label(f"{name}, scenario evaluation, attempts")
    expect(attempts.get_by_role("listitem")).to_have_count(3)
    expect(attempts.get_by_role("listitem").nth(1)).to_contain_text("attempt 2: fail")
    expect(attempts.get_by_role("listitem").nth(2)).to_contain_text("attempt 3: pass")
    assert serious_violations(page) == []
    with server.api() as api:
        roster = ok(api.get(f"/api/v1/classes/{class_id}/roster"))["officers"][0]
    assert roster["eligible"] is True, roster["reasons"]


def test_the_admin_sets_the_programs_contact_and_a_revoked_page_shows_it(
    server: LiveServer, desktop: Page
) -> None:
    issued = server.issue()
    with server.api() as api:
        ok(api.post(f"/api/v1/credentials/{issued['credential_id']}/revoke", json={"reason": "x"}))
    page = desktop
    _sign_in(page, server)
    page.get_by_role("link", name="Program contact").click()
    assert serious_violations(page) == []
    page.get_by_label("Phone").fill("801-555-0100")
    page.get_by_label("Email").fill("cit@program.example")
    page.get_by_label("Address").fill("450 North State Street, Salt Lake City")
    try:
        page.get_by_role("button", name="Save the contact").click()
        expect(page.get_by_role("status")).to_contain_text("The program's contact is saved")
        expect(page.get_by_label("Phone")).to_have_value("801-555-0100")
        page.goto(f"{server.url}/c/{issued['credential_id']}")
        expect(page.locator("#contact")).to_contain_text(
            "phone 801-555-0100, email cit@program.example, address: 450 North State Street"
        )
    finally:
        # The program's contact is shared by the whole database: leave none behind.
        page.goto(f"{server.url}/console/program")
        for label in ("Phone", "Email", "Address"):
            page.get_by_label(label).fill("")
        page.get_by_role("button", name="Save the contact").click()
    expect(page.get_by_text("Shown now as: through the operator of this registry")).to_be_visible()


def test_back_then_submit_again_schedules_one_class(server: LiveServer, desktop: Page) -> None:
    with server.api() as api:
        code = unique("BK")
        ok(api.post("/api/v1/regions", json={"code": code, "name": f"Back {code}"}), 201)
    page = desktop
    _sign_in(page, server)
    page.get_by_role("link", name="Classes", exact=True).click()
    start = date.today() + timedelta(days=40)
    location = unique("Back Academy ")
    page.get_by_label("Region").select_option(code)
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_label("Last day").fill((start + timedelta(days=4)).isoformat())
    page.get_by_label("Location").fill(location)
    page.get_by_role("button", name="Schedule class").click()
    expect(page.get_by_role("status")).to_contain_text("Class scheduled.")
    made = page.url

    page.go_back()
    expect(page.get_by_label("Location")).to_have_value(location)
    print(
        page.locator("input[name=form_token]").input_value(),
        page.content().count("form_token"),
        page.url,
    )
    page.get_by_role("button", name="Schedule class").click()
    expect(page.get_by_role("status")).to_contain_text("already sent and saved")
    assert page.url == made
    with server.api() as api:
        classes = ok(api.get("/api/v1/classes"))
    assert [k["location"] for k in classes].count(location) == 1


def test_emailing_the_wallet_links_again_is_confirmed_first(
    server: LiveServer, desktop: Page
) -> None:
    with server.api() as api:
        class_id, officers = eligible_class(api, 1)
        ok(api.patch(f"/api/v1/officers/{officers[0]}", json={"email": "grad@example.org"}))
        ok(api.post(f"/api/v1/classes/{class_id}/certify", json={}))
        officer = ok(api.get(f"/api/v1/officers/{officers[0]}"))
    page = desktop
    _sign_in(page, server)
    send = "Email the wallet links to the graduates"
    page.goto(f"{server.url}/console/classes/{class_id}")
    page.get_by_role("button", name=send).click()
    expect(page.get_by_role("heading", name="Wallet links sent")).to_be_visible()

    page.goto(f"{server.url}/console/classes/{class_id}")
    page.get_by_role("button", name=send).click()
    expect(page.get_by_role("heading", name="Send the wallet links again?")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(officer["post_id"]))
    expect(row).to_contain_text(re.compile(r"\d{4} at \d\d:\d\d M[SD]T"))
    assert serious_violations(page) == []
    page.get_by_role("button", name="Yes, email the wallet links again").click()
    expect(page.get_by_role("heading", name="Wallet links sent")).to_be_visible()

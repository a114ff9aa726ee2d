"""A coordinator's week in a real browser: sign in, run a class from creation to certification
through the pages, revoke a credential; the officer opens the wallet on a phone; every page
passes the WCAG 2.1 AA rules of axe-core without a serious or critical violation."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import coordinator, screenshot, serious_violations, sign_in
from tests.conftest import unique
from tests.live import LiveServer

PASSWORD = "a long browser password"


def _world(server: LiveServer) -> dict[str, Any]:
    """A region with a coordinator who has a password, an agency and two officers."""
    code = unique("B")
    with server.api() as api:
        assert api.post("/api/v1/regions", json={"code": code, "name": f"Region {code}"}).is_success
        agency = api.post(
            "/api/v1/agencies",
            json={
                "name": f"Police {code}",
                "ori": "UT" + uuid.uuid4().hex[:7].upper(),
                "region": code,
            },
        ).json()
        officers = [
            api.post(
                "/api/v1/officers",
                json={
                    "post_id": unique("BP"),
                    "first_name": first,
                    "last_name": unique("Lane"),
                    "agency_id": agency["id"],
                    "patrol_start_date": (date.today() - timedelta(days=900)).isoformat(),
                },
            ).json()
            for first in ("Ada", "Ben")
        ]
    username = coordinator(server, code, PASSWORD)
    return {"code": code, "officers": officers, "username": username}


def _audit(page: Page) -> None:
    problems = serious_violations(page)
    assert problems == [], f"{page.url}: {problems}"


def test_a_class_week_through_the_console(server: LiveServer, desktop: Page, phone: Page) -> None:
    world = _world(server)
    ada, ben = world["officers"]
    page = desktop

    page.goto(f"{server.url}/login")
    _audit(page)
    screenshot(page, "login")
    page.get_by_label("Username").fill(world["username"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    _audit(page)

    page.get_by_role("link", name="Classes", exact=True).click()
    start = date.today() - timedelta(days=4)
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_label("Last day").fill((start + timedelta(days=4)).isoformat())
    page.get_by_label("Location").fill("Browser Academy")
    page.get_by_role("button", name="Schedule class").click()
    expect(page.get_by_text("Class scheduled.")).to_be_visible()

    for officer in (ada, ben):
        page.get_by_label("Enroll by POST id").fill(officer["post_id"])
        page.get_by_role("button", name="Enroll").click()
        expect(page.get_by_text(f"({officer['post_id']}) enrolled.")).to_be_visible()

    # Ada attends everything; Ben misses the role-play day.
    for cell in page.locator("input[name^='h:']").all():
        name = cell.get_attribute("name") or ""
        _, officer_id, module = name.split(":", 2)
        full = cell.get_attribute("max") or "0"
        cell.fill("0" if officer_id == ben["id"] and module == "SCENARIOS" else full)
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved")).to_be_visible()
    for officer in (ada, ben):
        name = f"{officer['first_name']} {officer['last_name']}"
        page.get_by_label(f"{name}, written exam").select_option("pass")
        page.get_by_label(f"{name}, scenario evaluation").select_option("pass")
    page.get_by_role("button", name="Save results").click()
    expect(page.get_by_text("Results saved for 2 officers.")).to_be_visible()
    # Why Ben is not eligible: one line in the roster, the reasons on demand.
    expect(page.get_by_text("Module SCENARIOS")).to_be_hidden()
    page.locator("details.why summary").first.click()
    expect(page.get_by_text("Module SCENARIOS")).to_be_visible()
    _audit(page)
    screenshot(page, "class")

    page.get_by_role("link", name="Certify all eligible graduates…").click()
    expect(page.get_by_text("These 1 officers passed")).to_be_visible()
    _audit(page)
    page.get_by_role("button", name="Yes, certify 1 officer").click()
    expect(page.get_by_role("heading", name="1 certification issued")).to_be_visible()
    expect(page.get_by_text("Module SCENARIOS")).to_be_visible()  # Ben, skipped, and why
    _audit(page)

    page.get_by_role("link", name="credential").first.click()
    expect(page.get_by_role("heading", name="Valid")).to_be_visible()
    _audit(page)
    screenshot(page, "credential")
    credential_id = re.search(r"/console/credentials/([0-9A-Z]+)", page.url)
    assert credential_id
    page.get_by_label("Reason for revoke").fill("Roster signature found forged")
    page.get_by_role("button", name="Revoke (final)").click()
    expect(page.get_by_role("heading", name="Revoke this credential?")).to_be_visible()
    _audit(page)
    page.get_by_role("button", name="Yes, revoke it for good").click()
    expect(page.get_by_text("Credential revoked.")).to_be_visible()
    expect(page.get_by_role("heading", name="Revoked")).to_be_visible()

    for path in (
        "/console",
        "/console/officers",
        "/console/agencies",
        "/console/classes",
        "/console/expiring",
        "/console/coverage",
        "/console/audit",
        f"/console/officers/{ada['id']}",
    ):
        page.goto(server.url + path)
        _audit(page)
    page.goto(server.url + "/console")
    screenshot(page, "dashboard")

    # The officer's side, on a phone: the public page and the wallet say "revoked".
    with server.api() as api:
        record = api.get(f"/api/v1/credentials/{credential_id.group(1)}").json()
    phone.goto(record["verify_url"])
    expect(phone.get_by_role("heading", name="Revoked")).to_be_visible()
    _audit(phone)
    screenshot(phone, "verify-phone")
    phone.goto(record["wallet_url"])
    expect(phone.get_by_text("revoked", exact=False).first).to_be_visible()
    _audit(phone)
    screenshot(phone, "wallet-phone")
    # The wallet fits a phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 412
    # A code that leads to no credential of this registry says so in words, on a page.
    answer = phone.goto(server.url + "/c/ABCDEFGHJKMNPQRSTVWXYZ0123")
    assert answer is not None and answer.status == 404
    expect(phone.get_by_role("heading", name="Not in the registry")).to_be_visible()
    _audit(phone)
    assert httpx.get(record["wallet_url"]).headers["cache-control"] == "no-store"


def test_the_accessibility_audit_has_teeth(desktop: Page) -> None:
    desktop.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    problems = serious_violations(desktop)
    assert any(p.startswith("image-alt") for p in problems)
    assert any(p.startswith("html-has-lang") or p.startswith("label") for p in problems)


def test_an_agency_page_lists_its_officers_accessibly(server: LiveServer, desktop: Page) -> None:
    world = _world(server)
    ada, ben = world["officers"]
    page = desktop
    sign_in(page, server.url, world["username"], PASSWORD)
    page.goto(f"{server.url}/console/agencies/{ada['agency_id']}")
    officers = page.get_by_role("table").filter(has_text="POST id")
    expect(officers.get_by_role("link", name=ada["post_id"])).to_be_visible()
    expect(officers.get_by_role("link", name=ben["post_id"])).to_be_visible()
    expect(page.get_by_text("2 officers")).to_be_visible()
    # One page holds both: no link onwards.
    expect(page.get_by_role("link", name=re.compile("^Next"))).to_have_count(0)
    _audit(page)
    officers.get_by_role("link", name=ben["post_id"]).click()
    expect(page.get_by_role("heading", name=re.compile("Ben"))).to_be_visible()

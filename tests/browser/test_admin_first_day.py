"""The administrator's first day in a real browser: one CLI command makes the first admin with
a password; regions, agencies (one by one and from a CSV file), the course and the coordinators'
accounts are then managed in the console, every page passing axe-core's WCAG 2.1 AA rules
without a serious violation, and the new coordinator signs in."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import serious_violations
from tests.conftest import unique
from tests.live import LiveServer, run_registry

PASSWORD = "first day admin password"


def _audit(page: Page) -> None:
    problems = serious_violations(page)
    assert problems == [], f"{page.url}: {problems}"


def test_the_first_admin_runs_the_program_from_the_console(
    server: LiveServer, desktop: Page, tmp_path: Path
) -> None:
    name = unique("chief")
    made = run_registry(
        "user", "create", name, "--role", "admin", "--password-stdin",
        env=server.env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    page = desktop
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Regions")).to_be_visible()

    page.get_by_role("link", name="Regions").click()
    code = unique("FD")
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name", exact=True).fill("First Day Region")
    page.get_by_role("button", name="Add region").click()
    expect(page.get_by_role("status")).to_contain_text(f"Region {code} (First Day Region) added.")
    _audit(page)

    page.get_by_role("link", name="Agencies").click()
    ori = "UT" + uuid.uuid4().hex[:7].upper()
    page.get_by_label("Name").fill("First Day Police")
    page.get_by_label("ORI (9 characters)").fill(ori)
    page.get_by_label("Region").select_option(code)
    page.get_by_role("button", name="Add agency").click()
    page.get_by_role("link", name="First Day Police").click()
    _audit(page)
    page.get_by_label("Name").fill("First Day Police Department")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_role("heading", name="First Day Police Department")).to_be_visible()

    csv = tmp_path / "agencies.csv"
    rows = [f"Agency {i},UT{uuid.uuid4().hex[:7].upper()},{code}" for i in range(5)]
    csv.write_text("name,ori,region\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Agencies CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Import agencies").click()
    expect(page.get_by_role("status")).to_contain_text("agencies.csv: saved 5 agencies.")
    _audit(page)

    page.get_by_role("link", name="Courses").click()
    _audit(page)
    page.get_by_role("link", name="CIT-40").click()
    expect(page.get_by_role("heading", name="(CIT-40)")).to_be_visible()
    _audit(page)

    page.get_by_role("link", name="Users").click()
    coordinator = unique("coord")
    form = page.get_by_role("region", name="Create an account with a password")
    form.get_by_label("Username").fill(coordinator)
    form.get_by_label("Role").select_option("coordinator")
    form.get_by_label("Region (coordinators and instructors)").select_option(code)
    form.get_by_label("Initial password").fill(PASSWORD + " two")
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Account created")
    expect(page.get_by_role("heading", name=coordinator)).to_be_visible()
    _audit(page)

    page.get_by_role("link", name="Regions").click()
    row = page.get_by_role("row").filter(has_text=code)
    expect(row.get_by_role("cell").nth(1)).to_have_text("6")  # agencies
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")  # coordinators

    # The coordinator made in the console signs in and works in the new region.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(coordinator)
    page.get_by_label("Password").fill(PASSWORD + " two")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Agencies").click()
    expect(page.get_by_role("link", name="First Day Police Department")).to_be_visible()
    expect(page.get_by_role("link", name="Regions")).to_have_count(0)

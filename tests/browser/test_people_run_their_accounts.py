"""Issue 23, items 9 to 11, in a real Chromium as each person does it (controls found by their
labels, axe-core on every new page): the new administrator's first-run checklist, an invitation
opened on a phone, a password changed and a forgotten one reset, a role changed, and a
coordinator importing an agency's own workbook with one bad row. Each journey is counted
(tests/browser/actions.py), and the count bounded."""

from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import Actions
from tests.browser.conftest import PHONE, coordinator, serious_violations
from tests.conftest import unique
from tests.live import LiveServer, run_registry, serve

ADMIN_PASSWORD = "the administrator's passphrase"
CHOSEN = "a passphrase I chose myself"


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-outbox")


@pytest.fixture(scope="module")
def server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, outbox: Path
) -> Iterator[LiveServer]:
    """A server of this module's own, whose emails land in its outbox."""
    with serve(
        database_url,
        tmp_path_factory.mktemp("people-keys"),
        tmp_path_factory.mktemp("people-log") / "server.log",
        REGISTRY_OUTBOX_DIR=str(outbox),
    ) as live:
        yield live


def _audit(page: Page) -> None:
    problems = serious_violations(page)
    assert problems == [], f"{page.url}: {problems}"


def _links_to(outbox: Path, address: str) -> list[str]:
    """The account links emailed to the address, oldest first."""
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            body = message.get_body(("plain",))
            assert body is not None
            match = re.search(r"(http\S+/account/password/\S+)", body.get_content())
            assert match
            found.append(match.group(1))
    return found


def _link_to(outbox: Path, address: str, number: int) -> str:
    """The `number`th link emailed to the address; a reset is written just after the answer
    (in a background task), so it is waited for."""
    deadline = time.monotonic() + 15
    while len(links := _links_to(outbox, address)) < number:
        assert time.monotonic() < deadline, f"no email number {number} to {address}"
        time.sleep(0.1)
    return links[number - 1]


def _set_password(act: Actions, password: str) -> None:
    """On the page of an emailed link: the new password twice, then set."""
    page = act.page
    for label in ("New password", "The same password again"):
        page.get_by_label(label).fill("")  # as a person finds the fields (not counted)
        act.enter(page.get_by_label(label), password)
    act.click(page.get_by_role("button", name="Set my password"))
    expect(page.get_by_role("status")).to_contain_text("Your password is set")


def _sign_in_from_the_link(act: Actions, name: str, password: str) -> None:
    """From "Your password is set" to the dashboard."""
    page = act.page
    act.click(page.get_by_role("link", name="Sign in"))
    named = page.get_by_label("Username")
    if (kept := named.input_value()) != name:
        (act.type if kept else act.enter)(named, name)
    act.enter(page.get_by_label("Password"), password)
    act.click(page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _sign_in(page: Page, server: LiveServer, name: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_admin_invites_and_the_coordinator_runs_their_own_password(
    server: LiveServer, desktop: Page, browser: Browser, outbox: Path
) -> None:
    admin = unique("chief")
    made = run_registry(
        "user", "create", admin, "--role", "admin", "--password-stdin",
        env=server.env, stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    code = unique("PR")
    with server.api() as api:
        assert api.post("/api/v1/regions", json={"code": code, "name": "People"}).is_success

    page = desktop
    _sign_in(page, server, admin, ADMIN_PASSWORD)
    checklist = page.get_by_role("region", name=re.compile("First-run checklist"))
    expect(checklist).to_contain_text("HTTPS")
    expect(checklist.get_by_role("listitem").filter(has_text="Regions")).to_contain_text("done")
    expect(checklist.get_by_role("listitem").filter(has_text="HTTPS")).to_contain_text("to do")
    _audit(page)

    inviting = Actions(page)  # from the dashboard
    inviting.click(page.get_by_role("link", name="Users"))
    invited = unique("ina")
    address = f"{invited}@example.gov"
    form = page.get_by_role("region", name="Invite by email")
    inviting.enter(form.get_by_label("Username"), invited)
    inviting.enter(form.get_by_label("Email address"), address)
    inviting.choose(form.get_by_label("Role"), "coordinator")
    inviting.choose(form.get_by_label("Region (coordinators and instructors)"), code)
    inviting.click(form.get_by_role("button", name="Send the invitation"))
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {address}")
    expect(page.get_by_role("heading", name=invited)).to_be_visible()
    _audit(page)

    # The invitee opens the email's link on a phone and chooses a password.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    link = _link_to(outbox, address, 1)
    joining = Actions(phone)
    joining.follow(link)
    expect(phone.get_by_text("At least 12 characters")).to_be_visible()
    _audit(phone)
    # A slip first (not counted: the count is of the journey without one).
    phone.get_by_label("New password").fill(CHOSEN)
    phone.get_by_label("The same password again").fill(CHOSEN + " typo")
    phone.get_by_role("button", name="Set my password").click()
    expect(phone.get_by_role("alert")).to_contain_text("not the same")
    _set_password(joining, CHOSEN)
    _audit(phone)
    _sign_in_from_the_link(joining, invited, CHOSEN)
    # The link works once.
    phone.goto(link)
    expect(phone.get_by_role("alert")).to_contain_text("already used")
    _audit(phone)
    phone.goto(f"{server.url}/console")
    expect(phone.get_by_role("heading", name="Dashboard")).to_be_visible()

    # Their own account: a new password, the current one required.
    phone.get_by_role("link", name=re.compile(invited)).click()
    _audit(phone)
    phone.get_by_label("Current password").fill(CHOSEN)
    phone.get_by_label("New password", exact=True).fill(CHOSEN + " two")
    phone.get_by_label("The new password again").fill(CHOSEN + " two")
    phone.get_by_role("button", name="Change my password").click()
    expect(phone.get_by_role("status")).to_contain_text("Password changed")
    phone.get_by_role("button", name="Sign out").click()

    # Forgotten: the sign-in page leads to a reset by email.
    resetting = Actions(phone)  # from the sign-in page
    resetting.click(phone.get_by_role("link", name="Forgot your password?"))
    _audit(phone)
    resetting.enter(phone.get_by_label("Username or email address"), address)
    resetting.click(phone.get_by_role("button", name="Email me a link"))
    expect(phone.get_by_role("status")).to_contain_text("If an account has that username")
    resetting.follow(_link_to(outbox, address, 2))
    _set_password(resetting, CHOSEN + " three")
    _sign_in_from_the_link(resetting, invited, CHOSEN + " three")
    context.close()
    print(
        f"\ninvitation: the administrator {inviting.count} actions ({inviting.keys} keys type "
        f"the username and email address); the invitee, from the email to the dashboard, "
        f"{joining.count} ({joining.keys} keys type the password twice and sign in)"
        f"\nforgotten password, from the sign-in page to the dashboard: {resetting.count} "
        f"actions ({resetting.keys} keys type the address, the password twice, and sign in)"
    )
    # Besides the typing: Users, 2 fields, 2 choices, send; the link, 2 fields, set, then
    # Sign in, 2 fields, press; and for a reset the way to it, 1 field, a press, before that.
    assert inviting.count - inviting.keys <= 8
    assert joining.count - joining.keys <= 8
    assert resetting.count - resetting.keys <= 11

    # The administrator makes the coordinator an instructor.
    page.reload()
    changes = page.get_by_role("region", name="Role, region and email")
    changes.get_by_label("Role").select_option("instructor")
    changes.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_text("instructor").first).to_be_visible()
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_text("user.change").first).to_be_visible()


def test_a_coordinator_imports_the_agencys_own_spreadsheet(
    server: LiveServer, desktop: Page, tmp_path: Path
) -> None:
    code = unique("SH")
    with server.api() as api:
        assert api.post("/api/v1/regions", json={"code": code, "name": "Sheets"}).is_success
        agency = api.post(
            "/api/v1/agencies",
            json={
                "name": f"Sheet PD {code}",
                "ori": "UT" + uuid.uuid4().hex[:7].upper(),
                "region": code,
            },
        ).json()
    name = coordinator(server, code, ADMIN_PASSWORD)
    good = unique("SP")
    # The agency's own workbook: its column names, a real date cell, one row with no date.
    book = Workbook()
    rows = book.active
    assert rows is not None
    rows.append(["Badge Notes", "POST #", "Last Name", "First Name", "Hire Date"])
    rows.append(["x", good, "Rivera", "Sam", date.today() - timedelta(days=900)])
    rows.append(["y", unique("SP"), "Ng", "Kim", "someday"])
    sheet = tmp_path / "our-roster.xlsx"
    book.save(sheet)
    page = desktop
    _sign_in(page, server, name, ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    act = Actions(page)  # from the dashboard
    act.click(page.get_by_role("link", name="Import"))
    _audit(page)
    with page.expect_download() as template:  # offered, not needed: not counted
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert template.value.suggested_filename == "officers-template.csv"
    act.pick_file(page.get_by_label("Spreadsheet (CSV or .xlsx)"), sheet)
    act.choose(
        page.get_by_label("The agency the file comes from"),
        label=f"{agency['name']} ({agency['ori']})",
    )
    act.click(page.get_by_role("button", name="Read the spreadsheet"))
    expect(page.get_by_role("heading", name="Match the columns of our-roster.xlsx")).to_be_visible()
    expect(page.get_by_label("POST id (required)")).to_have_value("POST #")
    expect(page.get_by_label("Patrol start date (required)")).to_have_value("Hire Date")
    _audit(page)
    act.click(page.get_by_role("button", name="Preview every row"))
    expect(page.get_by_role("status")).to_contain_text("1 row can be saved, 1 is refused")
    expect(page.get_by_role("row").filter(has_text="Ng")).to_contain_text("not a date")
    _audit(page)
    act.click(page.get_by_role("button", name="Save the 1 good row"))
    expect(page.get_by_role("status")).to_contain_text("Saved 1 new officer")
    _audit(page)
    with page.expect_download() as refused:
        act.click(page.get_by_role("button", name=re.compile("Download the 1 refused row")))
    print(f"\nan agency's workbook, dashboard to the refused rows' CSV: {act.count} actions")
    # Import, the file (2), the agency (2), read, preview, save, download: the columns were
    # matched for the person, so the count holds whatever the sheet is called.
    assert act.count <= 9
    body = Path(refused.value.path()).read_text(encoding="utf-8-sig")
    assert (
        "someday" in body and "not a date" in body and body.splitlines()[0].endswith("line,reason")
    )
    with server.api() as api:
        found = api.get("/api/v1/officers", params={"q": good}).json()
    assert [o["last_name"] for o in found] == ["Rivera"]

"""Issue 23, items 9 to 11, in a real Chromium as each person does it (controls found by their
labels, axe-core on every new page): the new administrator's first-run checklist, an invitation
opened on a phone, a password changed and a forgotten one reset, a role changed, and a
coordinator importing an agency's own spreadsheet with one bad row."""

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
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, serious_violations
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

    page.get_by_role("link", name="Users").click()
    invited = unique("ina")
    address = f"{invited}@example.gov"
    form = page.get_by_role("region", name="Invite by email")
    form.get_by_label("Username").fill(invited)
    form.get_by_label("Email address").fill(address)
    form.get_by_label("Role").select_option("coordinator")
    form.get_by_label("Region (coordinators and instructors)").select_option(code)
    form.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {address}")
    expect(page.get_by_role("heading", name=invited)).to_be_visible()
    _audit(page)

    # The invitee opens the email's link on a phone and chooses a password.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    link = _link_to(outbox, address, 1)
    phone.goto(link)
    expect(phone.get_by_text("At least 12 characters")).to_be_visible()
    _audit(phone)
    phone.get_by_label("New password").fill(CHOSEN)
    phone.get_by_label("The same password again").fill(CHOSEN + " typo")
    phone.get_by_role("button", name="Set my password").click()
    expect(phone.get_by_role("alert")).to_contain_text("not the same")
    phone.get_by_label("New password").fill(CHOSEN)
    phone.get_by_label("The same password again").fill(CHOSEN)
    phone.get_by_role("button", name="Set my password").click()
    expect(phone.get_by_role("status")).to_contain_text("Your password is set")
    _audit(phone)
    # The link works once.
    phone.goto(link)
    expect(phone.get_by_role("alert")).to_contain_text("already used")
    _audit(phone)
    phone.get_by_role("link", name="Sign in").click()
    phone.get_by_label("Username").fill(invited)
    phone.get_by_label("Password").fill(CHOSEN)
    phone.get_by_role("button", name="Sign in").click()
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
    phone.get_by_role("link", name="Forgot your password?").click()
    _audit(phone)
    phone.get_by_label("Username or email address").fill(address)
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone.get_by_role("status")).to_contain_text("If an account has that username")
    phone.goto(_link_to(outbox, address, 2))
    phone.get_by_label("New password").fill(CHOSEN + " three")
    phone.get_by_label("The same password again").fill(CHOSEN + " three")
    phone.get_by_role("button", name="Set my password").click()
    expect(phone.get_by_role("status")).to_contain_text("Your password is set")
    context.close()

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
    from tests.browser.conftest import coordinator

    name = coordinator(server, code, ADMIN_PASSWORD)
    started = (date.today() - timedelta(days=900)).isoformat()
    good = unique("SP")
    sheet = tmp_path / "our-roster.csv"
    sheet.write_text(
        "Badge Notes,POST #,Last Name,First Name,Hire Date\n"
        f"x,{good},Rivera,Sam,{started}\n"
        f"y,{unique('SP')},Ng,Kim,someday\n",
        encoding="utf-8",
    )
    page = desktop
    _sign_in(page, server, name, ADMIN_PASSWORD)
    page.get_by_role("link", name="Import").click()
    _audit(page)
    with page.expect_download() as template:
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert template.value.suggested_filename == "officers-template.csv"
    page.get_by_label("Spreadsheet (CSV or .xlsx)").set_input_files(str(sheet))
    page.get_by_label("The agency the file comes from").select_option(
        label=f"{agency['name']} ({agency['ori']})"
    )
    page.get_by_role("button", name="Read the spreadsheet").click()
    expect(page.get_by_role("heading", name="Match the columns of our-roster.csv")).to_be_visible()
    expect(page.get_by_label("POST id (required)")).to_have_value("POST #")
    expect(page.get_by_label("Patrol start date (required)")).to_have_value("Hire Date")
    _audit(page)
    page.get_by_role("button", name="Preview every row").click()
    expect(page.get_by_role("status")).to_contain_text("1 row can be saved, 1 is refused")
    expect(page.get_by_role("row").filter(has_text="Ng")).to_contain_text("not a date")
    _audit(page)
    page.get_by_role("button", name="Save the 1 good row").click()
    expect(page.get_by_role("status")).to_contain_text("Saved 1 new officer")
    _audit(page)
    with page.expect_download() as refused:
        page.get_by_role("button", name=re.compile("Download the 1 refused row")).click()
    body = Path(refused.value.path()).read_text(encoding="utf-8-sig")
    assert (
        "someday" in body and "not a date" in body and body.splitlines()[0].endswith("line,reason")
    )
    with server.api() as api:
        found = api.get("/api/v1/officers", params={"q": good}).json()
    assert [o["last_name"] for o in found] == ["Rivera"]

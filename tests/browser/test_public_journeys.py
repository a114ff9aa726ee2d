"""The hiring department's three ways in (the QR code's URL, the id typed from the certificate,
the .jwt pasted or uploaded) and the officer's phone, in a real Chromium, each page passing
axe-core's WCAG 2.1 AA rules at 100 % and at 200 % zoom."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, audit_with_zoom, screenshot
from tests.live import LiveServer


def _audit(page: Page) -> None:
    """axe at 100 % and 200 %; at 200 % nothing needs sideways scrolling either (reflow)."""
    audit_with_zoom(page)
    size = page.viewport_size or DESKTOP
    page.set_viewport_size({"width": size["width"] // 2, "height": size["height"] // 2})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] // 2 + 1
    finally:
        page.set_viewport_size(size)


def _valid(page: Page, credential_id: str) -> None:
    expect(page.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    expect(page.get_by_text(credential_id).first).to_be_visible()
    expect(page.get_by_text("belongs to the officer and stays valid")).to_be_visible()


def test_a_hiring_department_checks_by_qr_by_typed_id_and_by_file(
    server: LiveServer, desktop: Page, phone: Page, tmp_path: Path
) -> None:
    item: dict[str, Any] = server.issue()
    credential_id = item["credential_id"]

    # 1. The QR code: the phone opens the URL it holds.
    phone.goto(item["verify_url"])
    _valid(phone, credential_id)
    expect(phone.get_by_role("heading", name="What was checked")).to_be_visible()
    # Who vouches for the issuer: by default the registry's own DCC entry, linked.
    expect(phone.get_by_role("link", name="this registry's own entry")).to_have_attribute(
        "href", server.url + "/.well-known/dcc-registry-entry.json"
    )
    _audit(phone)
    screenshot(phone, "verify-valid-phone")

    # 2. The id typed from the printed certificate, as a person types it.
    page = desktop
    page.goto(server.url + "/")
    page.get_by_role("link", name="Verify a certification").first.click()
    expect(page.get_by_role("heading", name="Verify a CIT certification")).to_be_visible()
    _audit(page)
    screenshot(page, "verify-form")
    typed = f"{credential_id[:5]} {credential_id[5:13]}-{credential_id[13:]}".lower()
    page.get_by_role("textbox", name="Credential id").fill(typed)
    page.get_by_role("button", name="Check this id").click()
    page.wait_for_url(f"**/c/{credential_id}")
    _valid(page, credential_id)
    _audit(page)

    # Printed, it is a receipt: the verdict, when it was checked, the address; no navigation.
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    expect(page.get_by_text("Checked on ")).to_be_visible()
    expect(page.get_by_text(f"/c/{credential_id}").first).to_be_visible()
    page.emulate_media(media="screen")

    # 3. The .jwt the officer handed over: uploaded, then pasted.
    page.goto(server.url + "/verify")
    jwt = tmp_path / f"cit-{credential_id}.jwt"
    jwt.write_text(item["token"])
    page.get_by_label("The certificate (PDF)").set_input_files(str(jwt))
    page.get_by_role("button", name="Check this file").click()
    _valid(page, credential_id)
    page.goto(server.url + "/verify")
    page.get_by_label("The contents of the .jwt file").fill(item["token"])
    page.get_by_role("button", name="Check this token").click()
    _valid(page, credential_id)
    _audit(page)

    # A typo leads to a page that says so and back to the form.
    page.goto(server.url + "/verify")
    page.get_by_role("textbox", name="Credential id").fill("not an id!")
    page.get_by_role("button", name="Check this id").click()
    expect(page.get_by_role("alert")).to_contain_text("A credential id is up to 32")
    _audit(page)


def test_the_lookup_forgives_accents_and_keeps_the_query_out_of_the_url(
    server: LiveServer, desktop: Page
) -> None:
    item: dict[str, Any] = server.issue()
    verdict = httpx.get(item["verify_url"], headers={"Accept": "application/json"}).json()
    holder = verdict["credential"]["holder"]
    post_id, last_name = holder["post_id"], holder["name"].split()[-1]
    page = desktop
    page.goto(server.url + "/lookup")
    page.get_by_label("POST id").fill(post_id.lower().replace("-", " "))
    page.get_by_label("Last name").fill(f" {last_name.upper()} ")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("link", name="Full verification")).to_be_visible()
    assert page.url.endswith("/lookup")  # the POST id and name are in no URL
    _audit(page)


def test_the_course_page_reads_for_a_person(server: LiveServer, desktop: Page) -> None:
    desktop.goto(server.url + "/courses/CIT-40")
    expect(desktop.get_by_role("heading", name="What it takes to pass")).to_be_visible()
    expect(desktop.get_by_text("40 hours").first).to_be_visible()
    _audit(desktop)


def test_the_officer_on_a_phone_understands_what_they_carry(
    server: LiveServer, phone: Page
) -> None:
    item: dict[str, Any] = server.issue()
    phone.goto(item["wallet_url"])
    expect(phone.get_by_role("heading", name="How to use this page")).to_be_visible()
    expect(phone.get_by_text("A screenshot of this page proves nothing")).to_be_visible()
    _audit(phone)
    screenshot(phone, "wallet-valid-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 412
    phone.get_by_role("link", name="Show QR full screen").click()
    expect(phone.get_by_role("heading", name="Scan me")).to_be_visible()
    expect(phone.get_by_text("Valid", exact=True)).to_have_count(0)
    _audit(phone)
    screenshot(phone, "wallet-qr-phone")

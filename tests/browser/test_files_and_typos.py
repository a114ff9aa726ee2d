"""Issue 23, items 1 and 2, as a hiring department does them in Chromium: upload the officer's
PDF certificate and a screenshot of the wallet's QR code on /verify; mistype an id and be told
plainly that it was not found and what to check."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.actions import Actions
from tests.browser.conftest import audit_with_zoom, screenshot
from tests.live import LiveServer

FILE_LABEL = "The certificate (PDF), a photo or screenshot"


def _upload(page: Page, server: LiveServer, name: str, mime: str, data: bytes) -> None:
    page.goto(server.url + "/verify")
    page.get_by_label(FILE_LABEL).set_input_files({"name": name, "mimeType": mime, "buffer": data})
    page.get_by_role("button", name="Check this file").click()


def test_the_pdf_and_a_screenshot_of_the_wallets_qr_get_the_true_verdict(
    server: LiveServer, desktop: Page, phone: Page
) -> None:
    item: dict[str, Any] = server.issue()
    credential_id = item["credential_id"]

    # The officer holds up the wallet's full-screen QR code; someone takes a screenshot of it.
    phone.goto(f"{item['wallet_url']}/show/{credential_id}")
    shot = phone.screenshot(full_page=True)
    _upload(desktop, server, "Screenshot_20261207.png", "image/png", shot)
    desktop.wait_for_url(f"**/c/{credential_id}")
    expect(desktop.get_by_role("heading", name="Valid", exact=True)).to_be_visible()

    pdf = httpx.get(f"{item['verify_url']}/certificate.pdf").content
    _upload(desktop, server, f"cit-certificate-{credential_id}.pdf", "application/pdf", pdf)
    expect(desktop.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    expect(desktop.get_by_text(credential_id).first).to_be_visible()

    _upload(desktop, server, "holiday.png", "image/png", _blank_png())
    alert = desktop.get_by_role("alert")
    expect(alert).to_contain_text("We could not find a certificate in this file.")
    expect(desktop.get_by_role("heading", name="Not valid")).to_have_count(0)
    audit_with_zoom(desktop)
    screenshot(desktop, "verify-no-certificate")


def _blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 220, 240)).save(out, "PNG")
    return out.getvalue()


def test_a_mistyped_id_is_not_found_in_plain_words_on_the_form_and_at_the_address(
    server: LiveServer, desktop: Page, phone: Page
) -> None:
    item: dict[str, Any] = server.issue()
    credential_id = item["credential_id"]
    typo = credential_id[:9] + credential_id[10:]  # one character left out
    desktop.goto(server.url + "/verify")
    desktop.get_by_role("textbox", name="Credential id").fill(typo.lower())
    desktop.get_by_role("button", name="Check this id").click()
    alert = desktop.get_by_role("alert")
    expect(alert).to_contain_text(f"No certification with the id {typo} is in the registry.")
    expect(alert).to_contain_text("Check it against the certificate, character by character")
    expect(alert).to_contain_text("It has 25 characters, not 26")
    expect(alert).not_to_contain_text("rely")
    field = desktop.get_by_role("textbox", name="Credential id")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value(typo.lower())  # kept, to be corrected, not typed again
    audit_with_zoom(desktop)
    screenshot(desktop, "verify-typo")

    # The id one slip explains is offered: one tap would open it.
    expect(desktop.get_by_role("link", name=credential_id)).to_have_attribute(
        "href", f"/c/{credential_id}"
    )
    # Or the field mended, counted: a tap where the character is missing, the character, the button.
    act = Actions(desktop)
    act.click(field)
    field.evaluate("(el, at) => el.setSelectionRange(at, at)", 9)  # where the tap landed
    field.press(credential_id[9])
    act.count, act.keys = act.count + 1, act.keys + 1
    act.click(desktop.get_by_role("button", name="Check this id"))
    expect(desktop.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    assert desktop.url.endswith(f"/c/{credential_id}")
    print(f"\nmistyped id, the fix: {act.count} actions, {act.keys} of them keys")
    assert act.count <= 3

    answer = phone.goto(f"{server.url}/c/{typo}")
    assert answer is not None and answer.status == 404
    expect(phone.get_by_role("heading", name="Not in the registry")).to_be_visible()
    expect(phone.get_by_text("Check it against the certificate")).to_be_visible()
    expect(phone.get_by_text("rely", exact=False)).to_have_count(0)
    audit_with_zoom(phone)

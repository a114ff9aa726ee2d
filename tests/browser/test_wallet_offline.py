"""Issue 23, item 13, on a phone in Chromium: "Add to a wallet app" names the apps and their
store pages, says what will happen and what to do when it fails, and fits a 360-pixel screen;
the wallet page is installable (its manifest linked and valid) and, once opened, shows its QR
code offline through a service worker that keeps only that officer's own page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import audit_with_zoom, screenshot
from tests.live import LiveServer

SMALL_PHONE = {"width": 360, "height": 740}
STORES = {
    "https://apps.apple.com/us/app/learner-credential-wallet/id1590615710",
    "https://play.google.com/store/apps/details?id=app.lcw",
    "https://apps.apple.com/us/app/learncard/id1635841898",
    "https://play.google.com/store/apps/details?id=com.learncard.app",
}


@pytest.fixture
def small_phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=SMALL_PHONE,  # type: ignore[arg-type]
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
    )
    yield context
    context.close()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]


def test_add_to_a_wallet_app_names_the_apps_and_fits_a_small_phone(
    server: LiveServer, small_phone: BrowserContext
) -> None:
    item: dict[str, Any] = server.issue()
    page = small_phone.new_page()
    page.goto(item["wallet_url"])
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Add to a wallet app").click()
    expect(page.get_by_role("heading", name="Add to a wallet app")).to_be_visible()
    for heading in ("1. Get a wallet app (free)", "What will happen", "If it does not work"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    links = {
        page.get_by_role("link", name=name).nth(i).get_attribute("href")
        for name in ("iPhone (App Store)", "Android (Google Play)")
        for i in range(2)
    }
    assert links == STORES
    expect(page.get_by_role("link", name="Open in the Learner Credential Wallet")).to_be_visible()
    expect(page.get_by_text("It may call the issuer “unknown”")).to_be_visible()
    _no_sideways_scroll(page)
    audit_with_zoom(page)
    screenshot(page, "wallet-handover-360")


def test_the_wallet_installs_and_shows_its_qr_code_offline_and_nothing_else(
    server: LiveServer, small_phone: BrowserContext
) -> None:
    mine: dict[str, Any] = server.issue()
    other: dict[str, Any] = server.issue()
    page = small_phone.new_page()
    page.goto(mine["wallet_url"])
    scope = "/wallet/" + mine["wallet_url"].split("/wallet/")[1]

    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["start_url"] == mine["wallet_url"] == manifest["scope"]
    assert manifest["display"] == "standalone" and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert page.request.get(server.url + icon["src"]).ok

    registered = page.evaluate(
        "Promise.race([navigator.serviceWorker.ready.then(r => r.scope),"
        " new Promise(done => setTimeout(() => done('not ready'), 10000))])"
    )
    assert registered == server.url + scope
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    cached = page.evaluate(
        "caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
        ".then(c => c.keys())))).then(all => all.flat().map(r => new URL(r.url).pathname))"
    )
    credential_id = mine["credential_id"]
    assert scope in cached and f"/c/{credential_id}/qr.svg" in cached
    assert all(
        p.startswith((scope, "/static/wallet")) or p == f"/c/{credential_id}/qr.svg" for p in cached
    ), cached

    small_phone.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="My CIT certifications")).to_be_visible()
    qr = page.get_by_role("img", name="QR code that opens the live verification")
    expect(qr).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 0
    page.get_by_role("link", name="Show QR full screen").click()
    expect(page.get_by_role("img").first).to_be_visible()
    audit_with_zoom(page)

    # Nothing of anyone else was kept: another officer's page and the console stay offline.
    for elsewhere in (other["wallet_url"], server.url + "/console"):
        with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
            small_phone.new_page().goto(elsewhere)
    small_phone.set_offline(False)

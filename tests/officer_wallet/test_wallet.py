"""The officer's wallet: live status per credential, a full-screen QR, a web app manifest, and a
link that a coordinator can re-issue (killing the old one)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image
from sqlmodel import select

from registry.common import add_months, utcnow
from registry.credentials.renewal import GRACE_MONTHS
from registry.dates import long_date
from registry.db import unit_of_work
from registry.tables.audit import AuditEntry
from registry.tables.credentials import Credential
from tests.conftest import PUBLIC_URL, Api, Region, program_zone
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.expiry import expired_copy
from tests.officer_wallet.test_certificate_pdf import issue


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC_URL + "/wallet/")
    return urlsplit(url).path


def assert_private_page(r: Any) -> None:
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"


def assert_no_inline_code(html: str) -> None:
    # Scripts only from a file of our own (the wallet's registers its service worker).
    assert re.search(r"<script(?![^>]*\ssrc=\"/static/[a-z-]+\.js\")", html, re.I) is None
    assert re.search(r"\sstyle\s*=", html, re.IGNORECASE) is None
    assert "<style" not in html.lower()
    assert re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE) is None  # no onclick= etc.


@pytest.fixture
def console_client(client: TestClient[Litestar]) -> Iterator[TestClient[Litestar]]:
    client.cookies.clear()
    yield client
    client.cookies.clear()


def test_the_wallet_lists_credentials_with_live_status_and_links(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    wallet = path_of(item["wallet_url"])
    cid = item["credential_id"]
    r = anonymous.get(wallet)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert_private_page(r)
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert_no_inline_code(r.text)
    officer = item["officer"]
    assert f"{officer['first_name']} {officer['last_name']}" in r.text
    assert officer["post_id"] in r.text
    assert "CIT Officer Certification" in r.text
    assert cid in r.text
    assert ">Valid<" in r.text
    for href in (
        f"/c/{cid}/qr.svg",
        f"{wallet}/show/{cid}",
        f"{wallet}/c/{cid}/credential.jwt",
        f"{wallet}/c/{cid}/certificate.pdf",
        f'rel="manifest" href="{wallet}/manifest.webmanifest"',
    ):
        assert href in r.text, href

    # The status is live: suspend, then revoke, and the wallet says so at once.
    base = f"/api/v1/credentials/{cid}"
    assert region.coordinator.post(f"{base}/suspend", {"reason": "Inquiry"}).status_code == 200
    r = anonymous.get(wallet)
    assert ">Suspended<" in r.text and ">Valid<" not in r.text
    assert region.coordinator.post(f"{base}/revoke", {"reason": "Fraud"}).status_code == 200
    r = anonymous.get(wallet)
    assert ">Revoked<" in r.text and ">Suspended<" not in r.text
    assert "not valid" in r.text


def test_a_protected_officers_wallet_shows_neither_name_nor_post_id(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course, protected=True)
    officer = item["officer"]
    for path in (
        path_of(item["wallet_url"]),
        f"{path_of(item['wallet_url'])}/show/{item['credential_id']}",
    ):
        r = anonymous.get(path)
        assert r.status_code == 200
        assert "Name withheld (protected record)" in r.text
        assert officer["last_name"] not in r.text
        assert officer["post_id"] not in r.text


def test_the_full_screen_qr_page_decodes_to_the_verify_url(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    wallet = path_of(item["wallet_url"])
    cid = item["credential_id"]
    r = anonymous.get(f"{wallet}/show/{cid}")
    assert r.status_code == 200
    assert_private_page(r)
    assert_no_inline_code(r.text)
    officer = item["officer"]
    assert f"{officer['first_name']} {officer['last_name']}" in r.text
    # It asks to be scanned; it shows no verdict that a screenshot could fake.
    assert '<h1 class="w-scan">Scan me</h1>' in r.text
    assert "their own</strong> phone" in r.text
    for word in (">Valid<", "VALID", "valid until"):
        assert word not in r.text
    assert f'href="{wallet}"' in r.text  # the way back
    images = re.findall(r'<img[^>]+src="([^"]+)"', r.text)
    assert images == [f"/c/{cid}/qr.svg"]
    png_links = re.findall(r'href="(/c/[^"]+\.png)"', r.text)
    assert png_links == [f"/c/{cid}/qr.png"]
    png = anonymous.get(png_links[0])
    assert png.status_code == 200
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [x.text for x in results] == [item["verify_url"]]


def test_the_show_page_only_shows_the_wallet_owners_own_credentials(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    mine, theirs = issue(region, course), issue(region, course)
    wallet = path_of(mine["wallet_url"])
    r = anonymous.get(f"{wallet}/show/{theirs['credential_id']}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert anonymous.get(f"{wallet}/show/{'0' * 26}").status_code == 404


def test_unknown_wallet_keys_get_a_404_page(anonymous: Api) -> None:
    for key in ("nope", "x" * 43, "y" * 200):
        r = anonymous.get(f"/wallet/{key}")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "not valid" in r.text
        assert_private_page(r)
        assert anonymous.get(f"/wallet/{key}/manifest.webmanifest").status_code == 404


def test_a_wallet_key_must_match_exactly(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    wallet = path_of(issue(region, course)["wallet_url"])
    key = wallet.rsplit("/", 1)[1]
    for other in (key.upper() if key.upper() != key else key.lower(), key[:-1], key + "A"):
        assert anonymous.get(f"/wallet/{other}").status_code == 404


def test_the_manifest_makes_the_wallet_installable(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    wallet = path_of(item["wallet_url"])
    r = anonymous.get(f"{wallet}/manifest.webmanifest")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/manifest+json")
    assert_private_page(r)
    manifest = json.loads(r.content)
    assert manifest["name"] and manifest["short_name"]
    assert len(manifest["short_name"]) <= 12  # fits under a home-screen icon
    assert manifest["start_url"] == item["wallet_url"]
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    sizes = {}
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith("/static/")
        got = anonymous.get(icon["src"])
        assert got.status_code == 200
        assert got.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(got.content))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes[icon["sizes"]] = icon["src"]
    assert {"192x192", "512x512"} <= set(sizes)


def test_the_service_worker_is_served_only_under_its_own_wallet_and_scoped_to_it(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    wallet = path_of(issue(region, course)["wallet_url"])
    page = anonymous.get(wallet).text
    assert '<script src="/static/wallet.js" defer></script>' in page
    r = anonymous.get(f"{wallet}/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == wallet  # this wallet, nothing wider
    assert_private_page(r)
    assert "self.registration.scope" in r.text
    key = wallet.rsplit("/", 1)[1]
    for other in (key[:-1], key + "A", "not-a-key"):
        assert anonymous.get(f"/wallet/{other}/sw.js").status_code == 404


def test_a_coordinator_reissues_the_wallet_link_and_the_old_one_dies(
    region: Region, course: dict[str, Any], anonymous: Api, engine: sa.Engine
) -> None:
    item = issue(region, course)
    old = path_of(item["wallet_url"])
    oid = item["officer"]["id"]
    r = region.coordinator.post(f"/api/v1/officers/{oid}/wallet-link")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    new = path_of(r.json()["wallet_url"])
    assert new != old
    assert len(new.rsplit("/", 1)[1]) >= 43  # 32 random bytes
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(f"{old}/show/{item['credential_id']}").status_code == 404
    assert anonymous.get(new).status_code == 200
    # The API's own records now name the new link.
    record = region.coordinator.get(f"/api/v1/credentials/{item['credential_id']}").json()
    assert record["wallet_url"] == r.json()["wallet_url"]
    # Audited, without the key itself (neither old nor new).
    with unit_of_work(engine, read_only=True) as session:
        rows = session.exec(
            select(AuditEntry).where(
                AuditEntry.entity == "officer",
                AuditEntry.entity_id == oid,
                AuditEntry.action == "officer.wallet_link_reissued",
            )
        ).all()
        assert len(rows) == 1
        dumped = json.dumps([rows[0].before, rows[0].after, rows[0].actor])
    for key in (old.rsplit("/", 1)[1], new.rsplit("/", 1)[1]):
        assert key not in dumped
    # An admin may re-issue too.
    assert region.admin.post(f"/api/v1/officers/{oid}/wallet-link").status_code == 200
    assert anonymous.get(new).status_code == 404


def test_only_the_officers_region_coordinator_or_an_admin_may_reissue(
    region_factory: Any, course: dict[str, Any], anonymous: Api
) -> None:
    home, elsewhere = region_factory(), region_factory()
    item = issue(home, course)
    oid = item["officer"]["id"]
    path = f"/api/v1/officers/{oid}/wallet-link"
    # To another region the officer is unknown: the same 404 as a made-up id.
    assert elsewhere.coordinator.post(path).status_code == 404
    assert home.instructor.post(path).status_code == 403
    assert anonymous.post(path).status_code == 401
    assert (
        home.coordinator.post(
            "/api/v1/officers/00000000-0000-0000-0000-000000000000/wallet-link"
        ).status_code
        == 404
    )
    # None of the refusals changed the link.
    assert anonymous.get(path_of(item["wallet_url"])).status_code == 200


def test_the_console_form_reissues_the_link_with_a_csrf_token(
    console_client: TestClient[Litestar], region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    item = issue(region, course)
    oid = item["officer"]["id"]
    old = path_of(item["wallet_url"])
    sign_in(console_client, make_password_user(engine, "coordinator", region.code))
    action = f"/console/officers/{oid}/wallet-link"

    refused = console_client.post(action, data={}, follow_redirects=False)
    assert refused.status_code == 403
    refused = console_client.post(action, data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert console_client.get(old).status_code == 200

    token = csrf_of(console_client.get("/console").text)
    r = console_client.post(action, data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/officers/{oid}"
    assert console_client.get(old).status_code == 404
    # The new link never travels in a cookie: the flash says what happened, not the link.
    set_cookies = " ".join(r.headers.get_list("set-cookie"))
    assert "wallet" not in unquote(set_cookies).replace("wallet link", "")
    assert "Secure" in set_cookies  # the public URL is https
    # The officer's page, behind the session, shows the new link.
    officer_page = console_client.get(r.headers["location"])
    assert officer_page.status_code == 200
    assert "New wallet link issued" in officer_page.text
    match = re.search(r"/wallet/[A-Za-z0-9_-]{43}", officer_page.text)
    assert match, officer_page.text
    assert match.group(0) != old
    assert console_client.get(match.group(0)).status_code == 200


def test_instructors_cannot_reissue_wallet_links_from_the_console(
    console_client: TestClient[Litestar], region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    item = issue(region, course)
    sign_in(console_client, make_password_user(engine, "instructor", region.code))
    token = csrf_of(console_client.get("/console").text)
    r = console_client.post(
        f"/console/officers/{item['officer']['id']}/wallet-link",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert console_client.get(path_of(item["wallet_url"])).status_code == 200


def test_the_wallet_says_what_the_qr_and_the_file_are_for_and_dates_read_in_words(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    html = anonymous.get(path_of(item["wallet_url"])).text
    assert "with <em>their own</em> phone" in html
    assert "A screenshot of this page proves nothing" in html
    assert "a file for a digital wallet app" in html
    valid_until = region.coordinator.get(f"/api/v1/credentials/{item['credential_id']}").json()
    assert f"<dd>{long_date(valid_until['valid_until'], program_zone())}</dd>" in html
    assert "What to do next" not in html  # nothing to do while valid


def test_an_expired_or_revoked_certification_says_what_to_do_next(
    region: Region, course: dict[str, Any], anonymous: Api, engine: sa.Engine, app: Litestar
) -> None:
    item = issue(region, course)
    expired_id = expired_copy(engine, app, item["credential_id"])
    with unit_of_work(engine, read_only=True) as session:
        row = session.get(Credential, expired_id)
        assert row is not None
        renew_by = long_date(add_months(row.valid_until, GRACE_MONTHS), program_zone())
    html = anonymous.get(path_of(item["wallet_url"])).text
    assert "What to do next" in html
    assert f"You can still renew it until <strong>{renew_by}</strong>" in html
    hours = f"{course['ce_hours_per_cycle']:g}"
    assert f"You need <strong>{hours} more hours</strong> of continuing education" in html
    assert "your regional CIT coordinator (Region " in html

    cid = item["credential_id"]
    assert (
        region.coordinator.post(
            f"/api/v1/credentials/{cid}/revoke", {"reason": "Fraud"}
        ).status_code
        == 200
    )
    html = anonymous.get(path_of(item["wallet_url"])).text
    assert "The state program revoked this certification; it is final." in html
    assert f"Revoked on</dt><dd>{long_date(utcnow(), program_zone())}</dd>" in html

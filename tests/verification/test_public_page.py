"""GET /c/{id}: the page a phone opens after scanning, and its JSON twin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from registry.dates import long_date
from tests.conftest import PUBLIC_URL, Api, Region, assert_problem, program_zone
from tests.verification.test_verify_api import issue


class Resources(HTMLParser):
    """Collects what a browser would load by itself (not links a person may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "a":
            return
        for name in ("src", "srcset", "href", "data", "poster", "action", "background"):
            if values.get(name):
                self.loaded.append(str(values[name]))
        style = values.get("style") or ""
        self.loaded.extend(re.findall(r"url\(([^)]*)\)", style))


def page(client: Api, credential_id: str) -> str:
    r = client.get(f"/c/{credential_id}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    return str(r.text)


def as_json(client: Api, credential_id: str) -> dict[str, Any]:
    r = client.get(f"/c/{credential_id}", headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    answer: dict[str, Any] = r.json()
    return answer


def test_the_page_shows_the_verdict_and_the_certification(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    officer = item["officer"]
    html = page(anonymous, item["credential_id"])
    verdict = as_json(anonymous, item["credential_id"])
    credential = verdict["credential"]
    assert verdict["verdict"] == "valid"
    assert "<h1>Valid</h1>" in html
    for text in (
        f"{officer['first_name']} {officer['last_name']}",
        officer["post_id"],
        credential["achievement"],
        "<dd>40</dd>",
        f"<dd>{long_date(credential['issued'], program_zone())}</dd>",
        f"<dd>{long_date(credential['valid_until'], program_zone())}</dd>",
        "CIT Utah",
        "Checked ",
        item["credential_id"],
        "belongs to the officer",
    ):
        assert text in html, text


def test_the_page_runs_no_script_and_loads_nothing_from_elsewhere(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = anonymous.get(f"/c/{item['credential_id']}")
    parser = Resources()
    parser.feed(r.text)
    assert "script" not in parser.tags
    assert "<script" not in r.text.lower()
    assert "iframe" not in parser.tags
    assert [u for u in parser.loaded if re.match(r"\s*(https?:)?//", u)] == []
    assert "script-src 'self'" in r.headers["content-security-policy"]
    # Lowercase ids (hand-typed from a printout) open the same credential.
    assert as_json(anonymous, item["credential_id"].lower())["verdict"] == "valid"


def test_json_is_the_verdict_of_the_verify_api(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    answer = as_json(anonymous, item["credential_id"])
    posted = anonymous.post("/api/v1/verify", {"token": item["token"]}).json()
    answer.pop("checked_at"), posted.pop("checked_at")
    assert answer == posted
    assert answer["credential"]["credential_id"] == item["credential_id"]


def test_an_officer_protected_after_issuance_is_not_named(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    officer = item["officer"]
    assert as_json(anonymous, item["credential_id"])["credential"]["holder"]["name"]
    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": True})
    assert r.status_code == 200, r.text

    answer = as_json(anonymous, item["credential_id"])
    assert answer["verdict"] == "valid"
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}
    html = page(anonymous, item["credential_id"])
    for secret in (officer["last_name"], officer["post_id"]):
        assert secret not in html
        assert secret not in str(answer)
    assert "withheld" in html


def test_an_unknown_credential_is_404(anonymous: Api) -> None:
    for credential_id in ("0" * 26, "nope", "A" * 200, "%00", "..%2F..%2Fetc"):
        for accept in ("text/html", "application/json"):
            r = anonymous.get(f"/c/{credential_id}", headers={"Accept": accept})
            assert r.status_code == 404, (credential_id, accept, r.status_code)


def test_a_revoked_credential_page_says_revoked_and_whose_it_was(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = region.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "Decertified"}
    )
    assert r.status_code == 200
    html = page(anonymous, item["credential_id"])
    assert "<h1>Revoked</h1>" in html
    assert "<h1>Valid</h1>" not in html
    assert item["officer"]["post_id"] in html
    assert as_json(anonymous, item["credential_id"])["verdict"] == "revoked"


def test_the_page_links_to_the_signed_credential(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    html = page(anonymous, item["credential_id"])
    assert f'href="{PUBLIC_URL}/c/{item["credential_id"]}/credential.jwt"' in html


def test_an_unknown_id_is_a_page_in_words_for_a_browser_and_a_problem_for_a_program(
    anonymous: Api,
) -> None:
    path = "/c/ABCDEFGHJKMNPQRSTVWXYZ0123"
    browser = anonymous.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 404
    assert browser.headers["content-type"].startswith("text/html")
    assert "<h1>Not in the registry</h1>" in browser.text
    assert "Do not rely on a certificate" in browser.text
    for accept in ("application/json", "*/*"):
        assert_problem(anonymous.get(path, headers={"Accept": accept}), 404, field="credential_id")

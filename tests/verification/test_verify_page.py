"""The hiring department's ways in (/verify: a typed id, a pasted or uploaded .jwt) and a verdict
page that tells the truth in every state; /courses/CIT-40 for people and for programs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.common import utcnow
from registry.dates import long_date
from registry.db import unit_of_work
from registry.tables.credentials import Credential
from tests.conftest import PUBLIC_URL, Api, Region, assert_problem, program_today, program_zone
from tests.console.test_hostile_forms import HOSTILE
from tests.expiry import expired_copy

BELONGS = "belongs to the officer and stays valid wherever they now serve"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


def _page(client: TestClient[Any], credential_id: str) -> str:
    r = client.get(f"/c/{credential_id}", headers=HTML)
    assert r.status_code == 200, r.text
    return str(r.text)


def test_the_verify_page_offers_every_way_in_and_runs_only_its_own_script(
    client: TestClient[Any],
) -> None:
    r = client.get("/verify", headers=HTML)
    assert r.status_code == 200
    html = r.text
    for field in ('name="credential_id"', 'name="token"', 'type="file"'):
        assert field in html
    assert 'enctype="multipart/form-data"' in html
    assert '<script src="/static/verify.js" defer></script>' in html
    assert html.count("<script") == 1  # no inline script: the CSP forbids it anyway
    assert client.get("/static/verify.js").status_code == 200
    assert "/verify" in client.get("/", headers=HTML).text
    missing = client.get("/c/ABCDEFGHJKMNPQRSTVWXYZ0123", headers=HTML)
    assert missing.status_code == 404
    assert 'href="/verify"' in missing.text


def test_a_typed_id_opens_the_page_the_qr_code_opens(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    credential_id = item["credential_id"]
    # As a person types it from paper: lower case, spaces, a dash, O for 0 and l for 1.
    typed = (
        f" {credential_id[:6]} - {credential_id[6:]} ".lower().replace("0", "o").replace("1", "l")
    )
    r = client.post("/verify", data={"credential_id": typed}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/c/{credential_id}"
    assert "<h1>Valid</h1>" in _page(client, credential_id)


def test_an_id_that_cannot_be_one_is_said_so_on_the_form(client: TestClient[Any]) -> None:
    for typed in ("<script>", "A" * 40, "../../etc"):
        r = client.post("/verify", data={"credential_id": typed}, headers=HTML)
        assert r.status_code == 400
        assert "A credential id is up to 32 letters and digits" in r.text
        assert 'aria-invalid="true"' in r.text
    empty = client.post("/verify", data={}, headers=HTML)
    assert empty.status_code == 400
    assert "Type the credential id, paste the token, or choose the .jwt file." in empty.text


def test_a_pasted_token_and_an_uploaded_file_get_the_verdict_page(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    officer = item["officer"]
    pasted = client.post("/verify", data={"token": f"\n {item['token']} \n"}, headers=HTML)
    uploaded = client.post(
        "/verify",
        files={"file": ("cit.jwt", item["token"].encode(), "application/vc+jwt")},
        headers=HTML,
    )
    for r in (pasted, uploaded):
        assert r.status_code == 200, r.text
        assert "<h1>Valid</h1>" in r.text
        assert f"{officer['first_name']} {officer['last_name']}" in r.text
        assert f"{PUBLIC_URL}/c/{item['credential_id']}" in r.text  # the receipt's address
        assert BELONGS in r.text


def test_a_tampered_token_or_document_is_not_valid(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    head, body, signature = item["token"].split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    r = client.post("/verify", data={"token": forged}, headers=HTML)
    assert r.status_code == 200
    assert "<h1>Not valid</h1>" in r.text
    assert BELONGS not in r.text
    assert "No:" in r.text  # the plain-words list says which check failed
    json_file = client.post(
        "/verify", files={"file": ("cit.json", b'{"@context": []}', "application/json")}
    )
    assert json_file.status_code == 200
    assert "<h1>Not valid</h1>" in json_file.text
    repeated = client.post("/verify", data={"token": '{"a": 1, "a": 2}'}, headers=HTML)
    assert "<h1>Not valid</h1>" in repeated.text
    huge = client.post("/verify", data={"token": "e" * (70 * 1024)})
    assert huge.status_code == 400


def test_the_wallet_apps_json_verifies_on_the_page_like_the_token(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    document = client.get(f"/c/{item['credential_id']}/credential.json").content
    r = client.post(
        "/verify", files={"file": ("cit.json", document, "application/vc")}, headers=HTML
    )
    assert r.status_code == 200
    assert BELONGS in r.text
    assert item["officer"]["last_name"] in r.text
    pasted = client.post("/verify", data={"token": document.decode()}, headers=HTML)
    assert BELONGS in pasted.text


def test_a_pasted_token_or_document_names_no_holder_protected_now(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    document = client.get(f"/c/{item['credential_id']}/credential.json").content.decode()
    r = region.coordinator.patch(f"/api/v1/officers/{item['officer']['id']}", {"protected": True})
    assert r.status_code == 200, r.text
    for text in (item["token"], document):
        page = client.post("/verify", data={"token": text}, headers=HTML)
        assert page.status_code == 200
        assert item["officer"]["last_name"] not in page.text
        assert item["officer"]["post_id"] not in page.text
        assert "protected" in page.text


def test_a_valid_page_leads_what_was_checked_with_plain_words(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    html = _page(client, region.certified(course)["credential_id"])
    plain = html.index("Signed by the state CIT program, and not altered since.")
    assert plain < html.index("Every check in detail")
    assert "Not revoked and not suspended" in html
    assert f"Checked on {long_date(program_today())} at " in html
    assert BELONGS in html


def test_revoked_and_suspended_pages_give_the_date_and_the_program_not_the_promise(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    today = long_date(utcnow(), program_zone())
    for action, word in (("revoke", "Revoked"), ("suspend", "Suspended")):
        item = region.certified(course)
        r = region.coordinator.post(
            f"/api/v1/credentials/{item['credential_id']}/{action}", {"reason": "Internal note"}
        )
        assert r.status_code == 200, r.text
        html = _page(client, item["credential_id"])
        assert f"<h1>{word}</h1>" in html
        assert f"{word} on {today}." in html
        assert "the state CIT program" in html
        assert BELONGS not in html
        assert "Internal note" not in html  # the reason is the program's record


def test_an_expired_page_gives_the_date_in_words_and_the_way_back(
    client: TestClient[Any],
    region: Region,
    course: dict[str, Any],
    engine: sa.Engine,
    app: Litestar,
) -> None:
    item = region.certified(course)
    expired_id = expired_copy(engine, app, item["credential_id"])
    with unit_of_work(engine, read_only=True) as session:
        row = session.get(Credential, expired_id)
        assert row is not None
        until = long_date(row.valid_until, program_zone())
    html = _page(client, expired_id)
    assert "<h1>Expired</h1>" in html
    assert f"Expired on {until}." in html
    assert "renewed by the officer's regional CIT coordinator" in html
    assert BELONGS not in html


def test_a_protected_holder_page_says_how_to_confirm_the_person(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course, protected=True, last_name="Hiddenname")
    html = _page(client, item["credential_id"])
    assert "<h1>Valid</h1>" in html
    assert "Hiddenname" not in html
    assert "To confirm that the person in front of you holds this certification" in html
    assert item["credential_id"] in html
    assert "credential.jwt" not in html  # a protected holder's token is theirs to hand over


def test_the_course_is_a_page_for_a_browser_and_json_for_a_program(
    client: TestClient[Any], anonymous: Api
) -> None:
    page = client.get("/courses/CIT-40", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "40 hours" in page.text
    assert "What it takes to pass" in page.text
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        r = anonymous.get("/courses/cit-40", headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert body["code"] == "CIT-40" and body["total_hours"] == 40
        assert body["criteria"] and len(body["modules"]) == 11
    assert_problem(anonymous.get("/courses/NOPE"), 404, field="code")


def test_hostile_input_to_the_public_forms_is_never_a_server_error(
    client: TestClient[Any],
) -> None:
    failures = []
    for value in [*HOSTILE, "O\u2019\u02bc\u2010-", "\ud7ff" * 30]:
        for path, data in (
            ("/lookup", {"post_id": value, "last_name": value}),
            ("/lookup", {"post_id": "UT-1", "last_name": value}),
            ("/verify", {"credential_id": value}),
            ("/verify", {"token": value}),
        ):
            for accept in (HTML, JSON):
                r = client.post(path, data=data, headers=accept, follow_redirects=False)
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} {path} {data!r:.60}")
    assert failures == []


def test_a_wrong_address_is_a_page_that_leads_to_the_verify_page(client: TestClient[Any]) -> None:
    for path in ("/verfy", "/certificate/ABC", "/courses/NOPE"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "<h1>Page not found</h1>" in r.text
        assert 'href="/verify"' in r.text
    # Programs still get problem details, and so does every API path.
    assert_problem(client.get("/verfy", headers=JSON), 404)
    assert_problem(client.get("/api/v1/nothing-here", headers=HTML), (401, 404))


def test_an_expired_but_renewed_page_points_to_the_renewal_not_to_the_coordinator(
    client: TestClient[Any],
    region: Region,
    course: dict[str, Any],
    engine: sa.Engine,
    app: Litestar,
) -> None:
    item = region.certified(course)
    expired_id = expired_copy(engine, app, item["credential_id"])
    r = region.coordinator.post(
        f"/api/v1/officers/{item['officer']['id']}/ce",
        {
            "title": "Refresher",
            "hours": course["ce_hours_per_cycle"],
            "completed_on": program_today().isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    renewed = region.coordinator.post(f"/api/v1/credentials/{expired_id}/renew")
    assert renewed.status_code == 201, renewed.text
    html = _page(client, expired_id)
    assert "<h1>Expired</h1>" in html
    assert "Renewed: superseded by a newer credential valid until" in html
    assert renewed.json()["credential_id"] in html
    assert "renewed by the officer's regional CIT coordinator" not in html


def test_a_revocation_in_the_evening_is_dated_as_the_program_counts_days(
    client: TestClient[Any], region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    # 18:30 in Denver on December 7 is 01:30 on December 8 in UTC, which the database keeps.
    item = region.certified(course)
    cid = item["credential_id"]
    r = region.coordinator.post(f"/api/v1/credentials/{cid}/revoke", {"reason": "Internal"})
    assert r.status_code == 200, r.text
    evening = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)
    with unit_of_work(engine) as session:
        row = session.get(Credential, cid)
        assert row is not None
        row.status_changed_at = evening
    html = _page(client, cid)
    assert f"Revoked on {long_date(evening, program_zone())}." in html
    assert "Revoked on December 7, 2026." in html

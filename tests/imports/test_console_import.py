"""The console's Import page: uploads checked for CSRF, a per-row report, CSV downloads."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Region, unique
from tests.console.conftest import CONSOLE_SCRIPT, csrf_of, make_password_user, sign_in
from tests.imports import HEADER, agency_ori, find_officer, parse_csv

PATROL = (date.today() - timedelta(days=800)).isoformat()


@pytest.fixture
def console_client(
    client: TestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient[Litestar]]:
    """As tests/console's fixture: the shared client with an empty cookie jar. Every test here
    signs in, and the whole suite shares one client address: the sign-in throttle is not what
    these tests are about, so it is lifted while they run (tests/console checks it)."""
    monkeypatch.setattr(app.state.resources.sign_in_throttle, "per_minute", 0)
    client.cookies.clear()
    yield client
    client.cookies.clear()


def signed_in_coordinator(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> str:
    r = sign_in(console_client, make_password_user(engine, "coordinator", region.code))
    assert r.status_code == 303, r.text
    page = console_client.get("/console/import")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def new_officer_csv(region: Region, prefix: str, protected: str = "") -> tuple[str, bytes]:
    """A one-row officer CSV for an officer who does not exist yet: (their POST id, the file)."""
    ori = agency_ori(region.coordinator, region.agency_id)
    post_id = unique(prefix)
    return post_id, f"{HEADER}\n{post_id},Ana,Lopez,{ori},{PATROL},,{protected}\n".encode()


def upload(client: TestClient[Litestar], path: str, name: str, body: bytes, **fields: str) -> Any:
    return client.post(
        path,
        data=fields,
        files={"file": (name, body, "text/csv")},
        follow_redirects=False,
    )


def test_the_import_page_labels_every_input_and_has_no_inline_script_or_style(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    klass = region.klass(location=unique("Hall "))
    signed_in_coordinator(console_client, engine, region)
    html = console_client.get("/console/import").text
    assert "<script" not in html.replace(CONSOLE_SCRIPT, "") and "style=" not in html
    assert klass["location"] in html  # the class selector lists the region's classes
    for input_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html
    visible = re.findall(r"<(?:input|select)(?![^>]*type=\"hidden\")[^>]*>", html)
    assert visible and all('id="' in tag for tag in visible)
    assert 'enctype="multipart/form-data"' in html and 'accept=".csv,text/csv"' in html


def test_a_good_officer_file_is_saved_and_says_so(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = signed_in_coordinator(console_client, engine, region)
    post_id, body = new_officer_csv(region, "CON", protected="no")
    r = upload(console_client, "/console/import/officers", "team.csv", body, csrf_token=csrf)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/console/import"
    page = console_client.get("/console/import")
    assert "team.csv: saved 1 officers." in page.text
    assert len(find_officer(region.coordinator, post_id)) == 1


def test_a_bad_officer_file_shows_the_refused_rows_and_saves_nothing(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = signed_in_coordinator(console_client, engine, region)
    ori = agency_ori(region.coordinator, region.agency_id)
    good = unique("CON")
    body = (
        f"{HEADER}\n{good},Ana,Lopez,{ori},{PATROL},,\n{unique('CON')},Bo,Ray,{ori},yesterday,,\n"
    ).encode()
    r = upload(console_client, "/console/import/officers", "bad.csv", body, csrf_token=csrf)
    assert r.status_code == 422, r.text
    assert "nothing was saved" in r.text
    assert re.search(
        r"<td class=\"num\">3</td><td><code>patrol_start_date</code></td><td>[^<]*not a date",
        r.text.replace("&#39;", "'"),
    )
    assert find_officer(region.coordinator, good) == []


def test_a_file_that_is_not_utf8_is_named_on_the_report(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = signed_in_coordinator(console_client, engine, region)
    body = f"{HEADER}\nX1,Zoë,B,UT0000000,{PATROL},,\n".encode("latin-1")
    r = upload(console_client, "/console/import/officers", "latin1.csv", body, csrf_token=csrf)
    assert r.status_code == 400
    assert "latin1.csv is not UTF-8" in r.text


def test_an_upload_without_the_csrf_token_is_refused(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    signed_in_coordinator(console_client, engine, region)
    post_id, body = new_officer_csv(region, "CSRF")
    r = upload(console_client, "/console/import/officers", "x.csv", body)
    assert r.status_code == 403
    r = upload(console_client, "/console/import/officers", "x.csv", body, csrf_token="forged")
    assert r.status_code == 403
    assert find_officer(region.coordinator, post_id) == []


def test_a_file_too_large_gets_a_page_that_says_so(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = signed_in_coordinator(console_client, engine, region)
    post_id, row = new_officer_csv(region, "BIG")
    body = row + b"#" * (6 * 1024 * 1024)
    r = upload(console_client, "/console/import/officers", "big.csv", body, csrf_token=csrf)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "Too large" in r.text and "larger than the 5 MiB" in r.text
    assert find_officer(region.coordinator, post_id) == []


def test_a_roster_upload_enrolls_or_reports(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = signed_in_coordinator(console_client, engine, region)
    klass = region.klass()
    good, rookie = region.officer(), region.officer(months_on_patrol=6)
    body = f"post_id\n{good['post_id']}\n{rookie['post_id']}\n".encode()
    r = upload(
        console_client,
        "/console/import/roster",
        "roster.csv",
        body,
        csrf_token=csrf,
        class_id=klass["id"],
    )
    assert r.status_code == 200, r.text
    assert "roster.csv: enrolled 1 officers in the class." in r.text
    assert "months of patrol experience" in r.text
    roster = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()
    assert [o["post_id"] for o in roster["officers"]] == [good["post_id"]]
    other = region.officer()
    body = f"post_id\n{other['post_id']}\n".encode()
    r = upload(
        console_client,
        "/console/import/roster",
        "roster.csv",
        body,
        csrf_token=csrf,
        class_id=klass["id"],
    )
    assert r.status_code == 303, r.text
    roster = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()
    assert sorted(o["post_id"] for o in roster["officers"]) == sorted(
        [good["post_id"], other["post_id"]]
    )


def test_console_downloads_are_csv(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    signed_in_coordinator(console_client, engine, region)
    klass = region.klass()
    officer = region.officer()
    region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}
    )
    for path in (
        f"/console/classes/{klass['id']}/roster.csv",
        "/console/credentials.csv",
        "/console/coverage.csv",
        "/console/expiring.csv?days=30",
    ):
        r = console_client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
    roster = parse_csv(console_client.get(f"/console/classes/{klass['id']}/roster.csv").content)
    assert [row["post_id"] for row in roster] == [officer["post_id"]]
    coverage = parse_csv(console_client.get("/console/coverage.csv").content)
    assert [row["officers"] for row in coverage] == ["1"]


def test_instructors_see_no_upload_forms_and_cannot_post(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    sign_in(console_client, make_password_user(engine, "instructor", region.code))
    page = console_client.get("/console/import")
    assert page.status_code == 200
    assert "/console/import/officers" not in page.text
    r = upload(
        console_client,
        "/console/import/officers",
        "x.csv",
        f"{HEADER}\n".encode(),
        csrf_token=csrf_of(page.text),
    )
    assert r.status_code == 403
    assert console_client.get("/console/credentials.csv").status_code == 403


def test_updating_officers_from_a_file_shows_the_changes_before_saving(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = signed_in_coordinator(console_client, engine, region)
    ori = agency_ori(region.coordinator, region.agency_id)
    known = region.officer(first_name="Ann")
    new = unique("CON")
    body = (
        f"{HEADER}\n{known['post_id']},Anne,{known['last_name']},{ori},"
        f"{known['patrol_start_date']},,\n{new},Bo,Ray,{ori},{PATROL},,\n"
    ).encode()
    r = upload(
        console_client, "/console/import/officers", "team.csv", body, csrf_token=csrf,
        existing="update",
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "Nothing is saved until you confirm." in r.text
    assert re.search(r"<code>first_name</code>: Ann → <strong>Anne</strong>", r.text)
    # The preview kept nothing.
    assert find_officer(region.coordinator, new) == []
    assert find_officer(region.coordinator, known["post_id"])[0]["first_name"] == "Ann"
    csv_text = re.search(r'<textarea name="csv"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert csv_text is not None
    confirm = console_client.post(
        "/console/import/officers/confirm",
        data={
            "csrf_token": csrf_of(r.text),
            "existing": "update",
            "filename": "team.csv",
            "csv": html.unescape(csv_text.group(1)),
        },
        follow_redirects=False,
    )
    assert confirm.status_code == 303, confirm.text
    page = console_client.get("/console/import")
    assert "team.csv: created 1, updated 1, left 0 unchanged." in page.text
    assert find_officer(region.coordinator, known["post_id"])[0]["first_name"] == "Anne"
    assert len(find_officer(region.coordinator, new)) == 1

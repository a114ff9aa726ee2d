"""An agency's own spreadsheet (issue 23, item 11), through the console's pages: the template,
its columns matched to the registry's fields (and remembered for the agency's next file), every
row's outcome previewed, the good rows saved, the refused ones downloaded with their reasons; an
.xlsx through openpyxl, and hostile files answered in words, never a 500."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import Workbook

from registry.imports.reading import MAX_ROWS
from tests.conftest import Region, unique
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.imports import agency_ori, find_officer, parse_csv

PATROL = date.today() - timedelta(days=800)
OWN_HEADER = ["POST #", "Last Name", "First Name", "Hire Date", "E-mail", "Notes"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def console_client(
    client: TestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient[Litestar]]:
    monkeypatch.setattr(app.state.resources.sign_in_throttle, "per_minute", 0)
    client.cookies.clear()
    yield client
    client.cookies.clear()


def coordinator_of(client: TestClient[Litestar], engine: sa.Engine, region: Region) -> str:
    assert (
        sign_in(client, make_password_user(engine, "coordinator", region.code)).status_code == 303
    )
    return csrf_of(client.get("/console/import").text)


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [OWN_HEADER, *rows]) + "\n").encode()


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S
    )
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


def selected(page: str, field: str) -> str:
    block = page.partition(f'name="map_{field}"')[2].partition("</select>")[0]
    match = re.search(r'<option value="([^"]*)" selected>', block)
    return html.unescape(match.group(1)) if match else ""


def upload(client: TestClient[Litestar], csrf: str, name: str, body: bytes, agency: str) -> Any:
    kind = XLSX if name.endswith(".xlsx") else "text/csv"
    return client.post(
        "/console/import/sheet",
        data={"csrf_token": csrf, "agency": agency},
        files={"file": (name, body, kind)},
        follow_redirects=False,
    )


def carried(page: str, *names: str) -> dict[str, str]:
    return {n: hidden(page, n) for n in names}


def preview(client: TestClient[Litestar], csrf: str, mapping_page: str, **extra: str) -> Any:
    fields = [f for f in re.findall(r'name="(map_[a-z_]+)"', mapping_page)]
    data = {f: selected(mapping_page, f[4:]) for f in fields}
    data.update(carried(mapping_page, "filename", "agency", "sheet"))
    data.update({"csrf_token": csrf, "existing": "refuse", **extra})
    return client.post("/console/import/sheet/preview", data=data, follow_redirects=False)


def flash(r: Any) -> str:
    return unquote(r.cookies.get("cit_flash", "") or "")


def test_the_template_names_every_column(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    coordinator_of(console_client, engine, region)
    r = console_client.get("/console/import/officers-template.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    [row] = parse_csv(r.content)
    assert list(row)[:5] == [
        "post_id",
        "first_name",
        "last_name",
        "agency_ori",
        "patrol_start_date",
    ]


def test_an_agencys_own_csv_is_mapped_previewed_and_its_good_rows_saved(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = coordinator_of(console_client, engine, region)
    good = [unique("S"), unique("S")]
    rows = [
        [good[0], "Reyes", "Jordan", PATROL.isoformat(), "", "first"],
        [unique("S"), "Ng", "Kim", "not a date", "", "bad date"],
        [good[1], "Okafor", "Ada", PATROL.strftime("%m/%d/%Y"), "", "US date"],
        [good[0], "Twice", "Again", PATROL.isoformat(), "", '=HYPERLINK("x")'],
    ]
    r = upload(console_client, csrf, "roster.csv", csv_bytes(rows), region.agency_id)
    assert r.status_code == 200, r.text
    page = r.text
    assert "4 rows read" in page and "look alike are filled in" in page
    assert selected(page, "post_id") == "POST #"
    assert selected(page, "last_name") == "Last Name"
    assert selected(page, "first_name") == "First Name"
    assert selected(page, "patrol_start_date") == "Hire Date"
    assert selected(page, "email") == "E-mail"
    assert selected(page, "agency_ori") == ""  # the agency chosen gives every row its ORI

    shown = preview(console_client, csrf, page)
    assert shown.status_code == 200, shown.text
    assert "2 rows can be saved, 2 are refused" in shown.text
    assert "not a date" in shown.text and "appears already on line 2" in shown.text
    assert find_officer(region.coordinator, good[0]) == []  # a preview keeps nothing

    save = {k: v for k, v in carried(shown.text, "filename", "agency", "existing", "sheet").items()}
    save.update(
        {f"map_{n}": c for n, c in re.findall(r'name="map_([a-z_]+)" value="([^"]*)"', shown.text)}
    )
    saved = console_client.post(
        "/console/import/sheet/save", data={"csrf_token": csrf, **save}, follow_redirects=False
    )
    assert saved.status_code == 200, saved.text
    assert "Saved 2 new officers" in saved.text and "2 rows refused" in saved.text
    assert [o["last_name"] for o in find_officer(region.coordinator, good[1])] == ["Okafor"]
    assert len(find_officer(region.coordinator, good[0])) == 1

    download = console_client.post(
        "/console/import/sheet/refused.csv",
        data={"csrf_token": csrf, **carried(saved.text, "filename", "reasons", "sheet")},
    )
    assert download.status_code == 200
    assert 'filename="roster-refused.csv"' in download.headers["content-disposition"]
    refused = parse_csv(download.content)
    assert [r["line"] for r in refused] == ["3", "5"]
    assert "Patrol start date" in refused[0]["reason"] and "not a date" in refused[0]["reason"]
    assert refused[1]["Notes"] == '\'=HYPERLINK("x")'  # never a formula in Excel

    with engine.connect() as conn:
        audit = conn.execute(
            sa.text("SELECT action, after FROM audit_log WHERE action IN "
                    "('officers.import', 'import.mapping') ORDER BY id DESC LIMIT 2")
        ).all()  # fmt: skip
    after = {a: json.loads(b) if isinstance(b, str) else b for a, b in audit}
    assert after["officers.import"]["saved"] == 2 and after["officers.import"]["refused"] == 2
    assert after["import.mapping"]["columns"]["post_id"] == "POST #"

    # The agency's next file, with its columns in another order and one renamed oddly: the
    # mapping kept from the last file is offered first.
    odd = ["Notes", "E-mail", "Hire Date", "First Name", "Last Name", "POST #"]
    body = (",".join(odd) + f"\n,,{PATROL},Lee,Park,{unique('S')}\n").encode()
    again = upload(console_client, csrf, "next.csv", body, region.agency_id)
    assert "this agency's last file are filled in" in again.text
    assert selected(again.text, "post_id") == "POST #"


def test_an_xlsx_with_dates_numbers_and_formulas(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = coordinator_of(console_client, engine, region)
    ori = agency_ori(region.coordinator, region.agency_id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    post_id = unique("X")
    sheet.append(["Officer POST ID", "Given Name", "Surname", "ORI", "Date Hired", "Calc"])
    sheet.append(
        [post_id, "Sam", "Rivera", ori, datetime.combine(PATROL, datetime.min.time()), "=1+1"]
    )
    sheet.append([12345, "Num", "Bers", ori, "yesterday", "=SUM(A1:A2)"])
    buffer = io.BytesIO()
    book.save(buffer)
    r = upload(console_client, csrf, "officers.xlsx", buffer.getvalue(), "")
    assert r.status_code == 200, r.text
    assert selected(r.text, "post_id") == "Officer POST ID"
    assert selected(r.text, "first_name") == "Given Name"
    assert selected(r.text, "last_name") == "Surname"
    assert selected(r.text, "agency_ori") == "ORI"
    assert selected(r.text, "patrol_start_date") == "Date Hired"
    # A formula is never run here; one saved without its value (openpyxl writes none) is blank.
    assert "=1+1" not in r.text and "SUM(" not in r.text
    shown = preview(console_client, csrf, r.text)
    assert "1 row can be saved, 1 is refused" in shown.text
    assert "12345" in shown.text and "yesterday" in shown.text


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "body", "said"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not an Excel workbook"),
        ("text.xlsx", b"just text", "not an Excel workbook"),
        ("bomb.xlsx", zip_of({"xl/a.xml": b"\0" * (80 * 1024 * 1024)}), "unpacks to more than"),
        ("empty.xlsx", zip_of({"[Content_Types].xml": b"<x/>"}), "damaged"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old Excel file"),
        ("huge.csv", ("a,b\n" + "1,2\n" * (MAX_ROWS + 1)).encode(), "more than 20,000 rows"),
        (
            "wide.csv",
            (",".join(f"c{i}" for i in range(80)) + "\n1\n").encode(),
            "more than 60 columns",
        ),
        ("nul.csv", b"a,b\n1,\0\n", "NUL"),
        ("only-header.csv", b"a,b\n", "no rows"),
    ],
)
def test_hostile_spreadsheets_are_refused_in_words(
    console_client: TestClient[Litestar],
    engine: sa.Engine,
    region: Region,
    name: str,
    body: bytes,
    said: str,
) -> None:
    csrf = coordinator_of(console_client, engine, region)
    r = upload(console_client, csrf, name, body, "")
    assert r.status_code == 303, r.text
    assert said in flash(r)


def test_a_huge_xlsx_is_refused_in_words(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    csrf = coordinator_of(console_client, engine, region)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["post_id", "last_name"])
    for i in range(MAX_ROWS + 1):
        sheet.append([f"P{i}", "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    r = upload(console_client, csrf, "huge.xlsx", buffer.getvalue(), "")
    assert "more than 20,000 rows" in flash(r)


def test_a_tampered_form_or_another_regions_agency_is_refused(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region, region_factory: Any
) -> None:
    other = region_factory()
    csrf = coordinator_of(console_client, engine, region)
    r = upload(
        console_client,
        csrf,
        "x.csv",
        csv_bytes([["P1", "A", "B", "2019-01-01", "", ""]]),
        other.agency_id,
    )
    assert r.status_code == 303 and flash(r)  # not theirs to import into
    for sheet in ("not json", '{"columns": 1}', '{"columns": ["a"], "rows": [["x", 1]]}'):
        r = console_client.post(
            "/console/import/sheet/preview",
            data={"csrf_token": csrf, "sheet": sheet, "map_post_id": "a"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and "upload it again" in flash(r)
    r = console_client.post(
        "/console/import/sheet/refused.csv",
        data={"csrf_token": csrf, "sheet": "[]", "reasons": "{"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "did not come back whole" in flash(r)
    # Without the CSRF token nothing is read.
    r = console_client.post(
        "/console/import/sheet",
        files={"file": ("x.csv", b"a\n1\n", "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_instructors_and_strangers_cannot_import_spreadsheets(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    body = csv_bytes([["P1", "A", "B", "2019-01-01", "", ""]])
    r = console_client.post(
        "/console/import/sheet", files={"file": ("x.csv", body, "text/csv")}, follow_redirects=False
    )
    assert r.status_code in (302, 303, 401) and "Match the columns" not in r.text
    assert (
        sign_in(console_client, make_password_user(engine, "instructor", region.code)).status_code
        == 303
    )
    csrf = csrf_of(console_client.get("/console/import").text)
    for path in (
        "/console/import/sheet",
        "/console/import/sheet/preview",
        "/console/import/sheet/save",
    ):
        r = console_client.post(
            path, data={"csrf_token": csrf}, files={"file": ("x.csv", body, "text/csv")},
            follow_redirects=False,
        )  # fmt: skip
        assert r.status_code == 403, path

"""POST /api/v1/imports/officers: a CSV file of officers, saved whole or not at all."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import Region, unique
from tests.imports import HEADER, agency_ori, find_officer, post_csv

PATH = "/api/v1/imports/officers"
PATROL = (date.today() - timedelta(days=800)).isoformat()


def row(post_id: str, ori: str, *, last: str | None = None, start: str = PATROL, **kw: str) -> str:
    return ",".join(
        [
            post_id,
            kw.get("first", "Ana"),
            last or unique("Imp"),
            ori,
            start,
            kw.get("email", ""),
            kw.get("protected", ""),
        ]
    )


def test_a_good_file_imports_every_officer(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    ids = [unique("IMP"), unique("IMP"), unique("IMP")]
    body = "\n".join(
        [
            HEADER,
            row(ids[0], ori, email="ana@example.org", protected="yes"),
            row(ids[1], ori.lower(), start="3/31/2019"),  # Excel's US dates and a lower-case ORI
            row(ids[2], ori, protected="0"),
            "",
        ]
    )
    r = post_csv(region.coordinator, PATH, body)
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 3
    assert sorted(c["post_id"] for c in r.json()["created"]) == sorted(i.upper() for i in ids)
    first = find_officer(region.coordinator, ids[0])
    assert len(first) == 1
    assert first[0]["agency_id"] == region.agency_id
    assert first[0]["email"] == "ana@example.org"
    assert first[0]["protected"] is True
    assert find_officer(region.coordinator, ids[1])[0]["patrol_start_date"] == "2019-03-31"
    assert find_officer(region.coordinator, ids[2])[0]["protected"] is False


def test_one_bad_row_refuses_the_file_and_lists_every_bad_row(
    region: Region, region_factory: Any
) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    other = region_factory()
    other_ori = agency_ori(other.coordinator, other.agency_id)
    existing = region.officer()["post_id"]
    good, dup = unique("IMP"), unique("IMP")
    lines = [
        HEADER,
        row(good, ori),  # line 2: fine on its own
        row(unique("IMP"), "UTX"),  # 3: not an ORI
        row(dup, ori),  # 4
        row(dup, ori),  # 5: the same POST id again in the file
        row(existing, ori),  # 6: already registered
        row(unique("IMP"), ori, start="31/31/2020"),  # 7: not a date
        row(unique("IMP"), "UT9Z9Z9Z9"),  # 8: no such agency
        row(unique("IMP"), other_ori),  # 9: another region's agency
        row(unique("IMP"), ori, protected="maybe"),  # 10
        row(unique("IMP"), ori, email="not-an-email"),  # 11: create_officer's own rule
    ]
    r = post_csv(region.coordinator, PATH, "\r\n".join(lines))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert "nothing was saved" in problem["detail"]
    by_line = {e["line"]: e for e in problem["rows"]}
    assert sorted(by_line) == [3, 5, 6, 7, 8, 9, 10, 11]
    assert by_line[3]["field"] == "agency_ori" and "not an ORI" in by_line[3]["reason"]
    assert by_line[5]["field"] == "post_id" and "line 4" in by_line[5]["reason"]
    assert by_line[6]["field"] == "post_id" and "already registered" in by_line[6]["reason"]
    assert by_line[7]["field"] == "patrol_start_date"
    assert by_line[8]["field"] == "agency_ori" and "No agency" in by_line[8]["reason"]
    assert by_line[9]["field"] == "agency_ori" and "another region" in by_line[9]["reason"]
    assert by_line[10]["field"] == "protected"
    assert by_line[11]["field"] == "email"
    # All or nothing: the good rows were not saved either.
    assert find_officer(region.coordinator, good) == []
    assert find_officer(region.admin, dup) == []


def test_a_byte_order_mark_is_accepted(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    post_id = unique("BOM")
    body = b"\xef\xbb\xbf" + f"{HEADER}\r\n{row(post_id, ori, last='Müller')}\r\n".encode()
    r = post_csv(region.coordinator, PATH, body)
    assert r.status_code == 200, r.text
    assert find_officer(region.coordinator, post_id)[0]["last_name"] == "Müller"


def test_optional_columns_may_be_left_out(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    post_id = unique("OPT")
    header = "POST_ID, first_name,last_name,agency_ori,patrol_start_date"
    body = f"{header}\n{post_id},A,B,{ori},{PATROL}\n"
    r = post_csv(region.coordinator, PATH, body)
    assert r.status_code == 200, r.text
    assert find_officer(region.coordinator, post_id)[0]["email"] is None


def test_a_file_that_is_not_utf8_is_refused_naming_the_file(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    post_id = unique("LAT")
    body = f"{HEADER}\n{row(post_id, ori, last='Müller')}\n".encode("latin-1")
    r = post_csv(region.coordinator, PATH, body)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "file"
    assert "not UTF-8" in r.json()["detail"]
    assert "CSV body" in r.json()["detail"]
    assert find_officer(region.coordinator, post_id) == []


def test_missing_and_unknown_columns_are_named(region: Region) -> None:
    r = post_csv(region.coordinator, PATH, "post_id,first_name,last_name\nX1,A,B\n")
    assert r.status_code == 400, r.text
    assert "agency_ori" in r.json()["detail"] and "patrol_start_date" in r.json()["detail"]
    r = post_csv(region.coordinator, PATH, f"{HEADER},emial\n")
    assert r.status_code == 400, r.text
    assert "emial" in r.json()["detail"]


def test_too_many_rows_or_too_long_cells_are_refused(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    body = HEADER + "\n" + "\n".join(f"X{i},A,B,{ori},{PATROL}" for i in range(20_001))
    r = post_csv(region.coordinator, PATH, body)
    assert r.status_code == 400, r.text
    assert "20,000" in r.json()["detail"]
    post_id = unique("LONG")
    r = post_csv(region.coordinator, PATH, f"{HEADER}\n{row(post_id, ori, last='x' * 1001)}\n")
    assert r.status_code == 422, r.text
    assert r.json()["rows"][0]["field"] == "last_name"
    assert "1,001 characters" in r.json()["rows"][0]["reason"]


def test_the_body_must_be_csv_and_at_most_5_mib(region: Region) -> None:
    r = post_csv(region.coordinator, PATH, f"{HEADER}\n", content_type="application/json")
    assert r.status_code == 415, r.text
    r = post_csv(region.coordinator, PATH, HEADER + "\n" + "x" * (5 * 1024 * 1024))
    assert r.status_code == 413, r.text


def test_instructors_cannot_import_officers(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    post_id = unique("INS")
    r = post_csv(region.instructor, PATH, f"{HEADER}\n{row(post_id, ori)}\n")
    assert r.status_code == 403, r.text
    assert find_officer(region.coordinator, post_id) == []

"""Times read in the program's time zone (REGISTRY_TIME_ZONE), named, on every page: the same
verdict page and certificate PDF show Mountain time by default and Hawaii time when the program
is set there."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
from litestar.testing import TestClient

from registry.app import create_app
from registry.dates import clock, iso_date, local_date, long_date, long_datetime
from registry.settings import Settings
from tests.conftest import PUBLIC_URL, Api, Region

CHECKED = re.compile(r"Checked on ([A-Z][a-z]+ \d{1,2}, \d{4} at \d\d:\d\d ([A-Z]{3}))")


def test_one_format_for_dates_and_moments_named_in_the_zone() -> None:
    denver = ZoneInfo("America/Denver")
    winter = datetime(2026, 12, 7, 20, 42, tzinfo=UTC)
    summer = datetime(2026, 7, 4, 18, 5, 9, tzinfo=UTC)
    assert long_datetime(winter, denver) == "December 7, 2026 at 13:42 MST"
    assert long_datetime(summer, denver, seconds=True) == "July 4, 2026 at 12:05:09 MDT"
    assert clock(winter, ZoneInfo("Pacific/Honolulu")) == "10:42 HST"
    assert long_date(date(2028, 11, 29)) == "November 29, 2028"
    assert iso_date(date(2028, 11, 29)) == iso_date("2028-11-29T00:00:00Z") == "2028-11-29"
    assert long_date("not a date") == iso_date("not a date") == "not a date"
    # A moment's date is the zone's: 18:30 in Denver is still December 7 there.
    evening = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)
    assert long_date(evening, denver) == long_date("2026-12-08T01:30:00Z", denver)
    assert long_date(evening, denver) == "December 7, 2026"
    assert long_date(evening) == "December 8, 2026"
    # A day alone is that day in any zone (as midnight UTC it would be the evening before).
    assert long_date("2026-12-08", denver) == "December 8, 2026"
    assert local_date(evening, denver) == date(2026, 12, 7)


def _printed_zone(response: Any) -> str:
    """The zone the certificate PDF names in "Printed with the status of ..."."""
    assert response.status_code == 200, response.text
    document = pdfium.PdfDocument(response.content)
    text = document[0].get_textpage().get_text_bounded()
    found = re.search(r"status of \w+ \d{1,2}, \d{4} at \d\d:\d\d ([A-Z]{3})", text)
    assert found is not None, text
    return found.group(1)


def test_changing_the_zone_changes_the_pages(
    settings: Settings, region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course)
    page = anonymous.get(f"/c/{issued['credential_id']}")
    assert page.status_code == 200, page.text
    here = CHECKED.search(page.text)
    assert here is not None, page.text
    assert here.group(2) in ("MST", "MDT")

    assert _printed_zone(anonymous.get(f"/c/{issued['credential_id']}/certificate.pdf")) in (
        "MST",
        "MDT",
    )

    hawaii = create_app(replace(settings, time_zone="Pacific/Honolulu"))
    with TestClient(hawaii, base_url=PUBLIC_URL) as client:
        there = client.get(f"/c/{issued['credential_id']}")
        pdf = client.get(f"/c/{issued['credential_id']}/certificate.pdf")
    assert _printed_zone(pdf) == "HST"
    assert there.status_code == 200, there.text
    moved = CHECKED.search(there.text)
    assert moved is not None, there.text
    assert moved.group(2) == "HST"
    assert not re.search(r"\bUTC\b", there.text)  # a region code may hold the letters

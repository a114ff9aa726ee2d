"""The console's expiring report in pages (a state's 90 days hold ~2,500 certifications, and as
many expired ones are still renewable): each list walks on by its own link, in its own order,
every certification once, ties on the same moment included."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from registry.common import utcnow
from registry.web.console import reports as console_reports
from tests.conftest import Region, set_moments
from tests.console.conftest import make_password_user, sign_in
from tests.renewals.conftest import certify

NEXT = re.compile(r'<a href="(/console/expiring\?[^"]+)" rel="next">([^<]+)</a>')
LISTED = re.compile(r'<a href="/console/credentials/([^"]+)">')


def walk(client: TestClient[Any], label: str) -> list[list[str]]:
    """The pages of one list, by following its "Next" link from the first page: each page's
    credential ids of that list (the expiring list comes first on the page, then the lapsed)."""
    pages, path = [], "/console/expiring?days=60"
    for _ in range(10):  # a page that led back to itself would never end
        page = client.get(path)
        assert page.status_code == 200, page.text
        expiring, _, lapsed = page.text.partition('id="expired-renewable"')
        pages.append(LISTED.findall(expiring if label == "Next certifications" else lapsed))
        links = {text: html.unescape(href) for href, text in NEXT.findall(page.text)}
        if label not in links:
            return pages
        path = links[label]
    raise AssertionError(f"more than ten pages: {pages}")


@pytest.fixture
def coordinator(
    console_client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    monkeypatch: pytest.MonkeyPatch,
) -> TestClient[Any]:
    """The console signed in as the region's coordinator, two certifications a page."""
    monkeypatch.setattr(console_reports, "EXPIRING_PAGE", 2)
    sign_in(console_client, make_password_user(engine, "coordinator", region.code))
    return console_client


def test_each_list_walks_every_certification_once_in_its_order(
    coordinator: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    now = utcnow().replace(microsecond=0)
    soon = now + timedelta(days=20)
    # Five expiring (two on the same moment: the id orders them), three lapsed (two tied).
    expiring_at = [soon, soon, now + timedelta(days=5), now + timedelta(days=40), soon]
    lapsed_at = [now - timedelta(days=30), now - timedelta(days=3), now - timedelta(days=30)]
    ids: dict[str, datetime] = {}
    for until in expiring_at + lapsed_at:
        issued = certify(region, course).issued
        set_moments(engine, issued["credential_id"], valid_until=until)
        ids[issued["credential_id"]] = until.astimezone(UTC)
    expected_expiring = sorted((i for i, u in ids.items() if u > now), key=lambda i: (ids[i], i))
    expected_lapsed = sorted(
        (i for i, u in ids.items() if u <= now), key=lambda i: (ids[i], i), reverse=True
    )

    expiring_pages = walk(coordinator, "Next certifications")
    lapsed_pages = walk(coordinator, "Next expired certifications")

    assert [len(p) for p in expiring_pages] == [2, 2, 1]
    assert [i for p in expiring_pages for i in p] == expected_expiring
    assert [len(p) for p in lapsed_pages] == [2, 1]
    assert [i for p in lapsed_pages for i in p] == expected_lapsed


def test_an_unknown_start_lists_from_the_first(
    coordinator: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    issued = certify(region, course).issued
    set_moments(engine, issued["credential_id"], valid_until=utcnow() + timedelta(days=9))
    for start in ("nonsense", "' OR 1=1 --", "x" * 500):
        page = coordinator.get("/console/expiring", params={"days": 60, "after": start})
        assert page.status_code == 200
        assert issued["credential_id"] in page.text
        assert "From the soonest" in page.text

"""Every console form, posted with hostile values in each field: never a 5xx.

A coordinator's browser sends what its pages hold, but anyone signed in can post anything: NUL
characters, numbers that overflow, impossible dates, megabytes of text, keys the page never had.
Each must come back as a page or a redirect explaining the refusal, never as a server error.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Region
from tests.console.conftest import csrf_of, make_password_user, sign_in

HOSTILE = [
    "",
    "   ",
    "\x00",
    "a\x00b",
    "x" * 20_000,
    "1e999",
    "-1",
    "-0",
    "NaN",
    "inf",
    "9" * 400,
    "0x10",
    "2026-02-30",
    "0000-00-00",
    "9999999-01-01",
    "<script>alert(1)</script>",
    "'; DROP TABLE officers; --",
    "%_%",
    "\u202eevil",
    "🙂" * 500,
    str(uuid.uuid4()),
]


@pytest.fixture
def console(
    client: TestClient[Litestar], app: Litestar, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient[Litestar]]:
    monkeypatch.setattr(app.state.resources.sign_in_throttle, "per_minute", 0)
    client.cookies.clear()
    assert sign_in(client, make_password_user(engine, "admin")).status_code == 303
    yield client
    client.cookies.clear()


def test_no_console_form_answers_a_server_error(
    console: TestClient[Litestar], region: Region, course: dict[str, Any]
) -> None:
    certified = region.certified(course)
    klass, officer, credential = (
        certified["class"],
        certified["officer"],
        certified["credential_id"],
    )
    other = region.officer()
    csrf = csrf_of(console.get("/console/officers").text)
    module = course["modules"][0]["code"]

    good: dict[str, dict[str, str]] = {
        "/console/classes": {
            "course": course["code"],
            "region": region.code,
            "start_date": "2027-03-01",
            "end_date": "2027-03-05",
            "location": "Academy",
            "capacity": "20",
        },
        f"/console/classes/{klass['id']}/enroll": {"post_id": other["post_id"]},
        f"/console/classes/{klass['id']}/attendance": {f"h:{officer['id']}:{module}": "1"},
        f"/console/classes/{klass['id']}/results": {f"written_exam:{officer['id']}": "pass"},
        f"/console/credentials/{credential}/suspend": {"reason": "check"},
        "/console/agencies": {"name": "PD", "ori": "UT1234567", "region": region.code},
        "/console/officers": {
            "post_id": "HOST1",
            "first_name": "Ana",
            "last_name": "Lopez",
            "agency_id": region.agency_id,
            "patrol_start_date": "2020-01-01",
            "email": "ana@example.test",
        },
        f"/console/officers/{other['id']}": {
            "first_name": "Ana",
            "last_name": "Lopez",
            "patrol_start_date": "2020-01-01",
            "email": "",
        },
        f"/console/officers/{other['id']}/transfer": {
            "agency_id": region.agency_id,
            "effective_date": "2026-01-01",
        },
        f"/console/officers/{officer['id']}/ce": {
            "title": "Refresher",
            "hours": "2",
            "completed_on": "2026-06-01",
        },
        f"/console/credentials/{credential}/renew": {},
        f"/console/officers/{other['id']}/wallet-link": {},
    }
    # Keys a page never had, and the grid's own keys bent out of shape.
    strange_keys = {
        f"/console/classes/{klass['id']}/attendance": [
            "h:",
            "h:x",
            f"h:{officer['id']}",
            f"h:not-a-uuid:{module}",
            f"h:{officer['id']}:no-such-module",
            f"h:{uuid.uuid4()}:{module}",
            "h:" + "x" * 5000 + ":y",
        ],
        f"/console/classes/{klass['id']}/results": [
            "written_exam:",
            "written_exam:not-a-uuid",
            f"scenario_evaluation:{uuid.uuid4()}",
            f"written_exam:{officer['id']}:extra",
        ],
    }

    failures: list[str] = []
    sent = 0
    statuses: Counter[int] = Counter()

    def send(path: str, form: dict[str, str]) -> None:
        nonlocal sent
        sent += 1
        answer = console.post(path, data={"csrf_token": csrf, **form}, follow_redirects=False)
        statuses[answer.status_code] += 1
        if answer.status_code >= 500:
            shown = {k[:40]: v[:40] for k, v in form.items()}
            failures.append(f"{answer.status_code} {path} {shown}")

    for path, fields in good.items():
        for name in fields or {"unexpected": ""}:
            for value in HOSTILE:
                send(path, {**fields, name: value})
    for path, keys in strange_keys.items():
        for key in keys:
            for value in ("1", "pass", "1e999", "\x00"):
                send(path, {key: value})
    for path in (
        f"/console/credentials/{'x' * 300}/revoke",
        "/console/credentials/%00/suspend",
        f"/console/officers/{uuid.uuid4()}/ce",
        f"/console/officers/{uuid.uuid4()}/wallet-link",
        f"/console/classes/{uuid.uuid4()}/attendance",
    ):
        send(path, {"reason": "x", "hours": "1", "title": "t", "completed_on": "2026-01-01"})

    assert sent > 600
    # The forms were read (CSRF passed), not refused at the door.
    assert statuses[303] > sent // 2, statuses
    assert failures == [], f"{len(failures)} of {sent} answered 5xx:\n" + "\n".join(failures[:40])

    # A refusal reads as a sentence on the page it came from, naming the limit.
    page = console.post(
        f"/console/credentials/{credential}/suspend",
        data={"csrf_token": csrf, "reason": "x" * 1001},
    )
    assert page.status_code == 200 and "at most 1,000 characters" in page.text


def test_no_console_page_answers_a_server_error_to_hostile_query_parameters(
    console: TestClient[Litestar],
) -> None:
    pages = {
        "/console/audit": ("officer", "class", "user", "before"),
        "/console/expiring": ("days",),
        "/console/officers": ("q",),
        "/login": ("next",),
        "/lookup": ("post_id", "last_name"),
    }
    failures = []
    sent = 0
    for path, names in pages.items():
        for name in names:
            for value in [*HOSTILE, "²", "9" * 5000, "99999999999999999999", "-5"]:
                sent += 1
                answer = console.get(path, params={name: value}, follow_redirects=False)
                if answer.status_code >= 500:
                    failures.append(f"{answer.status_code} {path}?{name}={value[:40]!r}")
    assert failures == [], f"{len(failures)} of {sent} answered 5xx:\n" + "\n".join(failures)

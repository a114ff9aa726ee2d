"""Every creating form of the console (records, classes, accounts, invitations, continuing
education, make-up hours) is idempotent: the same form sent twice (Back, then
submit) creates one record, and the second sending lands on what the first made. A refused
sending keeps the token unused; another account cannot use someone's token."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Region, program_today, unique
from tests.console.conftest import PASSWORD, csrf_of, make_password_user, sign_in

ALREADY = "already sent and saved"


def _form_token(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, "the creating form carries no one-time token"
    return found.group(1)


def _send_twice(
    client: TestClient[Litestar], page: str, action: str, form: dict[str, str]
) -> tuple[Any, Any]:
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    sent = {"csrf_token": csrf_of(shown.text), "form_token": _form_token(shown.text), **form}
    first = client.post(action, data=sent, follow_redirects=False)
    again = client.post(action, data=sent, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    landed = client.get(again.headers["location"])
    assert ALREADY in landed.text, landed.text
    return first, again


def _count(engine: sa.Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def test_each_creating_form_sent_twice_creates_once(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    client = console_client
    sign_in(client, make_password_user(engine, "admin"))
    start = date.today() + timedelta(days=30)
    location = unique("Academy ")
    first, again = _send_twice(
        client,
        "/console/classes",
        "/console/classes",
        {
            "course": "CIT-40",
            "region": region.code,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
            "location": location,
            "capacity": "25",
        },
    )
    assert again.headers["location"] == first.headers["location"]  # the class it made
    assert _count(engine, "SELECT count(*) FROM classes WHERE location = :l", l=location) == 1

    post_id = unique("ONCE")
    first, again = _send_twice(
        client,
        "/console/officers",
        "/console/officers",
        {
            "post_id": post_id,
            "agency_id": region.agency_id,
            "first_name": "Ona",
            "last_name": "Once",
            "patrol_start_date": "2020-01-06",
        },
    )
    assert again.headers["location"] == first.headers["location"]
    assert _count(engine, "SELECT count(*) FROM officers WHERE post_id = :p", p=post_id) == 1

    officer_page = first.headers["location"]
    title = unique("Refresher ")
    _send_twice(
        client,
        officer_page,
        f"{officer_page}/ce",
        {"title": title, "hours": "4", "completed_on": program_today().isoformat()},
    )
    assert _count(engine, "SELECT count(*) FROM ce_records WHERE title = :t", t=title) == 1

    ori = "UT" + uuid.uuid4().hex[:7].upper()
    _send_twice(
        client,
        "/console/agencies",
        "/console/agencies",
        {"name": "Once Police", "ori": ori, "region": region.code},
    )
    assert _count(engine, "SELECT count(*) FROM agencies WHERE ori = :o", o=ori) == 1

    code = unique("O")[:16]
    _send_twice(client, "/console/regions", "/console/regions", {"code": code, "name": code})
    assert _count(engine, "SELECT count(*) FROM regions WHERE code = :c", c=code.upper()) == 1

    name = unique("once")
    first, again = _send_twice(
        client,
        "/console/users",
        "/console/users",
        {"username": name, "role": "instructor", "region": region.code, "password": PASSWORD},
    )
    assert again.headers["location"] == first.headers["location"]
    assert _count(engine, "SELECT count(*) FROM users WHERE username = :u", u=name) == 1

    invited = unique("invited")
    first, again = _send_twice(
        client,
        "/console/users",
        "/console/users/invite",
        {
            "username": invited,
            "email": f"{invited}@example.org",
            "role": "instructor",
            "region": region.code,
        },
    )
    assert again.headers["location"] == first.headers["location"]
    assert _count(engine, "SELECT count(*) FROM users WHERE username = :u", u=invited) == 1


def test_a_refused_sending_leaves_the_token_and_it_is_the_senders_alone(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    client = console_client
    sign_in(client, make_password_user(engine, "coordinator", region.code))
    shown = client.get("/console/officers")
    sent = {"csrf_token": csrf_of(shown.text), "form_token": _form_token(shown.text)}
    post_id = unique("LATE")
    fields = {
        "post_id": post_id,
        "agency_id": region.agency_id,
        "first_name": "Lee",
        "last_name": "Late",
        "patrol_start_date": "not a date",
    }
    refused = client.post("/console/officers", data={**sent, **fields}, follow_redirects=False)
    assert "already" not in client.get(refused.headers["location"]).text
    fields["patrol_start_date"] = "2020-01-06"
    made = client.post("/console/officers", data={**sent, **fields}, follow_redirects=False)
    assert made.headers["location"].startswith("/console/officers/")
    assert _count(engine, "SELECT count(*) FROM officers WHERE post_id = :p", p=post_id) == 1

    # The same token from another account: refused, and it lands nowhere of the first's.
    client.cookies.clear()
    sign_in(client, make_password_user(engine, "coordinator", region.code))
    csrf = csrf_of(client.get("/console/officers").text)
    fields["post_id"] = unique("LATE")
    other = client.post(
        "/console/officers",
        data={**sent, "csrf_token": csrf, **fields},
        follow_redirects=False,
    )
    assert other.headers["location"] == "/console/officers"
    assert (
        _count(engine, "SELECT count(*) FROM officers WHERE post_id = :p", p=fields["post_id"]) == 0
    )

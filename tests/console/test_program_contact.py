"""The administrator sets the program's contact in the console (audited); the revoked, suspended
and protected verdict pages, the lookup and the wallet show it; without one they still name the
program and how to reach the registry's operator. Nobody else may set it."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import PUBLIC_URL, Api, Region
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.expiry import expired_copy

OPERATOR = f"through the operator of this registry, {PUBLIC_URL}"


def _post(client: TestClient[Litestar], **form: str) -> Any:
    token = csrf_of(client.get("/console").text)
    return client.post(
        "/console/program", data={"csrf_token": token, **form}, follow_redirects=False
    )


@pytest.fixture
def admin_console(
    console_client: TestClient[Litestar], engine: sa.Engine
) -> Iterator[TestClient[Litestar]]:
    sign_in(console_client, make_password_user(engine, "admin"))
    yield console_client
    # The contact is the program's, shared by every test: leave none behind.
    _post(console_client, phone="", email="", address="")


def _audited(engine: sa.Engine) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as conn:
        return [
            (row.action, row.before, row.after)
            for row in conn.execute(
                sa.text(
                    "SELECT action, before, after FROM audit_log "
                    "WHERE entity = 'program' ORDER BY id"
                )
            )
        ]


def test_the_admin_sets_the_contact_and_every_page_that_sends_readers_shows_it(
    admin_console: TestClient[Litestar],
    engine: sa.Engine,
    region: Region,
    course: dict[str, Any],
    anonymous: Api,
    app: Litestar,
) -> None:
    client = admin_console
    revoked = region.certified(course)
    expired = expired_copy(engine, app, region.certified(course)["credential_id"])
    suspended = region.certified(course)
    protected = region.certified(course, protected=True)
    for item, action in ((revoked, "revoke"), (suspended, "suspend")):
        r = region.coordinator.post(
            f"/api/v1/credentials/{item['credential_id']}/{action}", {"reason": "test"}
        )
        assert r.status_code == 200, r.text

    assert _post(client, phone="", email="", address="").status_code == 303
    pages = {
        "revoked": f"/c/{revoked['credential_id']}",
        "suspended": f"/c/{suspended['credential_id']}",
        "protected": f"/c/{protected['credential_id']}",
        "expired": f"/c/{expired}",
    }
    client.cookies.clear()
    for name, path in pages.items():
        text = html.unescape(anonymous.get(path).text)
        assert "CIT Utah, the state CIT program" in text, name
        assert OPERATOR in text, name
    client.cookies.clear()
    sign_in(client, make_password_user(engine, "admin"))

    before = len(_audited(engine))
    saved = _post(
        client,
        phone="(801) 555-0100",
        email="cit@program.example",
        address="450 North State Street, Salt Lake City",
    )
    assert saved.status_code == 303
    page = client.get("/console/program")
    assert 'value="(801) 555-0100"' in page.text
    [(action, _, after)] = _audited(engine)[before:]
    assert action == "program.contact"
    assert "cit@program.example" in str(after)

    line = "phone (801) 555-0100, email cit@program.example, address: 450 North State Street"
    for name, path in pages.items():
        assert line in html.unescape(anonymous.get(path).text), name
    missing = anonymous.client.post("/lookup", data={"post_id": "NOSUCH-1", "last_name": "Nobody"})
    assert line in html.unescape(missing.text)


def test_a_bad_contact_is_refused_and_only_the_admin_sets_it(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    sign_in(console_client, make_password_user(engine, "admin"))
    before = len(_audited(engine))
    refused = _post(console_client, email="not an email")
    assert refused.status_code == 303
    shown = console_client.get(refused.headers["location"])
    assert "email" in shown.text and 'role="alert"' in shown.text
    assert len(_audited(engine)) == before

    console_client.cookies.clear()
    sign_in(console_client, make_password_user(engine, "coordinator", region.code))
    assert console_client.get("/console/program").status_code == 403
    assert console_client.get("/console/users").status_code == 403  # as every admin page
    assert _post(console_client, phone="801 555 0100").status_code == 403
    assert len(_audited(engine)) == before
    console_client.cookies.clear()
    anonymous = console_client.post(
        "/console/program", data={"phone": "801 555 0100"}, follow_redirects=False
    )
    assert anonymous.status_code in (303, 401, 403)
    assert len(_audited(engine)) == before


def test_the_contact_set_here_ticks_the_first_run_checklist(
    admin_console: TestClient[Litestar],
) -> None:
    def contact_line() -> str:
        page = admin_console.get("/console").text
        section = page.partition('id="h-first-run"')[2].partition("</section>")[0]
        return next(li for li in section.split("<li")[1:] if "Program contact" in li)

    assert 'class="todo"' in contact_line()
    assert _post(admin_console, phone="801-555-0100").status_code == 303
    line = contact_line()
    assert 'class="done"' in line
    assert "phone 801-555-0100" in line

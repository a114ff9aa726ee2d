"""A session that ends mid-form forgives, in a real browser: the form sent after the end leads
to the sign-in page, and signing in again lands back on that page with what was typed filled in
(never sent for the person, never for someone else who signs in); before the end a warning
offers to stay signed in, which extends the session (audited). The way back is counted."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from registry.common import utcnow
from registry.db import make_engine
from registry.tables.accounts import User, WebSession
from registry.tables.audit import AuditEntry
from tests.browser.actions import Actions
from tests.browser.conftest import coordinator, serious_violations
from tests.conftest import unique
from tests.live import LiveServer, ok

PASSWORD = "a forgiving session password"


def _region(server: LiveServer) -> str:
    """A region with an agency; its code."""
    code = unique("S")
    with server.api() as api:
        ok(api.post("/api/v1/regions", json={"code": code, "name": f"Session {code}"}), 201)
        ok(
            api.post(
                "/api/v1/agencies",
                json={
                    "name": f"PD {code}",
                    "ori": "UT" + uuid.uuid4().hex[:7].upper(),
                    "region": code,
                },
            ),
            201,
        )
    return code


def _sessions_end_in(server: LiveServer, username: str, delta: timedelta) -> Any:
    engine = make_engine(server.env["REGISTRY_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        for row in session.exec(select(WebSession).where(WebSession.user_id == user.id)):
            row.expires_at = utcnow() + delta
            session.add(row)
        session.commit()
        user_id = user.id
    return engine, user_id


def _fill_officer(page: Page, post_id: str, last_name: str) -> None:
    page.get_by_label("POST id", exact=True).fill(post_id)
    page.get_by_label("First name").fill("Kim")
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Patrol since").fill("2020-01-06")


def _sign_in(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_form_sent_after_the_session_ended_is_filled_in_again(
    server: LiveServer, desktop: Page
) -> None:
    code = _region(server)
    username = coordinator(server, code, PASSWORD)
    page = desktop
    page.goto(f"{server.url}/login")
    _sign_in(page, username)
    page.get_by_role("link", name="Officers").click()
    post_id = unique("KEPT")
    _fill_officer(page, post_id, "Kept")

    engine, _ = _sessions_end_in(server, username, timedelta(seconds=-1))
    act = Actions(page)  # from here on, what the ended session costs the person
    act.click(page.get_by_role("button", name="Add officer"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    named = page.get_by_label("Username")
    if (kept := named.input_value()) != username:
        (act.type if kept else act.enter)(named, username)
    act.enter(page.get_by_label("Password"), PASSWORD)
    act.click(page.get_by_role("button", name="Sign in"))

    expect(page).to_have_url(f"{server.url}/console/officers")
    expect(page.get_by_role("status")).to_contain_text("filled in again")
    expect(page.get_by_label("POST id", exact=True)).to_have_value(post_id)
    expect(page.get_by_label("Last name")).to_have_value("Kept")
    with server.api() as api:  # nothing was sent for them
        assert ok(api.get("/api/v1/officers", params={"q": post_id})) == []
    act.click(page.get_by_role("button", name="Add officer"))
    expect(page.get_by_role("status")).to_contain_text("Officer added.")
    engine.dispose()
    print(
        f"\nsession ended mid-form, back and saved: {act.count} actions, of which {act.keys} "
        "keys type the username and password (nothing of the form is typed again)"
    )
    assert act.count - act.keys <= 6  # send, sign in (fields and press), send again


def test_someone_else_signing_in_gets_nothing_kept(server: LiveServer, desktop: Page) -> None:
    code = _region(server)
    first = coordinator(server, code, PASSWORD)
    second = coordinator(server, code, PASSWORD)
    page = desktop
    page.goto(f"{server.url}/login")
    _sign_in(page, first)
    page.get_by_role("link", name="Officers").click()
    _fill_officer(page, unique("SEC"), "Secret typing")
    engine, _ = _sessions_end_in(server, first, timedelta(seconds=-1))
    page.get_by_role("button", name="Add officer").click()
    _sign_in(page, second)
    expect(page).to_have_url(f"{server.url}/console/officers")
    expect(page.get_by_label("Last name")).to_have_value("")
    engine.dispose()


def test_a_warning_before_the_end_keeps_the_session(server: LiveServer, desktop: Page) -> None:
    code = _region(server)
    username = coordinator(server, code, PASSWORD)
    page = desktop
    page.goto(f"{server.url}/login")
    _sign_in(page, username)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()

    engine, user_id = _sessions_end_in(server, username, timedelta(minutes=2))
    page.reload()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("Your session ends at")
    expect(warning).to_contain_text(re.compile(r"\d\d:\d\d M[SD]T"))  # the program's zone
    assert serious_violations(page) == []
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    with Session(engine) as session:
        [row] = session.exec(select(WebSession).where(WebSession.user_id == user_id)).all()
        assert row.expires_at > utcnow() + timedelta(hours=9)
        extended = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "session.extend", AuditEntry.entity_id == str(user_id))
            .order_by(col(AuditEntry.id))
        ).all()
    assert len(extended) == 1 and extended[0].actor == username
    page.reload()
    expect(page.get_by_role("alert")).to_be_hidden()
    engine.dispose()

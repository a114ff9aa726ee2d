"""Accounts people run themselves (issue 23, item 9), through the HTTP pages: the administrator
invites by email, the invitee sets a password from a single-use link that expires, everyone
changes their own password, a forgotten one is reset by email without saying whether the
account exists, and the administrator changes a role, region or agency; every change audited."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.app import create_app
from registry.common import utcnow
from registry.db import unit_of_work
from registry.settings import MailSettings, Settings
from registry.tables.accounts import AccountLink, User
from tests.conftest import PUBLIC_URL, Region, unique
from tests.console.conftest import PASSWORD, csrf_of, make_password_user, sign_in

NEW = "a brand new passphrase"
LINK = re.compile(r"https?://\S+/account/password/(\S+)")


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def web(settings: Settings, outbox: Path) -> Iterator[TestClient[Litestar]]:
    """An app whose mail goes to this module's outbox."""
    app = create_app(replace(settings, mail=MailSettings(outbox=outbox)))
    with TestClient(app, base_url=PUBLIC_URL) as c:
        yield c


def mails_to(outbox: Path, address: str) -> list[Any]:
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def link_in(message: Any) -> str:
    match = LINK.search(message.get_body(("plain",)).get_content())
    assert match, "no link in the email"
    return match.group(1)


def flash(r: Any) -> str:
    return unquote(r.cookies.get("cit_flash", "") or "")


def post_console(client: TestClient[Litestar], path: str, **form: str) -> Any:
    token = csrf_of(client.get("/console/account").text)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def post_public(client: TestClient[Litestar], path: str, form_page: str, **form: str) -> Any:
    token = csrf_of(client.get(form_page).text)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def audit(engine: sa.Engine, entity_id: object) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT actor, action, entity_id FROM audit_log WHERE entity = 'user' ORDER BY id"
            )
        ).all()
    wanted = str(entity_id).replace("-", "")
    return [(r.actor, r.action) for r in rows if r.entity_id.replace("-", "") == wanted]


def user_row(engine: sa.Engine, name: str) -> User:
    with unit_of_work(engine, read_only=True) as session:
        user = session.exec(select(User).where(User.username == name)).one()
        session.expunge(user)
        return user


def invite(web: TestClient[Litestar], engine: sa.Engine, region: Region) -> tuple[str, str]:
    admin = make_password_user(engine, "admin")
    web.cookies.clear()
    sign_in(web, admin)
    name = unique("invited")
    address = f"{name}@example.gov"
    r = post_console(
        web, "/console/users/invite",
        username=name, email=address, role="coordinator", region=region.code,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert f"Invitation sent to {address}" in flash(r)
    web.cookies.clear()
    return name, address


def test_an_invitation_sets_a_password_once(
    web: TestClient[Litestar], engine: sa.Engine, outbox: Path, region: Region
) -> None:
    name, address = invite(web, engine, region)
    [message] = mails_to(outbox, address)
    token = link_in(message)
    assert name in str(message)
    with unit_of_work(engine, read_only=True) as session:
        stored = session.exec(select(AccountLink.token_hash)).all()
    assert token not in stored  # only its hash is kept
    page = web.get(f"/account/password/{token}")
    assert page.status_code == 200 and name in page.text
    assert "At least 12 characters" in page.text
    path = f"/account/password/{token}"
    r = post_public(web, path, path, password=NEW, repeat=NEW + "x")
    assert r.status_code == 400 and "not the same" in r.text
    r = post_public(web, path, path, password="short", repeat="short")
    assert r.status_code == 400 and "at least 12 characters" in r.text
    r = post_public(web, path, path, password=NEW, repeat=NEW)
    assert r.status_code == 200 and "Your password is set" in r.text
    assert sign_in(web, name, NEW).status_code == 303
    web.cookies.clear()
    # The same link again: used, said in words, and the password stays.
    again = web.get(path)
    assert again.status_code == 422 and "already used" in again.text
    r = web.post(path, data={"csrf_token": "x", "password": "x" * 20, "repeat": "x" * 20})
    assert r.status_code == 422
    assert sign_in(web, name, NEW).status_code == 303
    user = user_row(engine, name)
    assert user.email == address
    assert [a for _, a in audit(engine, user.id)][:3] == [
        "user.create", "user.invite", "user.password_set",
    ]  # fmt: skip


def test_an_expired_unknown_or_forged_link_is_refused_in_words(
    web: TestClient[Litestar], engine: sa.Engine, outbox: Path, region: Region
) -> None:
    name, address = invite(web, engine, region)
    token = link_in(mails_to(outbox, address)[-1])
    with unit_of_work(engine) as session:
        row = session.exec(select(AccountLink).join(User).where(User.username == name)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    path = f"/account/password/{token}"
    r = web.get(path)
    assert r.status_code == 422 and "expired" in r.text
    r = post_public(web, path, "/account/forgot", password=NEW, repeat=NEW)
    assert r.status_code == 422 and "expired" in r.text
    assert user_row(engine, name).password_hash is None
    for bad in ("nope", "x" * 500, token[:-1] + ("A" if token[-1] != "A" else "B")):
        r = web.get(f"/account/password/{bad}")
        assert r.status_code == 404 and "not one the registry sent" in r.text


def test_a_link_form_without_its_csrf_cookie_is_refused(
    web: TestClient[Litestar], engine: sa.Engine, outbox: Path, region: Region
) -> None:
    name, address = invite(web, engine, region)
    path = f"/account/password/{link_in(mails_to(outbox, address)[-1])}"
    web.get(path)
    r = web.post(path, data={"csrf_token": "forged", "password": NEW, "repeat": NEW})
    assert r.status_code == 403 and "expired" in r.text
    assert user_row(engine, name).password_hash is None


def test_a_forgotten_password_is_reset_by_email_and_the_answer_tells_nobody_who_exists(
    web: TestClient[Litestar], engine: sa.Engine, outbox: Path, region: Region
) -> None:
    name, address = invite(web, engine, region)
    # Signed in with a password set from the invitation, in another browser.
    path = f"/account/password/{link_in(mails_to(outbox, address)[-1])}"
    post_public(web, path, path, password=PASSWORD, repeat=PASSWORD)
    assert sign_in(web, name).status_code == 303
    other_browser = dict(web.cookies)
    web.cookies.clear()

    known = post_public(web, "/account/forgot", "/account/forgot", name=address.upper())
    unknown = post_public(web, "/account/forgot", "/account/forgot", name=unique("nobody"))
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert "If an account has that username or email address" in known.text
    reset = mails_to(outbox, address)[-1]
    assert "new password" in str(reset["Subject"])
    token = link_in(reset)
    path = f"/account/password/{token}"
    r = post_public(web, path, path, password=NEW, repeat=NEW)
    assert r.status_code == 200 and "Your password is set" in r.text
    # The session signed in with the old password has ended.
    for key, value in other_browser.items():
        web.cookies.set(key, value)
    assert web.get("/console", follow_redirects=False).status_code in (302, 303, 401)
    web.cookies.clear()
    assert sign_in(web, name, PASSWORD).status_code == 401
    assert sign_in(web, name, NEW).status_code == 303
    web.cookies.clear()
    user = user_row(engine, name)
    actions = [a for _, a in audit(engine, user.id)]
    assert "user.password_reset_requested" in actions
    assert actions[-3:] == [
        "user.password_reset_by_link", "session.sign_in_failed", "session.sign_in",
    ]  # fmt: skip
    # A request for a name nobody has is recorded without what was typed.
    assert ("unknown user", "user.password_reset_requested") in audit(engine, "unknown user")


def test_every_user_changes_their_own_password_and_their_other_sessions_end(
    web: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    name = make_password_user(engine, "instructor", region.code)
    web.cookies.clear()
    sign_in(web, name)
    elsewhere = dict(web.cookies)
    web.cookies.clear()
    sign_in(web, name)
    page = web.get("/console/account")
    assert page.status_code == 200 and "Change your password" in page.text
    r = post_console(
        web, "/console/account/password",
        current_password="wrong password!!", new_password=NEW, repeat=NEW,
    )  # fmt: skip
    assert "current password is not right" in flash(r)
    r = post_console(
        web, "/console/account/password",
        current_password=PASSWORD, new_password=NEW, repeat=NEW + "!",
    )  # fmt: skip
    assert "not the same" in flash(r)
    r = post_console(
        web, "/console/account/password",
        current_password=PASSWORD, new_password=NEW, repeat=NEW,
    )  # fmt: skip
    assert "Password changed. 1 other session of yours signed out" in flash(r)
    assert web.get("/console", follow_redirects=False).status_code == 200  # this one stays
    mine = dict(web.cookies)
    web.cookies.clear()
    for key, value in elsewhere.items():
        web.cookies.set(key, value)
    assert web.get("/console", follow_redirects=False).status_code != 200
    web.cookies.clear()
    assert sign_in(web, name, NEW).status_code == 303
    web.cookies.clear()
    for key, value in mine.items():
        web.cookies.set(key, value)
    # Without the form's CSRF token nothing changes.
    r = web.post(
        "/console/account/password",
        data={"current_password": NEW, "new_password": PASSWORD, "repeat": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 403
    web.cookies.clear()
    assert [a for _, a in audit(engine, user_row(engine, name).id)].count(
        "user.password_change"
    ) == 1


def test_the_administrator_changes_a_role_and_region_and_the_sessions_end(
    web: TestClient[Litestar], engine: sa.Engine, region: Region, region_factory: Any
) -> None:
    other = region_factory()
    name = make_password_user(engine, "coordinator", region.code)
    web.cookies.clear()
    sign_in(web, name)
    theirs = dict(web.cookies)
    # A coordinator cannot change anyone's role, their own neither.
    uid = user_row(engine, name).id
    r = post_console(web, f"/console/users/{uid}/placement", role="admin", region="")
    assert r.status_code == 403
    web.cookies.clear()
    admin = make_password_user(engine, "admin")
    sign_in(web, admin)
    r = post_console(
        web, f"/console/users/{uid}/placement",
        role="instructor", region=other.code, email="moved@example.gov",
    )  # fmt: skip
    assert flash(r) == "ok:Saved. 1 console session ended."
    moved = user_row(engine, name)
    assert (moved.role, str(moved.region_id), moved.email) == (
        "instructor",
        other.id,
        "moved@example.gov",
    )
    r = post_console(web, f"/console/users/{uid}/placement", role="coordinator", region="")
    assert "belong to a region" in flash(r)
    r = post_console(web, f"/console/users/{uid}/placement", role="coordinator", region="NOPE")
    assert "No region" in flash(r)
    r = post_console(web, f"/console/users/{uid}/placement", role="liaison", agency="")
    assert "belongs to an agency" in flash(r)
    r = post_console(
        web, f"/console/users/{uid}/placement", role="instructor", region=other.code,
        email="not an address",
    )  # fmt: skip
    assert "looks like name@example.gov" in flash(r)
    me = user_row(engine, admin).id
    r = post_console(web, f"/console/users/{me}/placement", role="coordinator", region=other.code)
    assert "cannot change your own role" in flash(r)
    web.cookies.clear()
    for key, value in theirs.items():
        web.cookies.set(key, value)
    assert web.get("/console", follow_redirects=False).status_code != 200
    web.cookies.clear()
    with engine.connect() as conn:
        before, after = conn.execute(
            sa.text(
                "SELECT before, after FROM audit_log WHERE action = 'user.change' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert "coordinator" in str(before) and "instructor" in str(after)
    assert audit(engine, uid)[-1] == (admin, "user.change")


def test_reset_requests_are_throttled(
    settings: Settings, outbox: Path, engine: sa.Engine, region: Region
) -> None:
    app = create_app(replace(settings, sign_in_rate_limit=3, mail=MailSettings(outbox=outbox)))
    with TestClient(app, base_url=PUBLIC_URL) as c:
        codes = [
            post_public(c, "/account/forgot", "/account/forgot", name=unique("x")).status_code
            for _ in range(4)
        ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429

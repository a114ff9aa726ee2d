"""Signing in and out of the console: sessions, cookies, CSRF, throttling."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from litestar.testing import TestClient
from sqlmodel import select

from registry.app import create_app
from registry.db import unit_of_work
from registry.settings import Settings
from registry.tables.accounts import User
from registry.web.console.auth import LOGIN_CSRF
from tests.conftest import PUBLIC_URL, TEST_REDIS, Region, unique
from tests.console.conftest import csrf_of, make_password_user, sign_in


def test_console_pages_send_strangers_to_the_sign_in_form(console_client: TestClient[Any]) -> None:
    r = console_client.get("/console", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=/console")


def test_a_coordinator_signs_in_sees_the_dashboard_and_signs_out(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    name = make_password_user(engine, "coordinator", region.code)
    r = sign_in(console_client, name)
    assert r.status_code == 303
    assert r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "cit_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" in cookie  # the public URL is https
    page = console_client.get("/console")
    assert page.status_code == 200
    assert "Dashboard" in page.text
    assert name in page.text
    out = console_client.post(
        "/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert console_client.get("/console", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    console_client: TestClient[Any], engine: sa.Engine
) -> None:
    name = make_password_user(engine, "admin")
    r = sign_in(console_client, name, "not the password at all")
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    r = sign_in(console_client, "nobody-by-this-name", "whatever it is")
    assert r.status_code == 401
    assert "Wrong username or password" in r.text


def test_sign_in_without_the_form_token_is_refused(
    console_client: TestClient[Any], engine: sa.Engine
) -> None:
    name = make_password_user(engine, "admin")
    console_client.get("/login")
    r = console_client.post(
        "/login",
        data={"username": name, "password": "x" * 20, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_console_forms_need_the_session_csrf_token(
    console_client: TestClient[Any], engine: sa.Engine
) -> None:
    sign_in(console_client, make_password_user(engine, "admin"))
    for data in ({"csrf_token": "forged"}, {}):
        r = console_client.post("/logout", data=data, follow_redirects=False)
        # Refused like any other form without the session's token: the session survives.
        assert r.status_code == 403
        assert console_client.get("/console").status_code == 200


def test_sign_in_attempts_are_throttled_per_address(settings: Settings, engine: sa.Engine) -> None:
    name = make_password_user(engine, "admin")
    app = create_app(replace(settings, sign_in_rate_limit=3))
    with TestClient(app, base_url=PUBLIC_URL) as c:
        codes = [sign_in(c, name, "wrong password!").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Even the right password waits out the window.
        assert sign_in(c, name).status_code == 429


def _post_many(c: TestClient[Any], form: dict[str, str], n: int) -> list[int]:
    """n sign-in posts in flight at once, each with the form's token in its own Cookie header
    (each answer sets a new one in the shared jar)."""
    cookie = {"Cookie": f"{LOGIN_CSRF}={form['csrf_token']}"}

    def post(_: int) -> int:
        r = c.post("/login", data=form, headers=cookie, follow_redirects=False)
        return int(r.status_code)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(post, range(n)))


def _login_form(c: TestClient[Any], username: str, password: str) -> dict[str, str]:
    page = c.get("/login")
    c.cookies.clear()
    return {"username": username, "password": password, "csrf_token": csrf_of(page.text)}


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_thirty_wrong_passwords_at_once_are_counted_one_by_one(
    settings: Settings, engine: sa.Engine, store: str
) -> None:
    redis_url = None
    if store == "redis":
        redis_url = TEST_REDIS
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter("cit-sign-in:address:*"):
            client.delete(key)
        client.close()
    name = make_password_user(engine, "admin")
    app = create_app(
        replace(settings, sign_in_rate_limit=10, sign_in_lockout=0, redis_url=redis_url)
    )
    with TestClient(app, base_url=PUBLIC_URL) as c:
        codes = _post_many(c, _login_form(c, name, "wrong password!"), 30)
    assert sorted(codes) == [401] * 10 + [429] * 20


class FromAddress:
    """The app as reached from the address an `X-Test-Peer` header names (the test client's
    requests all come from one): what a server sees from two places."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(b"x-test-peer")
            if peer:
                scope = {**scope, "client": (peer.decode(), 40000)}
        await self.app(scope, receive, send)


def test_ten_failures_from_one_address_lock_the_account_there_and_nowhere_else(
    settings: Settings, engine: sa.Engine, region: Region
) -> None:
    name = make_password_user(engine, "coordinator", region.code)
    other = make_password_user(engine, "coordinator", region.code)
    app = create_app(replace(settings, sign_in_rate_limit=0, sign_in_lockout=10))
    with TestClient(FromAddress(app), base_url=PUBLIC_URL) as c:
        c.headers["X-Test-Peer"] = "203.0.113.9"  # the guesser
        # Sent at once, they are still ten failures and the rest locked out.
        codes = _post_many(c, _login_form(c, name, "wrong password!"), 14)
        assert sorted(codes) == [401] * 10 + [429] * 4
        locked = sign_in(c, name)
        assert locked.status_code == 429
        assert "try again in 15 minutes" in locked.text
        assert "cit_session" not in locked.headers.get("set-cookie", "")
        # Another coordinator signs in from the same address.
        assert sign_in(c, other).status_code == 303
        c.cookies.clear()
        # The owner, from the office: the guesser's failures do not lock them out.
        c.headers["X-Test-Peer"] = "198.51.100.20"
        assert sign_in(c, name).status_code == 303
        c.cookies.clear()
        # The admin sets a new password: the lockout at the guesser's address ends too.
        with unit_of_work(engine, read_only=True) as session:
            user_id = session.exec(select(User.id).where(User.username == name)).one()
        admin_cookie = sign_in(c, make_password_user(engine, "admin")).cookies
        c.cookies.update(admin_cookie)
        page = c.get(f"/console/users/{user_id}")
        r = c.post(
            f"/console/users/{user_id}/password",
            data={"password": "a new long passphrase", "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        c.cookies.clear()
        c.headers["X-Test-Peer"] = "203.0.113.9"
        assert sign_in(c, name, "a new long passphrase").status_code == 303


def test_a_lockout_says_the_same_for_a_name_no_account_has(
    settings: Settings, engine: sa.Engine
) -> None:
    real = make_password_user(engine, "admin")
    ghost = unique("nobody")
    app = create_app(replace(settings, sign_in_rate_limit=0, sign_in_lockout=3))
    with TestClient(app, base_url=PUBLIC_URL) as c:
        answers = {}
        for name in (real, ghost):
            codes = [sign_in(c, name, "wrong password!") for _ in range(4)]
            answers[name] = [(r.status_code, _error_of(r.text)) for r in codes]
    assert answers[real] == answers[ghost]
    assert [code for code, _ in answers[real]] == [401, 401, 401, 429]


def test_a_right_password_starts_the_failure_count_over(
    settings: Settings, engine: sa.Engine
) -> None:
    name = make_password_user(engine, "admin")
    app = create_app(replace(settings, sign_in_rate_limit=0, sign_in_lockout=3))
    with TestClient(app, base_url=PUBLIC_URL) as c:
        for _ in range(2):
            assert sign_in(c, name, "wrong password!").status_code == 401
        assert sign_in(c, name).status_code == 303
        c.cookies.clear()
        codes = [sign_in(c, name, "wrong password!").status_code for _ in range(3)]
        assert codes == [401, 401, 401]


def test_a_failed_sign_in_never_stores_a_name_no_account_has(
    console_client: TestClient[Any], engine: sa.Engine
) -> None:
    typed = "Tr0ub4dor&3-" + unique()  # a password typed into the username field
    known = make_password_user(engine, "admin")
    assert sign_in(console_client, typed, "whatever it is").status_code == 401
    assert sign_in(console_client, known, "not the password!").status_code == 401
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT actor, entity_id, after FROM audit_log "
                "WHERE action = 'session.sign_in_failed' ORDER BY id DESC LIMIT 2"
            )
        ).all()
        user_id = conn.execute(
            sa.text("SELECT id FROM users WHERE username = :u"), {"u": known}
        ).scalar_one()
        everything = " ".join(
            str(r) for r in conn.execute(sa.text("SELECT actor, entity_id, after FROM audit_log"))
        )
    assert typed not in everything
    mine, unknown = rows
    assert (unknown.actor, unknown.entity_id) == ("unknown user", "unknown user")
    assert mine.actor == known
    assert mine.entity_id.replace("-", "") == str(user_id).replace("-", "")


def _error_of(html: str) -> str:
    match = re.search(r'class="error"[^>]*>([^<]+)<', html) or re.search(
        r'role="alert"[^>]*>([^<]+)<', html
    )
    return match.group(1).strip() if match else ""

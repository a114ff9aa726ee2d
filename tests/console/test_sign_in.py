"""Signing in and out of the console: sessions, cookies, CSRF, throttling."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings
from tests.conftest import PUBLIC_URL, Region
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
    r = console_client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    # A forged sign-out does nothing: the session survives.
    assert r.status_code == 303
    assert console_client.get("/console").status_code == 200


def test_sign_in_attempts_are_throttled_per_address(settings: Settings, engine: sa.Engine) -> None:
    name = make_password_user(engine, "admin")
    app = create_app(replace(settings, sign_in_rate_limit=3))
    with TestClient(app, base_url=PUBLIC_URL) as c:
        codes = [sign_in(c, name, "wrong password!").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Even the right password waits out the window.
        assert sign_in(c, name).status_code == 429

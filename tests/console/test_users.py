"""The console's account pages: the program administrator lists, creates, disables and enables
accounts, resets passwords, revokes API tokens and ends sessions; nobody else can."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.accounts import sessions
from registry.accounts.service import issue_token
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.tables.accounts import User
from tests.conftest import Api, Region, unique
from tests.console.conftest import PASSWORD, csrf_of, make_password_user, sign_in


def user_id(engine: sa.Engine, name: str) -> str:
    with unit_of_work(engine, read_only=True) as session:
        return str(session.exec(select(User.id).where(User.username == name)).one())


def session_cookie(engine: sa.Engine, name: str, password: str = PASSWORD) -> str:
    with unit_of_work(engine) as session:
        signed = sessions.sign_in(session, name, password)
    assert signed is not None
    return signed[0]


def token_for(engine: sa.Engine, name: str) -> str:
    with unit_of_work(engine) as session:
        return issue_token(
            session, SYSTEM, session.exec(select(User).where(User.username == name)).one()
        )


def console_as(client: TestClient[Litestar], cookie: str) -> int:
    """The status of GET /console with only this session cookie."""
    r = client.get(
        "/console", headers={"Cookie": f"{sessions.COOKIE}={cookie}"}, follow_redirects=False
    )
    return int(r.status_code)


def flash(r: Any) -> str:
    return unquote(r.cookies.get("cit_flash", "") or "")


def post(client: TestClient[Litestar], path: str, **form: str) -> Any:
    token = csrf_of(client.get("/console").text)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def actions(engine: sa.Engine, uid: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT actor, action, entity_id FROM audit_log WHERE entity = 'user' ORDER BY id"
            )
        ).all()
    return [
        (r.actor, r.action) for r in rows if r.entity_id.replace("-", "") == uid.replace("-", "")
    ]


def test_only_the_administrator_sees_and_uses_the_user_pages(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    coordinator = make_password_user(engine, "coordinator", region.code)
    sign_in(console_client, coordinator)
    assert 'href="/console/users"' not in console_client.get("/console").text
    assert console_client.get("/console/users").status_code == 403
    victim = make_password_user(engine, "admin")
    r = post(console_client, f"/console/users/{user_id(engine, victim)}/disable")
    assert r.status_code == 403
    console_client.cookies.clear()

    admin = make_password_user(engine, "admin")
    sign_in(console_client, admin)
    page = console_client.get("/console/users")
    assert page.status_code == 200
    assert 'href="/console/users"' in page.text
    row = re.search(rf"{coordinator}</a></td>(.*?)</tr>", page.text, re.S)
    assert row, page.text
    assert region.code in row.group(1)
    assert "active" in row.group(1)
    # its last sign-in, in the program's time zone (America/Denver), named
    assert re.search(r"[A-Z][a-z]+ \d{1,2}, \d{4} at \d\d:\d\d M[SD]T", row.group(1))
    assert victim in page.text


def test_the_administrator_creates_an_account_with_a_password(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    sign_in(console_client, make_password_user(engine, "admin"))
    name = unique("newcoord")
    r = post(
        console_client,
        "/console/users",
        username=name,
        role="coordinator",
        region=region.code,
        password="a long enough password",
    )
    assert r.status_code == 303, r.text
    assert "Account created" in flash(r)
    assert r.headers["location"] == f"/console/users/{user_id(engine, name)}"
    console_client.cookies.clear()
    assert sign_in(console_client, name, "a long enough password").status_code == 303
    assert region.code in console_client.get("/console").text


def test_an_account_the_rules_refuse_is_explained_and_not_made(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    sign_in(console_client, make_password_user(engine, "admin"))
    for form, words in (
        ({"role": "coordinator", "region": "", "password": "a long enough password"}, "region"),
        ({"role": "coordinator", "region": region.code, "password": "short"}, "12 characters"),
        ({"role": "coordinator", "region": region.code, "password": ""}, "12 characters"),
        ({"role": "superuser", "region": region.code, "password": "a long enough pw"}, "role"),
    ):
        name = unique("refused")
        r = post(console_client, "/console/users", username=name, **form)
        assert r.status_code == 303
        assert flash(r).startswith("error:") and words in flash(r), flash(r)
        with unit_of_work(engine, read_only=True) as session:
            assert session.exec(select(User).where(User.username == name)).first() is None
    r = console_client.post(
        "/console/users",
        data={"username": unique("x"), "role": "admin", "password": "a long enough password"},
        follow_redirects=False,
    )
    assert r.status_code == 403  # no CSRF token


def test_disabling_ends_the_sessions_and_tokens_of_the_account_at_once(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    victim = make_password_user(engine, "coordinator", region.code)
    uid = user_id(engine, victim)
    cookie = session_cookie(engine, victim)
    api = Api(console_client, token_for(engine, victim))
    admin = make_password_user(engine, "admin")
    sign_in(console_client, admin)
    assert console_as(console_client, cookie) == 200
    assert api.get("/api/v1/officers").status_code == 200

    r = post(console_client, f"/console/users/{uid}/disable")
    assert r.status_code == 303 and "disabled" in flash(r)
    assert console_as(console_client, cookie) == 303
    assert api.get("/api/v1/officers").status_code == 401
    assert "disabled" in console_client.get(f"/console/users/{uid}").text

    r = post(console_client, f"/console/users/{uid}/enable")
    assert r.status_code == 303
    assert api.get("/api/v1/officers").status_code == 200
    # The sessions it had stay ended: signing in again is needed.
    assert console_as(console_client, cookie) == 303
    assert actions(engine, uid)[-2:] == [(admin, "user.disable"), (admin, "user.enable")]


def test_the_administrator_cannot_disable_their_own_account(
    console_client: TestClient[Litestar], engine: sa.Engine
) -> None:
    admin = make_password_user(engine, "admin")
    sign_in(console_client, admin)
    r = post(console_client, f"/console/users/{user_id(engine, admin)}/disable")
    assert flash(r).startswith("error:") and "your own account" in flash(r)
    assert console_client.get("/console").status_code == 200


def test_a_password_reset_from_the_console_ends_sessions_and_is_audited_without_it(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    victim = make_password_user(engine, "instructor", region.code)
    uid = user_id(engine, victim)
    cookie = session_cookie(engine, victim)
    sign_in(console_client, make_password_user(engine, "admin"))
    new = "console reset password 1"
    r = post(console_client, f"/console/users/{uid}/password", password=new)
    assert r.status_code == 303 and "New password set" in flash(r)
    assert console_as(console_client, cookie) == 303
    console_client.cookies.clear()
    assert sign_in(console_client, victim).status_code == 401
    assert sign_in(console_client, victim, new).status_code == 303
    with engine.connect() as conn:
        audit = " ".join(str(r) for r in conn.execute(sa.text("SELECT * FROM audit_log")))
    assert new not in audit


def test_tokens_are_revoked_one_or_all_and_sessions_ended_from_the_console(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    victim = make_password_user(engine, "coordinator", region.code)
    uid = user_id(engine, victim)
    first, second = (
        Api(console_client, token_for(engine, victim)),
        Api(console_client, token_for(engine, victim)),
    )
    cookie = session_cookie(engine, victim)
    sign_in(console_client, make_password_user(engine, "admin"))
    page = console_client.get(f"/console/users/{uid}").text
    ids = re.findall(r'name="token_id" value="([0-9a-f-]{36})"', page)
    assert len(ids) == 2
    assert first.token and second.token
    assert first.token not in page and second.token not in page

    r = post(console_client, f"/console/users/{uid}/revoke-tokens", token_id=ids[0])
    assert "1 API token revoked" in flash(r)
    assert {
        first.get("/api/v1/courses").status_code,
        second.get("/api/v1/courses").status_code,
    } == {
        200,
        401,
    }
    r = post(console_client, f"/console/users/{uid}/revoke-tokens", token_id="all")
    assert "1 API token revoked" in flash(r)
    assert second.get("/api/v1/courses").status_code == 401
    r = post(console_client, f"/console/users/{uid}/revoke-tokens", token_id="nonsense")
    assert flash(r).startswith("error:")
    assert post(console_client, f"/console/users/{uid}/promote").status_code == 404

    assert console_as(console_client, cookie) == 200
    r = post(console_client, f"/console/users/{uid}/end-sessions")
    assert "1 session ended" in flash(r)
    assert console_as(console_client, cookie) == 303
    assert [a for _, a in actions(engine, uid)][-3:] == [
        "token.revoke",
        "token.revoke",
        "session.end_all",
    ]

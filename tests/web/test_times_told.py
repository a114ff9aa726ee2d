"""Times told outside the pages are in the program's zone too, named, in the pages' one format
(issue 23, item 5): the account emails (an invitation, a reset) and every command that prints a
moment (`registry user list`, `user tokens`, `keys list`). Here the program is in Hawaii, whose
zone no default and no UTC reading could give. Dates that code writes into a page (the
dashboard's classes) read as the templates write them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.app import create_app
from registry.dates import long_date, long_datetime
from registry.db import unit_of_work
from registry.settings import MailSettings, Settings
from registry.tables.accounts import AccountLink, User
from tests.accounts.test_own_accounts import invite, mails_to, post_public
from tests.conftest import PUBLIC_URL, Region, graduate
from tests.console.conftest import make_password_user, sign_in
from tests.live import cli_env, run_registry

HAWAII = "Pacific/Honolulu"
# "December 7, 2026 at 13:42 HST", the pages' format.
IN_HAWAII = re.compile(r"[A-Z][a-z]+ \d{1,2}, \d{4} at \d\d:\d\d HST")
# A moment told in UTC (a word of its own: region codes such as "UTC25F6BD" hold the letters).
IN_UTC = re.compile(r"\bUTC\b|\+00:00")


@pytest.fixture
def hawaii(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], Path]]:
    outbox = tmp_path / "outbox"
    app = create_app(replace(settings, time_zone=HAWAII, mail=MailSettings(outbox=outbox)))
    with TestClient(app, base_url=PUBLIC_URL) as client:
        yield client, outbox


def _link_expiry(engine: sa.Engine, username: str, purpose: str) -> Any:
    with unit_of_work(engine, read_only=True) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        return session.exec(
            select(AccountLink.expires_at).where(
                AccountLink.user_id == user.id, AccountLink.purpose == purpose
            )
        ).one()


def test_the_account_emails_tell_the_links_end_in_the_programs_zone(
    hawaii: tuple[TestClient[Litestar], Path], engine: sa.Engine, region: Region
) -> None:
    web, outbox = hawaii
    name, address = invite(web, engine, region)
    [invitation] = mails_to(outbox, address)
    until = long_datetime(_link_expiry(engine, name, "invite"), ZoneInfo(HAWAII))
    body = invitation.get_body(("plain",)).get_content()
    assert f"until {until})" in body and "HST" in until
    assert not IN_UTC.search(body)

    answer = post_public(web, "/account/forgot", "/account/forgot", name=address)
    assert answer.status_code == 200, answer.text
    [_, reset] = mails_to(outbox, address)
    body = reset.get_body(("plain",)).get_content()
    assert f"until {long_datetime(_link_expiry(engine, name, 'reset'), ZoneInfo(HAWAII))})" in body
    assert IN_HAWAII.search(body) and not IN_UTC.search(body)


def test_the_commands_tell_moments_in_the_programs_zone(
    database_url: str, engine: sa.Engine, client: TestClient[Litestar], tmp_path: Path
) -> None:
    name = make_password_user(engine, "admin")
    client.cookies.clear()
    sign_in(client, name)  # a last sign-in to show
    client.cookies.clear()
    env = cli_env(
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_KEYS_DIR=str(tmp_path / "keys"),
        REGISTRY_TIME_ZONE=HAWAII,
    )
    made = run_registry("user", "create", f"{name}-api", "--role", "monitor", env=env)
    assert made.returncode == 0, made.stderr
    assert run_registry("keys", "generate", "--development", env=env).returncode == 0

    listed = run_registry("user", "list", env=env)
    tokens = run_registry("user", "tokens", f"{name}-api", env=env)
    keys = run_registry("keys", "list", env=env)
    for run in (listed, tokens, keys):
        assert run.returncode == 0, run.stderr
        assert not IN_UTC.search(run.stdout), run.stdout
    [line] = [row for row in listed.stdout.splitlines() if row.startswith(f"{name} ")]
    assert re.search(rf"last sign-in {IN_HAWAII.pattern}$", line), line
    assert re.search(rf"created {IN_HAWAII.pattern}", tokens.stdout), tokens.stdout
    assert IN_HAWAII.search(keys.stdout), keys.stdout


def test_the_dashboard_names_a_waiting_class_by_its_date_in_words(
    client: TestClient[Litestar], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    start = date.today() - timedelta(days=5)
    klass = region.klass(
        start_date=start.isoformat(),
        end_date=(start + timedelta(days=4)).isoformat(),
        location="Waiting Hall",
    )
    graduate(region, course, klass["id"], region.officer()["id"])
    client.cookies.clear()
    sign_in(client, make_password_user(engine, "coordinator", region.code))
    page = client.get("/console").text
    client.cookies.clear()
    assert f"Waiting Hall, {long_date(start)}</a>: 1 eligible" in page

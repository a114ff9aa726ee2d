"""Emailing graduates their wallet links from the class page: each to their own address on
file, never a protected record, audited without the links, to the outbox without SMTP."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient
from sqlmodel import select

from registry.db import unit_of_work
from registry.settings import MailSettings
from registry.tables.audit import AuditEntry
from tests.conftest import Region, graduate
from tests.console.conftest import csrf_of, make_password_user, sign_in


@pytest.fixture
def outbox(
    console_client: TestClient[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The app's mail settings for this test: no SMTP, an outbox of its own."""
    resources = console_client.app.state.resources
    monkeypatch.setattr(resources, "mail", MailSettings(outbox=tmp_path / "outbox"))
    return tmp_path / "outbox"


def test_graduates_get_their_own_wallet_link_and_protected_ones_none(
    console_client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    course: dict[str, Any],
    outbox: Path,
) -> None:
    klass = region.klass()
    mailed = region.officer(email="ana@example.org")
    no_email = region.officer()
    secret = region.officer(email="secret@example.org", protected=True)
    for officer in (mailed, no_email, secret):
        graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    wallets = {i["officer_id"]: i["wallet_url"] for i in r.json()["issued"]}

    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    page = c.get(f"/console/classes/{klass['id']}")
    answer = c.post(
        f"/console/classes/{klass['id']}/wallet-links",
        data={"csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 200, answer.text
    assert "1 graduate got their wallet link by email" in answer.text
    assert f"{no_email['post_id']}): no email address on file" in answer.text
    assert f"{secret['post_id']}): protected record, never emailed" in answer.text

    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o600
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ana@example.org"
    body = message.get_body().get_content()  # type: ignore[union-attr]
    assert wallets[mailed["id"]] in body
    assert wallets[secret["id"]] not in files[0].read_text()

    with unit_of_work(engine, read_only=True) as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "class.wallet_links_emailed",
                AuditEntry.entity_id == klass["id"],
            )
        ).one()
        after = entry.after or {}
    assert after["sent"] == [f"{mailed['first_name']} {mailed['last_name']} ({mailed['post_id']})"]
    assert not re.search(r"/wallet/", str(after))


def one_graduate(region: Region, course: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A certified class of one graduate with an email on file."""
    klass = region.klass()
    officer = region.officer(email="ana@example.org")
    graduate(region, course, klass["id"], officer["id"])
    assert region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {}).status_code == 200
    return klass, officer


def test_another_region_cannot_send_a_class_its_links(
    console_client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    region_factory: Any,
    course: dict[str, Any],
    outbox: Path,
) -> None:
    klass, _ = one_graduate(region, course)
    other = region_factory()
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", other.code))
    page = c.get("/console")
    r = c.post(
        f"/console/classes/{klass['id']}/wallet-links",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code in (303, 403, 404)
    assert not list(outbox.glob("*.eml"))


def mailings(engine: sa.Engine, class_id: str) -> int:
    with unit_of_work(engine, read_only=True) as session:
        return len(
            session.exec(
                select(AuditEntry).where(
                    AuditEntry.action == "class.wallet_links_emailed",
                    AuditEntry.entity_id == class_id,
                )
            ).all()
        )


def test_sending_again_asks_first_naming_who_got_one_and_when(
    console_client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    region_factory: Any,
    course: dict[str, Any],
    outbox: Path,
) -> None:
    klass, officer = one_graduate(region, course)
    who = f"{officer['first_name']} {officer['last_name']} ({officer['post_id']})"
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    path = f"/console/classes/{klass['id']}/wallet-links"
    csrf = csrf_of(c.get(f"/console/classes/{klass['id']}").text)
    assert "got their wallet link" in c.post(path, data={"csrf_token": csrf}).text
    assert len(list(outbox.glob("*.eml"))) == 1

    asked = c.post(path, data={"csrf_token": csrf})
    assert asked.status_code == 200, asked.text
    assert "Send the wallet links again?" in asked.text
    assert re.search(
        rf"<td>{re.escape(who)}</td><td>\w+ \d+, \d{{4}} at \d\d:\d\d M[SD]T</td>", asked.text
    )
    assert len(list(outbox.glob("*.eml"))) == 1  # asking sends nothing

    again = c.post(path, data={"csrf_token": csrf, "confirm": "yes"})
    assert "1 graduate got their wallet link by email" in again.text
    assert mailings(engine, klass["id"]) == 2

    # Another region's coordinator is never told who got one.
    c.cookies.clear()
    sign_in(c, make_password_user(engine, "coordinator", region_factory().code))
    stranger = c.post(path, data={"csrf_token": csrf_of(c.get("/console").text)})
    assert officer["post_id"] not in stranger.text
    assert mailings(engine, klass["id"]) == 2

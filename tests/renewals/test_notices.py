"""Expiry notices: .eml files in the outbox or email through SMTP, each sent once, never with
the wallet link."""

from __future__ import annotations

import email
import email.policy
import re
import stat
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from registry import cli
from registry.common import add_months, utcnow
from registry.dates import long_date
from registry.notices import service as notices
from registry.settings import Settings, load_settings
from tests.conftest import PUBLIC_URL, Region, program_zone
from tests.renewals.conftest import add_ce, certify, stored

PROGRAM = notices.Program(
    name="CIT Utah", public_url=PUBLIC_URL, from_address="cit@utah.test", zone=program_zone()
)


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def soon() -> Any:
    """A moment ~23 months on, when credentials issued today are within 90 days of expiry."""
    return add_months(utcnow(), 23)


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_notices_are_written_to_the_outbox_once(
    region: Region, course: dict[str, Any], engine: sa.Engine, tmp_path: Path
) -> None:
    held = certify(region, course, email="jane@police.test")
    add_ce(region, held.officer["id"], 1.5)
    outbox = tmp_path / "outbox"

    first = notices.notify_expiring(engine, PROGRAM, days=90, outbox=outbox, now=soon())
    path = outbox / f"{held.credential_id}-90d.eml"
    assert path.is_file()
    assert first.written >= 1 and first.emailed == 0
    assert b"\r\n" in path.read_bytes()  # RFC 5322 line ends
    message = read_eml(path)
    assert message["To"] == "jane@police.test"
    valid_until = stored(engine, held.credential_id).valid_until
    # Dates read as on every page: "November 29, 2028".
    expires = long_date(valid_until, program_zone())
    assert message["Subject"] == f"Your CIT certification expires on {expires}"
    text = body_of(message)
    assert held.officer["last_name"] in text
    assert held.officer["post_id"] in text
    assert f"{PUBLIC_URL}/c/{held.credential_id}" in text
    needed = course["ce_hours_per_cycle"] - 1.5
    assert f"{needed:g} hours are still needed" in text
    assert "ask your coordinator for your wallet link" in text
    assert "/wallet/" not in path.read_text()
    # For the registry's user only: a notice names the officer.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700

    files = set(outbox.iterdir())
    again = notices.notify_expiring(engine, PROGRAM, days=90, outbox=outbox, now=soon())
    assert again.sent == 0
    assert set(outbox.iterdir()) == files
    assert "0 notices: 0 emailed, 0 written to" in again.line()


def test_credentials_far_from_expiry_get_no_notice(
    region: Region, course: dict[str, Any], engine: sa.Engine, tmp_path: Path
) -> None:
    held = certify(region, course)
    notices.notify_expiring(engine, PROGRAM, days=90, outbox=tmp_path)
    assert not (tmp_path / f"{held.credential_id}-90d.eml").exists()


def test_smtp_path_emails_officers_and_writes_the_rest_without_the_wallet_link(
    region: Region, course: dict[str, Any], engine: sa.Engine, tmp_path: Path
) -> None:
    with_email = certify(region, course, email="sam@police.test")
    without = certify(region, course)
    sender = FakeSender()
    # A window of its own, so notices earlier tests sent for 90 days do not hide these.
    summary = notices.notify_expiring(
        engine, PROGRAM, days=91, outbox=tmp_path, sender=sender, now=soon()
    )
    mine = [m for m in sender.sent if m["X-CIT-Credential"] == with_email.credential_id]
    assert len(mine) == 1
    assert mine[0]["To"] == "sam@police.test"
    assert mine[0]["From"] == "cit@utah.test"
    assert f"{PUBLIC_URL}/c/{with_email.credential_id}" in body_of(mine[0])
    for message in sender.sent:
        assert "/wallet/" not in message.as_string()
        assert "wallet link" in body_of(message)
    assert with_email.issued["wallet_url"] not in body_of(mine[0])

    assert without.officer["post_id"] in summary.without_email
    assert (tmp_path / f"{without.credential_id}-91d.eml").is_file()
    assert not (tmp_path / f"{with_email.credential_id}-91d.eml").exists()
    assert summary.emailed == len(sender.sent)

    again = FakeSender()
    notices.notify_expiring(engine, PROGRAM, days=91, outbox=tmp_path, sender=again, now=soon())
    assert again.sent == []


def test_a_failed_delivery_is_not_recorded_and_is_tried_again(
    region: Region, course: dict[str, Any], engine: sa.Engine, tmp_path: Path
) -> None:
    held = certify(region, course, email="kim@police.test")

    class Down:
        def send(self, message: EmailMessage) -> None:
            raise OSError("connection refused")

    moment = soon() + timedelta(days=1)
    failed = notices.notify_expiring(
        engine, PROGRAM, days=92, outbox=tmp_path, sender=Down(), now=moment
    )
    assert any(f.startswith(held.credential_id) for f in failed.failed)
    assert "failed" in failed.line()
    sender = FakeSender()
    notices.notify_expiring(engine, PROGRAM, days=92, outbox=tmp_path, sender=sender, now=moment)
    assert held.credential_id in {m["X-CIT-Credential"] for m in sender.sent}


def test_smtp_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert notices.SmtpConfig.from_env({}) is None
    config = notices.SmtpConfig.from_env(
        {
            "REGISTRY_SMTP_HOST": "mail.test",
            "REGISTRY_SMTP_PORT": "587",
            "REGISTRY_SMTP_FROM": "cit@utah.test",
            "REGISTRY_SMTP_USER": "u",
            "REGISTRY_SMTP_PASSWORD": "p",
        }
    )
    assert config is not None and config.port == 587 and config.tls == "starttls"
    with pytest.raises(notices.NoticeConfigError):
        notices.SmtpConfig.from_env({"REGISTRY_SMTP_HOST": "x", "REGISTRY_SMTP_PORT": "many"})
    # Read with the other settings, once: a service started with SMTP settings that make no
    # sense stops at once, naming the variable (not at the first email, as a 500).
    monkeypatch.setenv("REGISTRY_SMTP_HOST", "x")
    monkeypatch.setenv("REGISTRY_SMTP_PORT", "many")
    with pytest.raises(SystemExit, match="REGISTRY_SMTP_PORT must be a number"):
        load_settings()
    monkeypatch.setenv("REGISTRY_SMTP_PORT", "2525")
    monkeypatch.setenv("REGISTRY_OUTBOX_DIR", "/srv/outbox")
    mail = load_settings().mail
    assert mail.smtp is not None and mail.smtp.port == 2525 and mail.outbox == Path("/srv/outbox")
    monkeypatch.delenv("REGISTRY_SMTP_HOST")
    assert load_settings().mail.smtp is None

    calls: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            calls.append(("connect", host, port))

        def starttls(self, context: Any) -> None:
            calls.append(("starttls",))

        def login(self, user: str, password: str) -> None:
            calls.append(("login", user))

        def send_message(self, message: EmailMessage) -> None:
            calls.append(("send", message["To"]))

        def quit(self) -> None:
            calls.append(("quit",))

        def close(self) -> None:
            calls.append(("close",))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    smtp = notices.SmtpSender(config)
    for to in ("a@x.test", "b@x.test"):
        message = EmailMessage()
        message["To"] = to
        smtp.send(message)
    smtp.close()
    assert calls == [
        ("connect", "mail.test", 587),
        ("starttls",),
        ("login", "u"),
        ("send", "a@x.test"),
        ("send", "b@x.test"),
        ("quit",),
    ]


def test_the_command_writes_notices_and_prints_a_summary(
    region: Region,
    course: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    held = certify(region, course)
    monkeypatch.setattr("registry.settings.get_settings", lambda: settings)
    monkeypatch.delenv("REGISTRY_SMTP_HOST", raising=False)
    outbox = tmp_path / "out"
    # 800 days reaches credentials issued today (valid 24 months) without moving the clock.
    assert cli.main(["notify-expiring", "--days", "800", "--outbox", str(outbox)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(
        rf"(\d+) notices: 0 emailed, (\d+) written to {re.escape(str(outbox))}", line
    )
    assert match and match[1] == match[2] and int(match[1]) >= 1, line
    assert (outbox / f"{held.credential_id}-800d.eml").is_file()

    assert cli.main(["notify-expiring", "--days", "800", "--outbox", str(outbox)]) == 0
    assert capsys.readouterr().out.strip() == f"0 notices: 0 emailed, 0 written to {outbox}"
    assert cli.main(["notify-expiring", "--days", "0"]) == 2

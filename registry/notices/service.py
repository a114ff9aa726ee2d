"""Expiry notices: an email, or an .eml file in the outbox, before a certification runs out."""

from __future__ import annotations

import email.policy
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.credentials.handouts import class_handouts
from registry.credentials.renewal import ce_standing
from registry.credentials.service import Issuer
from registry.dates import long_date
from registry.db import private_file, private_folder, unit_of_work
from registry.reports.service import expiring
from registry.settings import MailSettings
from registry.settings import NoticeConfigError as NoticeConfigError  # re-exported
from registry.settings import SmtpConfig as SmtpConfig  # re-exported
from registry.tables.audit import AuditEntry
from registry.tables.credentials import Credential, ExpiryNotice
from registry.tables.people import Officer
from registry.tables.training import Course
from registry.windows import RENEWAL_GRACE_MONTHS as GRACE_MONTHS


class Sender(Protocol):
    """Delivers one message; the SMTP sender in production, a fake one in tests."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpSender:
    """Sends through one SMTP connection, opened at the first message and kept for the run.

    The login is only ever sent inside TLS: a server that does not offer STARTTLS fails the
    connection (smtplib raises) before anything but EHLO was said."""

    def __init__(
        self, config: SmtpConfig, timeout: float = 30, context: ssl.SSLContext | None = None
    ) -> None:
        self.config = config
        self.timeout = timeout
        # Certificates and host names checked against the system's trust store.
        self.context = context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp: smtplib.SMTP
        if config.tls == "implicit":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=self.timeout, context=self.context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
        try:
            if config.tls == "starttls":
                smtp.starttls(context=self.context)
            if config.user and config.password:
                if config.tls == "none":  # from_env refuses this; a config built by hand too
                    raise NoticeConfigError("no SMTP login without TLS")
                smtp.login(config.user, config.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()
            self._smtp = None


def mail_setup(
    mail: MailSettings, name: str, public_url: str, zone: ZoneInfo
) -> tuple[Program, SmtpSender | None]:
    """Who mail comes from, the zone its times are told in, and the SMTP sender (None: messages
    go to the outbox instead)."""
    smtp = mail.smtp
    program = Program(
        name=name,
        public_url=public_url,
        from_address=smtp.sender if smtp else mail.from_address,
        zone=zone,
    )
    return program, smtp_sender(mail)


def smtp_sender(mail: MailSettings) -> SmtpSender | None:
    """The SMTP sender, or None when messages go to the outbox instead."""
    return SmtpSender(mail.smtp) if mail.smtp else None


@dataclass(frozen=True)
class Program:
    """Who the notices come from and where their verify links point."""

    name: str
    public_url: str
    from_address: str | None = None
    # The program's time zone (REGISTRY_TIME_ZONE), for the times a message tells; None: UTC.
    zone: ZoneInfo | None = None

    @property
    def domain(self) -> str:
        return urlsplit(self.public_url).hostname or "localhost"

    @property
    def sender(self) -> str:
        return self.from_address or f"{self.name} <noreply@{self.domain}>"

    def message(
        self, to: str | None, subject: str, body: str, now: datetime, **headers: str
    ) -> EmailMessage:
        """An email from the program: its sender, a date and a Message-ID of its domain."""
        message = EmailMessage()
        message["From"] = self.sender
        if to:
            message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(now)
        message["Message-ID"] = make_msgid(domain=self.domain)
        for name, value in headers.items():
            message[name] = value
        message.set_content(body)
        return message


@dataclass
class Summary:
    outbox: Path
    emailed: int = 0
    written: int = 0
    # POST ids of officers with no email address, whose notice went to the outbox instead.
    without_email: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.emailed + self.written

    def line(self) -> str:
        text = (
            f"{self.sent} notices: {self.emailed} emailed, {self.written} written to {self.outbox}"
        )
        if self.failed:
            text += f"; {len(self.failed)} failed (they will be tried again next run)"
        return text


@dataclass(frozen=True)
class Draft:
    credential_id: str
    post_id: str
    address: str | None
    message: EmailMessage


def compose(
    program: Program,
    session: Session,
    credential: Credential,
    officer: Officer,
    course: Course,
    *,
    now: datetime,
) -> EmailMessage:
    """The notice: who, which certification, when it ends, CE hours still needed, the verify
    link. Never the wallet link: a notice goes out unasked, on a schedule (the link is emailed
    only when a coordinator sends a class its links, see email_wallet_links)."""
    ce = ce_standing(session, credential, course, now, program.zone)
    expires = long_date(credential.valid_until, program.zone)
    days_left = max(0, (credential.valid_until - now).days)
    if ce.met:
        education = (
            f"Continuing education: {ce.recorded:g} of the {ce.required:g} hours this cycle "
            "needs are recorded, so the requirement is met. Ask your regional coordinator to "
            "renew the certification."
        )
    else:
        education = (
            f"Continuing education: {ce.required:g} hours are needed in each cycle and "
            f"{ce.recorded:g} are recorded since {long_date(credential.valid_from, program.zone)}; "
            f"{ce.missing:g} hours are still needed. Once they are recorded, your regional "
            "coordinator can renew the certification."
        )
    body = "\n".join(
        [
            f"Dear {officer.first_name} {officer.last_name},",
            "",
            f"your {course.credential_name} (POST id {officer.post_id}, credential "
            f"{credential.id}) expires on {expires}, in {days_left} days.",
            "",
            education,
            "",
            f"A certification expired for more than {GRACE_MONTHS} months cannot be renewed: "
            "the full course must be taken again.",
            "",
            "Anyone can check the certification's current status here:",
            f"{program.public_url}/c/{credential.id}",
            "",
            "For your digital wallet, use the private link your coordinator gave you (a notice "
            "never carries it); if it is lost, ask your coordinator for your wallet link again.",
            "",
            program.name,
        ]
    )
    return program.message(
        officer.email,
        f"Your CIT certification expires on {expires}",
        body,
        now,
        **{"X-CIT-Credential": credential.id},
    )


def _drafts(engine: Engine, program: Program, days: int, now: datetime) -> list[Draft]:
    with unit_of_work(engine, read_only=True) as session:
        due = expiring(session, None, days, now)
        done = set(
            session.exec(
                select(ExpiryNotice.credential_id).where(
                    ExpiryNotice.window_days == days,
                    col(ExpiryNotice.credential_id).in_([e.credential_id for e in due]),
                )
            )
        )
        out = []
        for item in due:
            if item.credential_id in done:
                continue
            credential = session.get(Credential, item.credential_id)
            officer = session.get(Officer, item.officer_id)
            assert credential is not None and officer is not None  # noqa: S101 - just read
            course = session.get(Course, credential.course_id)
            assert course is not None  # noqa: S101 - foreign key
            message = compose(program, session, credential, officer, course, now=now)
            out.append(Draft(credential.id, officer.post_id, officer.email, message))
        return out


def _claim(session: Session, draft: Draft, days: int, channel: str, now: datetime) -> bool:
    """Records the notice first; a concurrent run that got there already makes this False."""
    try:
        with session.begin_nested():
            session.add(
                ExpiryNotice(
                    credential_id=draft.credential_id,
                    window_days=days,
                    channel=channel,
                    address=draft.address if channel == "email" else None,
                    sent_at=now,
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def write_eml(outbox: Path, draft: Draft, days: int, *, name: str | None = None) -> Path:
    return save_eml(outbox, draft.message, name or f"{draft.credential_id}-{days}d")


def save_eml(outbox: Path, message: EmailMessage, name: str) -> Path:
    """The message as an .eml file in the outbox (development, or no email address)."""
    private_folder(outbox)
    path = outbox / f"{name}.eml"
    partial = path.with_suffix(".eml.part")
    # Owner only: a notice names the officer, who may be protected.
    private_file(partial)
    # CRLF line ends (the SMTP policy): an RFC 5322 file that mail programs open as sent.
    partial.write_bytes(message.as_bytes(policy=email.policy.SMTP))
    partial.replace(path)
    return path


def notify_expiring(
    engine: Engine,
    program: Program,
    *,
    days: int,
    outbox: Path,
    sender: Sender | None = None,
    now: datetime | None = None,
) -> Summary:
    """One notice per credential expiring within `days` that has none for this window yet.

    Each notice is its own transaction: recorded, delivered, committed. A delivery that fails
    rolls its record back, so the next run tries again; one that succeeded is never repeated.
    """
    now = now or utcnow()
    summary = Summary(outbox=outbox)
    for draft in _drafts(engine, program, days, now):
        channel = "email" if sender is not None and draft.address else "outbox"
        try:
            with unit_of_work(engine) as session:
                if not _claim(session, draft, days, channel, now):
                    continue
                if channel == "email":
                    assert sender is not None  # noqa: S101 - chosen above
                    sender.send(draft.message)
                else:
                    write_eml(outbox, draft, days)
        except (OSError, smtplib.SMTPException) as exc:
            summary.failed.append(f"{draft.credential_id}: {exc}")
            continue
        if channel == "email":
            summary.emailed += 1
        else:
            summary.written += 1
            if sender is not None:
                summary.without_email.append(draft.post_id)
    return summary


# ---- wallet links, at a coordinator's request -----------------------------------------------


@dataclass
class WalletMailing:
    """Who got their wallet link by email, and who did not and why (names and POST ids only)."""

    emailed: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)
    protected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def compose_wallet_link(
    program: Program, name: str, address: str, wallet_url: str, *, now: datetime
) -> EmailMessage:
    """The graduate's own wallet link, with what it is for and what to do if it leaks."""
    body = "\n".join(
        [
            f"Dear {name},",
            "",
            "congratulations on your CIT certification. This link opens your digital wallet: "
            "your certification with its live status, a QR code a hiring department scans with "
            "their phone, the certificate to print and the file for a wallet app.",
            "",
            wallet_url,
            "",
            "The link is yours alone: anyone who has it can open your wallet. Keep this email, "
            "add the page to your phone's home screen, and do not forward it. If it reaches "
            "someone else, ask your regional coordinator for a new link; the old one then stops "
            "working.",
            "",
            program.name,
        ]
    )
    return program.message(address, "Your CIT certification: your wallet link", body, now)


def email_wallet_links(
    session: Session,
    actor: Actor,
    issuer: Issuer,
    class_id: uuid.UUID,
    program: Program,
    *,
    sender: Sender | None,
    outbox: Path,
    now: datetime | None = None,
) -> WalletMailing:
    """Sends each graduate of the class who serves in the actor's region their wallet link, to
    the email on file: by SMTP when configured, else to the outbox (development). Protected
    (undercover) officers are left out: their coordinator hands the link over in person."""
    now = now or utcnow()
    mailing = WalletMailing()
    for handout in class_handouts(session, actor, issuer, class_id):
        who = f"{handout.name} ({handout.post_id})"
        if handout.protected:
            mailing.protected.append(who)
            continue
        if not handout.email:
            mailing.without_email.append(who)
            continue
        message = compose_wallet_link(
            program, handout.name, handout.email, handout.wallet_url, now=now
        )
        try:
            if sender is not None:
                sender.send(message)
                mailing.emailed.append(who)
            else:
                draft = Draft(handout.credential_id, handout.post_id, handout.email, message)
                write_eml(outbox, draft, 0, name=f"{handout.credential_id}-wallet")
                mailing.written.append(who)
        except (OSError, smtplib.SMTPException) as exc:
            mailing.failed.append(f"{who}: {exc}")
    record(
        session,
        actor,
        "class.wallet_links_emailed",
        "class",
        class_id,
        # Who was written to, never the links themselves.
        after={
            "sent": [*mailing.emailed, *mailing.written],
            "without_email": len(mailing.without_email),
            "protected": len(mailing.protected),
            "failed": len(mailing.failed),
        },
    )
    return mailing


def wallet_links_sent(session: Session, class_id: uuid.UUID) -> list[tuple[str, datetime]]:
    """Who of the class already got their wallet link by email, and when last (from the audit
    trail, which records every mailing): asked before sending again."""
    last: dict[str, datetime] = {}
    for entry in session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity_id == str(class_id),
            AuditEntry.action == "class.wallet_links_emailed",
        )
        .order_by(col(AuditEntry.id))
    ):
        for who in (entry.after or {}).get("sent", []):
            last[str(who)] = entry.at
    return sorted(last.items())

"""The emails that let staff set their own password: an invitation, a reset they asked for."""

from __future__ import annotations

import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage

from registry.dates import long_datetime
from registry.errors import Unavailable
from registry.notices.service import Program, Sender, save_eml
from registry.settings import MailSettings

PATH = "/account/password/"


def link_url(public_url: str, token: str) -> str:
    return f"{public_url}{PATH}{token}"


def compose_account_link(
    program: Program,
    *,
    username: str,
    address: str,
    url: str,
    invitation: bool,
    expires: datetime,
    now: datetime,
) -> EmailMessage:
    until = long_datetime(expires, program.zone)
    if invitation:
        subject = f"{program.name}: your account in the CIT registry"
        opening = (
            f"the program administrator made you an account in the CIT registry, with the "
            f"username {username}. Choose your password here (the link works once, until "
            f"{until}):"
        )
    else:
        subject = f"{program.name}: choose a new password"
        opening = (
            f"someone asked for a new password for the CIT registry account {username}. If it "
            f"was you, choose one here (the link works once, until {until}):"
        )
    body = "\n".join(
        [
            "Hello,",
            "",
            opening,
            "",
            url,
            "",
            "A password has at least 12 characters. If you did not expect this email, ignore "
            "it: nothing changes until the link is used.",
            "",
            program.name,
        ]
    )
    return program.message(address, subject, body, now)


def deliver(message: EmailMessage, sender: Sender | None, mail: MailSettings) -> None:
    """By SMTP when configured, else to the outbox; a failure is said in words (503)."""
    try:
        if sender is not None:
            sender.send(message)
        else:
            save_eml(mail.outbox, message, f"account-{uuid.uuid4()}")
    except (OSError, smtplib.SMTPException) as exc:
        raise Unavailable(
            f"The email could not be sent ({exc}); nothing was saved. Try again later.",
            field="email",
            rule="delivery",
        ) from None

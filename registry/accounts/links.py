"""People who run their own accounts: invitations by email, a password set from a single-use link
that expires, a forgotten password reset by email, and each user changing their own password.

A link carries a random token; only its SHA-256 is stored, and a link works once, before it
expires, for an account that is still enabled. Setting a password through it ends the account's
console sessions (whoever held the old password)."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, or_, select

from registry.accounts.service import (
    _DUMMY_HASH,
    _check_password_rules,
    _end_sessions,
    _hasher,
    _no_console,
    check_email,
    create_user,
    hash_password,
    hash_token,
)
from registry.actors import Actor, Role
from registry.audit.service import record
from registry.common import utcnow
from registry.errors import InvalidInput, NotFound, RuleViolation
from registry.tables.accounts import AccountLink, User

INVITE = "invite"
RESET = "reset"
LIFETIME = {INVITE: timedelta(days=3), RESET: timedelta(hours=1)}
# What a reset request records when no account answers to what was typed (never the text).
UNKNOWN = "unknown user"


@dataclass(frozen=True)
class Link:
    """A link just made: who it is for, the token for the URL (shown once) and when it ends."""

    user: User
    token: str
    purpose: str
    expires_at: datetime


def _new_link(session: Session, user: User, purpose: str) -> Link:
    """A fresh link; any earlier unused link of the account stops working (the newest wins)."""
    now = utcnow()
    for old in session.exec(
        select(AccountLink).where(
            AccountLink.user_id == user.id, col(AccountLink.used_at).is_(None)
        )
    ):
        old.used_at = now
        session.add(old)
    token = secrets.token_urlsafe(32)
    expires = now + LIFETIME[purpose]
    session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return Link(user, token, purpose, expires)


def invite(
    session: Session,
    actor: Actor,
    *,
    username: str,
    email: str,
    role: str,
    region_code: str | None = None,
    agency_ori: str | None = None,
) -> Link:
    """A new account without a password, and the link that lets its owner set one (admins)."""
    address = check_email(email)
    user = create_user(
        session,
        actor,
        username=username,
        role=role,
        region_code=region_code,
        agency_ori=agency_ori,
    )
    # A dispatch account is a CAD system's API token: nobody is invited to sign in with it.
    _no_console(Role(user.role))
    user.email = address
    session.add(user)
    link = _new_link(session, user, INVITE)
    record(session, actor, "user.invite", "user", user.id, after={"email": address})
    return link


def reinvite(session: Session, actor: Actor, user: User) -> Link:
    """A new invitation for an account with an email on file (the old link stops working)."""
    if not user.email:
        raise RuleViolation(
            "This account has no email address: set one first.", field="email", rule="required"
        )
    link = _new_link(session, user, INVITE)
    record(session, actor, "user.invite", "user", user.id, after={"email": user.email})
    return link


def open_link(session: Session, token: str) -> tuple[AccountLink, User]:
    """The link's row and account, or a refusal that says why in words (404 for a token that
    was never issued, 422 for one used or expired)."""
    row = None
    if token and len(token) <= 100:
        row = session.exec(
            select(AccountLink).where(AccountLink.token_hash == hash_token(token))
        ).first()
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None:
        raise NotFound(
            "This link is not one the registry sent: check that the whole address was copied.",
            field="token",
            rule="unknown_link",
        )
    if row.used_at is not None:
        raise RuleViolation(
            "This link was already used (or a newer one was sent): each link works once. "
            "Ask for a new one with “Forgot your password?” on the sign-in page.",
            field="token",
            rule="link_used",
        )
    if row.expires_at <= utcnow() or not user.active:
        raise RuleViolation(
            "This link has expired. Ask for a new one with “Forgot your password?” on the "
            "sign-in page, or ask the program administrator to invite you again.",
            field="token",
            rule="link_expired",
        )
    return row, user


def set_password_from_link(session: Session, token: str, password: str) -> User:
    """The password the link's owner chose; the link is spent and their sessions end."""
    row, user = open_link(session, token)
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    row.used_at = utcnow()
    session.add_all([user, row])
    ended = _end_sessions(session, user)
    record(
        session,
        user.username,
        "user.password_set" if row.purpose == INVITE else "user.password_reset_by_link",
        "user",
        user.id,
        after={"link": row.purpose, "sessions_ended": ended},
    )
    session.flush()
    return user


def request_reset(session: Session, name: str) -> Link | None:
    """A reset link for the enabled account with this username or email, or None. The caller
    answers the same words either way, and the same work is done here (a token made and hashed,
    one audit entry), so neither the answer nor its time says whether the account exists."""
    name = name.strip()[:254]
    user = None
    if name:
        user = session.exec(
            select(User).where(or_(User.username == name, func.lower(User.email) == name.lower()))
        ).first()
    if user is None or not user.active or not user.email:
        hash_token(secrets.token_urlsafe(32))
        record(session, UNKNOWN, "user.password_reset_requested", "user", UNKNOWN)
        return None
    link = _new_link(session, user, RESET)
    record(session, user.username, "user.password_reset_requested", "user", user.id)
    return link


def change_own_password(
    session: Session, actor: Actor, current: str, new: str, *, keep_session: str | None
) -> int:
    """The signed-in user's new password, the current one given; every other session of theirs
    ends (the one they are using stays). Returns how many ended."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound("No such user.", field="user")
    if not user.password_hash:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, current)
        raise _wrong_current()
    try:
        _hasher.verify(user.password_hash, current[:1024])
    except (VerificationError, InvalidHashError):
        raise _wrong_current() from None
    _check_password_rules(new)
    if new == current:
        raise InvalidInput(
            "The new password is the current one: choose another.",
            field="new_password",
            rule="changed",
        )
    user.password_hash = hash_password(new)
    session.add(user)
    ended = _end_sessions(session, user, keep=keep_session)
    record(session, actor, "user.password_change", "user", user.id, after={"sessions_ended": ended})
    session.flush()
    return ended


def _wrong_current() -> InvalidInput:
    return InvalidInput(
        "The current password is not right.", field="current_password", rule="mismatch"
    )

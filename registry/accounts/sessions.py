"""Console sign-in sessions: a random cookie token whose hash is the session's key."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete

from registry.accounts.service import actor_for, check_password
from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.tables.accounts import User, WebSession

COOKIE = "cit_session"
LIFETIME = timedelta(hours=10)
# What a failed sign-in records for a name no account has, instead of what was typed.
UNKNOWN_USER = "unknown user"


def key_of(token: str) -> str:
    """The session's key (its row's id) for the cookie's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    csrf_token: str
    # When the session ends (the console warns a few minutes before and offers to extend it).
    expires_at: datetime | None = None


def sign_in(session: Session, username: str, password: str) -> tuple[str, SignedIn] | None:
    """Checks the password; on success opens a session and returns its cookie token."""
    checked = check_password(session, username, password)
    actor = checked.actor
    if actor is None:
        known = checked.user
        record(
            session,
            known.username if known else UNKNOWN_USER,
            "session.sign_in_failed",
            "user",
            known.id if known else UNKNOWN_USER,
            after={"disabled": True} if known is not None and not known.active else None,
        )
        return None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    assert actor.user_id is not None  # noqa: S101 - password users always have an id
    now = utcnow()
    session.add(
        WebSession(
            id=key_of(token),
            user_id=actor.user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    # Expired sessions are swept whenever someone signs in: no background job needed.
    session.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
    record(session, actor, "session.sign_in", "user", actor.user_id)
    return token, SignedIn(actor, csrf, now + LIFETIME)


def lookup(session: Session, token: str) -> SignedIn | None:
    if not token or len(token) > 100:
        return None
    row = session.get(WebSession, key_of(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return SignedIn(actor_for(session, user), row.csrf_token, row.expires_at)


def extend(session: Session, token: str) -> datetime | None:
    """Keeps a live session signed in for another LIFETIME from now (audited); None when the
    session has already ended: then only signing in again helps."""
    row = session.get(WebSession, key_of(token)) if token and len(token) <= 100 else None
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    before = row.expires_at
    row.expires_at = now + LIFETIME
    session.add(row)
    record(
        session,
        user.username,
        "session.extend",
        "user",
        user.id,
        {"expires_at": before.isoformat()},
        {"expires_at": row.expires_at.isoformat()},
    )
    return row.expires_at


def sign_out(session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.id) == key_of(token)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected.encode(), (given or "").encode())

"""Users, API tokens and passwords: creation and authentication."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, delete, select

from registry.accounts.schemas import UserPublic
from registry.actors import Actor, Role
from registry.audit.service import record, saved, snapshot
from registry.common import copied, utcnow
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from registry.tables.accounts import ApiToken, User, WebSession
from registry.tables.audit import AuditEntry
from registry.tables.people import Agency, Region

TOKEN_PREFIX = "citr_"  # noqa: S105 - a prefix, not a secret
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    role: str,
    region_code: str | None = None,
    password: str | None = None,
    agency_ori: str | None = None,
) -> User:
    _require_admin(actor)
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "A username is 2 to 64 letters, digits or . _ @ -, starting with a letter or digit.",
            field="username",
            rule="format",
        )
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput(
            "role must be admin, coordinator, instructor, monitor, liaison or dispatch.",
            field="role",
            rule="enum",
        ) from None
    region_id = agency_id = None
    if role_value in AGENCY_ROLES:
        agency_id = _liaison_agency(session, agency_ori)
    elif agency_ori:
        raise InvalidInput(
            "Only a liaison or a dispatch account belongs to an agency.",
            field="agency",
            rule="liaison",
        )
    elif role_value not in (Role.ADMIN, Role.MONITOR):  # the program's, not a region's
        if not region_code:
            raise InvalidInput(
                "Coordinators and instructors belong to a region.", field="region", rule="required"
            )
        region = session.exec(select(Region).where(Region.code == region_code.upper())).first()
        if region is None:
            raise NotFound(f"No region with code {region_code!r}.", field="region")
        region_id = region.id
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"The username {username!r} is taken.", field="username", rule="unique")
    if password is not None:
        _no_console(role_value)
        _check_password_rules(password)
    user = User(
        username=username,
        role=role_value.value,
        region_id=region_id,
        agency_id=agency_id,
        password_hash=hash_password(password) if password else None,
    )
    saved(session, actor, "user.create", "user", user)
    return user


# The roles that belong to one agency rather than to a region.
AGENCY_ROLES = (Role.LIAISON, Role.DISPATCH)


def _no_console(role: Role) -> None:
    """A dispatch account is a CAD system's API token: it never signs in to the console."""
    if role is Role.DISPATCH:
        raise InvalidInput(
            "A dispatch account has an API token only, no console password.",
            field="password",
            rule="token_only",
        )


def _liaison_agency(session: Session, ori: str | None) -> uuid.UUID:
    """A liaison's or dispatch account's agency, by its ORI."""
    if not ori or not ori.strip():
        raise InvalidInput(
            "A liaison or a dispatch account belongs to an agency.", field="agency", rule="required"
        )
    agency = session.exec(select(Agency).where(Agency.ori == ori.strip().upper())).first()
    if agency is None:
        raise NotFound(f"No agency with ORI {ori.strip()!r}.", field="agency", rule="exists")
    return agency.id


def _check_password_rules(password: str) -> None:
    if len(password) < 12:
        raise InvalidInput(
            "A password has at least 12 characters.", field="password", rule="min_length"
        )
    if len(password) > 1024:
        # The sign-in form reads no more than this.
        raise InvalidInput(
            "A password has at most 1024 characters.", field="password", rule="max_length"
        )


def issue_token(session: Session, actor: Actor, user: User) -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    record(session, actor, "token.issue", "user", user.id, after={"token_id": str(row.id)})
    return token


def actor_for(session: Session, user: User) -> Actor:
    code = None
    if user.region_id is not None:
        region = session.get(Region, user.region_id)
        code = region.code if region else None
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        region_id=user.region_id,
        region_code=code,
        agency_id=user.agency_id,
    )


def authenticate_token(session: Session, token: str) -> Actor | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.exec(
        select(User, ApiToken)
        .join(ApiToken, col(ApiToken.user_id) == User.id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    user, api_token = row
    if api_token.revoked_at is not None or not user.active:
        return None
    return actor_for(session, user)


@dataclass(frozen=True)
class PasswordCheck:
    """A sign-in attempt's outcome: the actor when it succeeded, and the account the name
    belongs to (None for a name no account has), so a failure is recorded against the right
    account and a name nobody has is never stored: people type passwords there."""

    actor: Actor | None
    user: User | None


def check_password(session: Session, username: str, password: str) -> PasswordCheck:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.password_hash or not user.active:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, password)
        return PasswordCheck(None, user)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return PasswordCheck(None, user)
    return PasswordCheck(actor_for(session, user), user)


# ---- managing accounts (admins; the command line acts as one) -----------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(
            "Only the program administrator manages accounts.", rule="role", field="user"
        )


def find_user(
    session: Session, actor: Actor, *, name: str | None = None, user_id: object = None
) -> User:
    """One account by username (the command line) or id (the console); admins only."""
    _require_admin(actor)
    user = None
    if name is not None:
        user = session.exec(select(User).where(User.username == name)).first()
    elif isinstance(user_id, uuid.UUID):
        user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user named {name!r}." if name else "No such user.", field="user")
    return user


def list_users(session: Session, actor: Actor) -> list[UserPublic]:
    """Every account, with its region and the last time it signed in to the console."""
    _require_admin(actor)
    last_sign_in = dict(
        session.exec(
            select(AuditEntry.entity_id, sa.func.max(AuditEntry.at))
            .where(AuditEntry.action == "session.sign_in")
            .group_by(col(AuditEntry.entity_id))
        ).all()
    )
    rows = session.exec(
        select(User, Region.code, Agency.ori)
        .outerjoin(Region, col(Region.id) == User.region_id)
        .outerjoin(Agency, col(Agency.id) == User.agency_id)
        .order_by(col(User.username))
    ).all()
    return [
        copied(
            UserPublic,
            user,
            region=code,
            agency=ori,
            disabled=not user.active,
            has_password=user.password_hash is not None,
            last_sign_in=last_sign_in.get(str(user.id)),
        )
        for user, code, ori in rows
    ]


def set_disabled(session: Session, actor: Actor, user: User, disabled: bool) -> User:
    """Shuts an account off (its tokens and sessions stop working at the commit: every request
    re-reads the account) or lets it back in (its unrevoked tokens work again)."""
    _require_admin(actor)
    if disabled and actor.user_id == user.id:
        raise RuleViolation("You cannot disable your own account.", field="user", rule="not_self")
    if user.active == (not disabled):
        return user
    before = snapshot(user)
    user.active = not disabled
    session.add(user)
    ended = _end_sessions(session, user) if disabled else 0
    record(
        session,
        actor,
        "user.disable" if disabled else "user.enable",
        "user",
        user.id,
        before=before,
        after={**(snapshot(user) or {}), **({"sessions_ended": ended} if disabled else {})},
    )
    session.flush()
    return user


def reset_password(session: Session, actor: Actor, user: User, password: str) -> User:
    """A new console password; the account's open sessions end (whoever knew the old one)."""
    _require_admin(actor)
    _no_console(Role(user.role))
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    session.add(user)
    ended = _end_sessions(session, user)
    # That it changed, never what it is.
    record(session, actor, "user.password_reset", "user", user.id, after={"sessions_ended": ended})
    session.flush()
    return user


def list_tokens(session: Session, actor: Actor, user: User) -> list[ApiToken]:
    _require_admin(actor)
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.created_at))
        )
    )


def revoke_tokens(
    session: Session, actor: Actor, user: User, token_id: uuid.UUID | None = None
) -> int:
    """Revokes one of the user's API tokens (by its id), or all of them when no id is given;
    returns how many were revoked."""
    _require_admin(actor)
    query = select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    if token_id is not None:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            raise NotFound(f"{user.username} has no token {token_id}.", field="token")
        query = query.where(ApiToken.id == token_id)
    now = utcnow()
    revoked = list(session.exec(query))
    for token in revoked:
        token.revoked_at = now
        session.add(token)
    record(
        session,
        actor,
        "token.revoke",
        "user",
        user.id,
        after={"token_ids": [str(t.id) for t in revoked]},
    )
    session.flush()
    return len(revoked)


def end_sessions(session: Session, actor: Actor, user: User) -> int:
    """Signs the user out of every console session; returns how many there were."""
    _require_admin(actor)
    ended = _end_sessions(session, user)
    record(session, actor, "session.end_all", "user", user.id, after={"sessions_ended": ended})
    return ended


def _end_sessions(session: Session, user: User) -> int:
    result = session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))
    return int(result.rowcount or 0)

"""Users, API tokens and passwords: creation and authentication."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from registry.accounts.models import ApiToken, Role, User
from registry.audit.service import record, snapshot
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.people.models import Region

TOKEN_PREFIX = "citr_"  # noqa: S105 - a prefix, not a secret
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the command line."""

    user_id: uuid.UUID | None
    username: str
    role: Role
    region_id: uuid.UUID | None = None
    region_code: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can_act_in(self, region_id: uuid.UUID | None) -> bool:
        return self.is_admin or (region_id is not None and region_id == self.region_id)

    def require_region(self, region_id: uuid.UUID | None, what: str = "record") -> None:
        if not self.can_act_in(region_id):
            raise Forbidden(
                f"This {what} belongs to another region than yours.",
                rule="region_scope",
            )

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"This action needs the role {allowed}.", rule="role")


SYSTEM = Actor(user_id=None, username="cli", role=Role.ADMIN)


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
) -> User:
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
            "role must be admin, coordinator or instructor.", field="role", rule="enum"
        ) from None
    region_id = None
    if role_value is not Role.ADMIN:
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
    if password is not None and len(password) < 12:
        raise InvalidInput(
            "A password has at least 12 characters.", field="password", rule="min_length"
        )
    user = User(
        username=username,
        role=role_value.value,
        region_id=region_id,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor.username,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after=snapshot(user),
    )
    return user


def issue_token(session: Session, actor: Actor, user: User) -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor.username,
        action="token.issue",
        entity="user",
        entity_id=user.id,
        after={"token_id": str(row.id)},
    )
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


def authenticate_password(session: Session, username: str, password: str) -> Actor | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.password_hash or not user.active:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return actor_for(session, user)

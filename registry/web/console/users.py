"""Console pages for accounts (admins only): list, create or invite by email, change a role,
region, agency or email, disable and enable, reset a password, revoke API tokens, end sessions.
Each change is one call to the accounts service."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from litestar import get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel import Session, select

from registry.accounts import links, service
from registry.accounts.guards import admin_only
from registry.actors import Actor, Role
from registry.common import utcnow
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.errors import InvalidInput, NotFound
from registry.http.deps import AnyRequest, CurrentMail, DbSession, PathUUID, ProgramZone
from registry.notices import accounts as mails
from registry.notices.service import mail_setup
from registry.settings import MailSettings
from registry.tables.accounts import User
from registry.tables.people import Agency, Region
from registry.web.console.common import (
    PREFIX,
    actor_of,
    attempt,
    page,
    posted,
    redirect,
    text,
)
from registry.web.console.once import once
from registry.web.throttle import CurrentThrottle

USERS = f"{PREFIX}/users"
# The accounts that belong to no region.
NO_REGION = (Role.ADMIN, Role.MONITOR, *service.AGENCY_ROLES)


@get("/users", guards=[admin_only], sync_to_thread=True)
def users(request: AnyRequest, session: DbSession) -> Template:
    return page(
        request,
        "users.html",
        title="Users",
        users=service.list_users(session, actor_of(request)),
        roles=[r.value for r in Role],
        regions=list(session.exec(select(Region).order_by(Region.code))),
        agencies=list(session.exec(select(Agency).order_by(Agency.name))),
    )


@post("/users", guards=[admin_only])
async def add_user(request: AnyRequest, session: DbSession) -> Redirect | Template:
    data, actor = await posted(request)
    dispatch = text(data, "role") == Role.DISPATCH

    def work() -> Redirect | Template:
        made = service.create_user(
            session,
            actor,
            username=text(data, "username"),
            # Not stripped: spaces are part of a password. A dispatch account has none.
            password=None if dispatch else str(data.get("password", "")),
            **_placed(data),
        )
        if dispatch:
            # A CAD system's account signs in nowhere: its API token, shown this once, is all.
            token = service.issue_token(session, actor, made)
            return page(request, "user_token.html", title=made.username, user=made, token=token)
        return redirect(f"{USERS}/{made.id}", "Account created; it can sign in now.")

    return await attempt(session, once(session, actor, data, work, USERS), back=USERS)


class Placed(TypedDict):
    role: str
    region_code: str | None
    agency_ori: str | None


def _placed(data: FormMultiDict) -> Placed:
    """The role and the region or agency a form gives, each only where the role has one."""
    role = text(data, "role")
    return Placed(
        role=role,
        region_code=text(data, "region") or None if role not in NO_REGION else None,
        agency_ori=text(data, "agency") or None if role in service.AGENCY_ROLES else None,
    )


def _send_link(link: links.Link, issuer: Issuer, mail: MailSettings, zone: ZoneInfo) -> str:
    """Emails an invitation (SMTP, or the outbox in development); a failure refuses the change."""
    program, sender = mail_setup(mail, issuer.name, issuer.public_url, zone)
    address = link.user.email or ""
    message = mails.compose_account_link(
        program,
        username=link.user.username,
        address=address,
        url=mails.link_url(issuer.public_url, link.token),
        invitation=True,
        expires=link.expires_at,
        now=utcnow(),
    )
    try:
        mails.deliver(message, sender, mail)
    finally:
        if sender is not None:
            sender.close()
    return (
        f"Invitation sent to {address}: the link lets {link.user.username} choose a password "
        "once, within 3 days."
    )


@post("/users/invite", guards=[admin_only])
async def invite_user(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    mail: CurrentMail,
    zone: ProgramZone,
) -> Redirect:
    data, actor = await posted(request)

    def work() -> Redirect:
        link = links.invite(
            session,
            actor,
            username=text(data, "username"),
            email=text(data, "email"),
            **_placed(data),
        )
        return redirect(f"{USERS}/{link.user.id}", _send_link(link, issuer, mail, zone))

    return await attempt(session, once(session, actor, data, work, USERS), back=USERS)


@post("/users/{user_id:uuid}/invitation", guards=[admin_only])
async def reinvite_user(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    mail: CurrentMail,
    zone: ProgramZone,
    user_id: PathUUID,
) -> Redirect:
    """A new invitation link for the account (the earlier one stops working)."""
    _, actor = await posted(request)

    def work() -> str:
        user = service.find_user(session, actor, user_id=user_id)
        return _send_link(links.reinvite(session, actor, user), issuer, mail, zone)

    return await attempt(session, work, back=f"{USERS}/{user_id}")


@get("/users/{user_id:uuid}", guards=[admin_only], sync_to_thread=True)
def user_page(request: AnyRequest, session: DbSession, user_id: PathUUID) -> Template:
    actor = actor_of(request)
    user = service.find_user(session, actor, user_id=user_id)
    listed = next(u for u in service.list_users(session, actor) if u.id == user.id)
    return page(
        request,
        "user.html",
        title=user.username,
        user=listed,
        tokens=service.list_tokens(session, actor, user),
        is_me=user.id == actor.user_id,
        roles=[r.value for r in Role],
        regions=list(session.exec(select(Region).order_by(Region.code))),
        agencies=list(session.exec(select(Agency).order_by(Agency.name))),
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _revoke(session: Session, actor: Actor, user: User, data: FormMultiDict) -> int:
    raw = text(data, "token_id")
    token_id = None
    if raw != "all":
        try:
            token_id = uuid.UUID(raw)
        except ValueError:
            raise InvalidInput("Choose a token, or all of them.", field="token_id") from None
    return service.revoke_tokens(session, actor, user, token_id)


Change = Callable[[Session, Actor, User, FormMultiDict], Any]
# The forms on an account's page: what each changes, through the service, and what it says.
ACTIONS: dict[str, tuple[Change, Callable[[Any], str]]] = {
    "disable": (
        lambda s, a, u, _: service.set_disabled(s, a, u, True),
        lambda _: "Account disabled: its API tokens and sessions no longer work.",
    ),
    "placement": (
        lambda s, a, u, data: service.change_placement(
            s, a, u, email=text(data, "email"), **_placed(data)
        ),
        lambda ended: (
            "Nothing changed."
            if ended is None
            else "Saved." + (f" {_plural(ended, 'console session')} ended." if ended else "")
        ),
    ),
    "enable": (
        lambda s, a, u, _: service.set_disabled(s, a, u, False),
        lambda _: "Account enabled.",
    ),
    "password": (
        # Not stripped: spaces are part of a password.
        lambda s, a, u, data: service.reset_password(s, a, u, str(data.get("password", ""))),
        lambda _: "New password set; the account's console sessions were ended.",
    ),
    "revoke-tokens": (_revoke, lambda n: f"{_plural(n, 'API token')} revoked."),
    "end-sessions": (
        lambda s, a, u, _: service.end_sessions(s, a, u),
        lambda n: f"{_plural(n, 'session')} ended.",
    ),
}


LIFTS_LOCKOUTS = frozenset({"password", "enable"})


@post("/users/{user_id:uuid}/{action:str}", guards=[admin_only])
async def change_user(
    request: AnyRequest,
    sign_in_throttle: CurrentThrottle,
    session: DbSession,
    user_id: PathUUID,
    action: FromPath[str],
) -> Redirect:
    """One change to one account from a form on its page, explained on that page."""
    if action not in ACTIONS:
        raise NotFound(f"No action {action!r} on accounts.")
    change, message = ACTIONS[action]
    data, actor = await posted(request)
    back = f"{USERS}/{user_id}"

    found: list[str] = []

    def work() -> Any:
        user = service.find_user(session, actor, user_id=user_id)
        found.append(user.username)
        return change(session, actor, user, data)

    answer = await attempt(session, work, back=back, done=message)
    if action in LIFTS_LOCKOUTS and found:
        # A new password, or an account let back in: its sign-in lockouts end with it.
        throttle = sign_in_throttle
        await throttle.lift(found[0])
    return answer


HANDLERS = [users, add_user, invite_user, reinvite_user, user_page, change_user]

"""The pages anyone reaches without signing in to look after their own password: "forgot your
password?" and the page a single-use link (an invitation or a reset) opens to choose one.

Their forms carry a CSRF token that a SameSite=Strict cookie (path /account) doubles, as the
sign-in form does. The forgotten-password answer is the same words and status whether or not an
account answers to what was typed, with nearly the same work (a token made and hashed and an
audit entry either way; a real account also gets its link's row); the email goes out after the
answer."""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from litestar import get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts import links
from registry.accounts.service import PASSWORD_RULE
from registry.common import utcnow
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.db import unit_of_work
from registry.errors import RegistryError
from registry.http.deps import AnyRequest, CurrentMail, DbEngine, ProgramZone
from registry.notices import accounts as mails
from registry.notices.service import mail_setup, smtp_sender
from registry.settings import MailSettings
from registry.web.console.common import cookie_form, unsigned_page
from registry.web.throttle import CurrentThrottle

log = logging.getLogger("registry")
CSRF_COOKIE = "cit_account_csrf"
SENT = (
    "If an account has that username or email address, a link to choose a new password is on "
    "its way to the email address on file. It works once, within the hour. Nothing arrived? "
    "Check the spam folder, or ask the program administrator."
)


def _page(
    request: AnyRequest,
    issuer: Issuer,
    template: str,
    *,
    status: int = 200,
    background: BackgroundTask | None = None,
    **context: Any,
) -> Template:
    return unsigned_page(
        request,
        issuer,
        template,
        {"rule": PASSWORD_RULE, **context},
        cookie=CSRF_COOKIE,
        path="/account",
        status=status,
        # The link's token is in this page's address: no other site is told it.
        headers={"Referrer-Policy": "no-referrer"},
        background=background,
    )


EXPIRED_FORM = "The form expired; please try again."


@get("/account/forgot", public=True, include_in_schema=False)
async def forgot_form(request: AnyRequest, issuer: CurrentIssuer) -> Template:
    return _page(request, issuer, "forgot.html")


def _send_later(message: Any, mail: MailSettings) -> BackgroundTask:
    async def send() -> None:
        def run() -> None:
            sender = smtp_sender(mail)
            try:
                mails.deliver(message, sender, mail)
            except RegistryError as exc:
                log.warning("password reset email not sent: %s", exc.detail)
            finally:
                if sender is not None:
                    sender.close()

        await anyio.to_thread.run_sync(run)

    return BackgroundTask(send)


@post("/account/forgot", public=True, include_in_schema=False, status_code=200)
async def forgot(
    request: AnyRequest,
    issuer: CurrentIssuer,
    engine: DbEngine,
    mail: CurrentMail,
    sign_in_throttle: CurrentThrottle,
    zone: ProgramZone,
) -> Template:
    data = await cookie_form(request, CSRF_COOKIE)
    if data is None:
        return _page(request, issuer, "forgot.html", status=403, error=EXPIRED_FORM)
    name = str(data.get("name", "")).strip()[:254]
    client = request.client.host if request.client else "?"
    if not await sign_in_throttle.allow(client):
        return _page(
            request,
            issuer,
            "forgot.html",
            status=429,
            error="Too many requests from this address; wait a minute and try again.",
        )
    # Past its hourly count the name gets the same answer, and no email.
    allowed = await sign_in_throttle.reset_allows(name)

    def request_link() -> Any:
        with unit_of_work(engine) as session:
            link = links.request_reset(session, name) if allowed else None
            if link is None or not link.user.email:
                return None
            program, _ = mail_setup(mail, issuer.name, issuer.public_url, zone)
            return mails.compose_account_link(
                program,
                username=link.user.username,
                address=link.user.email,
                url=mails.link_url(issuer.public_url, link.token),
                invitation=False,
                expires=link.expires_at,
                now=utcnow(),
            )

    message = await anyio.to_thread.run_sync(request_link)
    background = _send_later(message, mail) if message is not None else None
    return _page(request, issuer, "forgot.html", sent=SENT, background=background)


def _open(engine: Any, token: str) -> tuple[str | None, RegistryError | None]:
    with unit_of_work(engine, read_only=True) as session:
        try:
            _, user = links.open_link(session, token)
        except RegistryError as exc:
            return None, exc
        return user.username, None


def _choose(
    request: AnyRequest,
    issuer: Issuer,
    token: str,
    username: str | None,
    refused: RegistryError | None = None,
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    """The choose-a-password page: the form, the refusal of the link itself, or done."""
    if refused is not None:
        return _page(
            request, issuer, "set_password.html", status=refused.status, refused=refused.detail
        )
    return _page(
        request,
        issuer,
        "set_password.html",
        status=status,
        username=username,
        token=token,
        **context,
    )


def _set(engine: Any, token: str, password: str) -> RegistryError | None:
    try:
        with unit_of_work(engine) as session:
            links.set_password_from_link(session, token, password)
    except RegistryError as exc:
        return exc
    return None


@get("/account/password/{token:str}", public=True, include_in_schema=False)
async def link_form(
    request: AnyRequest, issuer: CurrentIssuer, engine: DbEngine, token: FromPath[str]
) -> Template:
    username, refused = await anyio.to_thread.run_sync(_open, engine, token)
    return _choose(request, issuer, token, username, refused)


@post("/account/password/{token:str}", public=True, include_in_schema=False, status_code=200)
async def set_password(
    request: AnyRequest,
    issuer: CurrentIssuer,
    engine: DbEngine,
    sign_in_throttle: CurrentThrottle,
    token: FromPath[str],
) -> Template:
    data = await cookie_form(request, CSRF_COOKIE)
    username, refused = await anyio.to_thread.run_sync(_open, engine, token)
    if refused is not None:
        return _choose(request, issuer, token, username, refused)
    if data is None:
        return _choose(request, issuer, token, username, status=403, error=EXPIRED_FORM)
    # Not stripped: spaces are part of a password.
    password = str(data.get("password", ""))
    if password != str(data.get("repeat", "")):
        return _choose(
            request,
            issuer,
            token,
            username,
            status=400,
            error="The two passwords are not the same; type them again.",
        )
    problem = await anyio.to_thread.run_sync(_set, engine, token, password)
    if problem is not None:
        return _choose(
            request, issuer, token, username, status=problem.status, error=problem.detail
        )
    if username:
        await sign_in_throttle.lift(username)
    return _choose(request, issuer, token, username, done=True)


HANDLERS = [forgot_form, forgot, link_form, set_password]

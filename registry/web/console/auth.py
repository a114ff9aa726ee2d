"""Sign-in and sign-out pages."""

from __future__ import annotations

from datetime import datetime

import anyio.to_thread
from litestar import Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from registry import dates
from registry.accounts import sessions
from registry.actors import Role
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer
from registry.db import unit_of_work
from registry.http.deps import AnyRequest, DbEngine, ProgramZone
from registry.web.console.common import (
    PREFIX,
    cookie_form,
    form_data,
    liaison_home,
    secure_cookies,
    unsigned_page,
)
from registry.web.throttle import CurrentThrottle

LOGIN_CSRF = "cit_login_csrf"
LOCKED_OUT = (
    "Too many failed sign-ins for this account from here: try again in {minutes} minutes, "
    "or ask the program administrator to set a new password."
)


def _safe_next(target: str | None) -> str:
    # Only our own console pages: an open redirect would help phishing.
    if target and target.startswith(PREFIX) and "//" not in target and "\\" not in target:
        return target
    return PREFIX


def _login_page(
    request: AnyRequest,
    issuer: Issuer,
    *,
    error: str | None = None,
    status: int = 200,
    username: str = "",
) -> Template:
    return unsigned_page(
        request,
        issuer,
        "login.html",
        {
            "error": error,
            "next": _safe_next(request.query_params.get("next")),
            "username": username,
        },
        cookie=LOGIN_CSRF,
        path="/login",
        status=status,
    )


@get("/login", public=True, include_in_schema=False)
async def login_form(request: AnyRequest, issuer: CurrentIssuer) -> Template:
    return _login_page(request, issuer)


@post("/login", public=True, include_in_schema=False, status_code=303)
async def login(
    request: AnyRequest,
    issuer: CurrentIssuer,
    engine: DbEngine,
    sign_in_throttle: CurrentThrottle,
) -> Template | Redirect:
    data = await cookie_form(request, LOGIN_CSRF)
    if data is None:
        return _login_page(
            request, issuer, error="The sign-in form expired; please try again.", status=403
        )
    username = str(data.get("username", "")).strip()[:64]
    password = str(data.get("password", ""))[:1024]
    throttle = sign_in_throttle
    # The peer, or the client a trusted proxy names (uvicorn's forwarded_allow_ips).
    client = request.client.host if request.client else "?"
    if not await throttle.allow(client):
        return _login_page(
            request,
            issuer,
            status=429,
            username=username,
            error="Too many sign-in attempts from this address; wait a minute and try again.",
        )
    if not await throttle.account_allows(username, client):
        # Said the same way for a name no account has: the lockout tells nobody who exists.
        return _login_page(
            request,
            issuer,
            status=429,
            username=username,
            error=LOCKED_OUT.format(minutes=throttle.lockout.seconds // 60),
        )

    def attempt() -> tuple[str, sessions.SignedIn] | None:
        with unit_of_work(engine) as session:
            return sessions.sign_in(session, username, password)

    result = await anyio.to_thread.run_sync(attempt)
    if result is None:
        return _login_page(
            request, issuer, error="Wrong username or password.", status=401, username=username
        )
    token, who = result
    await throttle.signed_in(username, client)
    target = _safe_next(str(data.get("next", "")))
    if who.actor.role is Role.LIAISON and target == PREFIX:
        target = liaison_home(who.actor)  # the dashboard is the office's; theirs is coverage
    response = Redirect(path=target, status_code=303)
    response.set_cookie(
        Cookie(
            key=sessions.COOKIE,
            value=token,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request, issuer),
            max_age=int(sessions.LIFETIME.total_seconds()),
        )
    )
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


@post("/console/session", include_in_schema=False, status_code=200)
async def keep_signed_in(
    request: AnyRequest, engine: DbEngine, zone: ProgramZone
) -> Response[dict[str, str]]:
    """The keep-alive the console's warning calls ("Stay signed in"): the session runs another
    full lifetime from now. A form like any other: its CSRF token is checked."""
    await form_data(request)
    token = request.cookies.get(sessions.COOKIE, "")

    def extend() -> datetime | None:
        with unit_of_work(engine) as session:
            return sessions.extend(session, token)

    ends = await anyio.to_thread.run_sync(extend)
    if ends is None:
        return Response({"ended": "sign in again"}, status_code=401)
    return Response(
        {"expires_at": ends.isoformat(), "ends": dates.clock(ends, zone)},
        headers={"Cache-Control": "no-store"},
    )


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: AnyRequest, engine: DbEngine) -> Redirect:
    # Like every other form: a post without the session's CSRF token is refused (403), and the
    # session lives on.
    await form_data(request)
    token = request.cookies.get(sessions.COOKIE, "")

    def end() -> None:
        with unit_of_work(engine) as session:
            sessions.sign_out(session, token)

    await anyio.to_thread.run_sync(end)
    response = Redirect(path="/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response

"""Console plumbing: rendering with the signed-in user, forms checked for CSRF, flash messages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar, overload
from urllib.parse import quote, unquote

import anyio.to_thread
from litestar import Request
from litestar.datastructures import Cookie, FormMultiDict
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Response, Template
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError
from sqlmodel import Session

from registry.accounts.sessions import SignedIn, csrf_matches
from registry.actors import Actor, Role
from registry.errors import InvalidInput, RegistryError
from registry.http.gate import same_origin
from registry.http.problems import UNSTORABLE

PREFIX = "/console"
T = TypeVar("T")
R = TypeVar("R", bound=Response[Any])
ModelT = TypeVar("ModelT", bound=BaseModel)
FLASH = "cit_flash"

# (label, path, roles that see it: None for everyone signed in)
NAV: list[tuple[str, str, frozenset[str] | None]] = [
    ("Dashboard", f"{PREFIX}", None),
    ("Officers", f"{PREFIX}/officers", None),
    ("Agencies", f"{PREFIX}/agencies", None),
    ("Classes", f"{PREFIX}/classes", None),
    ("Expiring", f"{PREFIX}/expiring", None),
    ("Coverage", f"{PREFIX}/coverage", None),
    ("Audit trail", f"{PREFIX}/audit", None),
    ("Import", f"{PREFIX}/import", None),
    ("Courses", f"{PREFIX}/courses", None),
    ("Regions", f"{PREFIX}/regions", frozenset({"admin"})),
    ("Users", f"{PREFIX}/users", frozenset({"admin"})),
    ("Program contact", f"{PREFIX}/program", frozenset({"admin"})),
]


def nav_for(actor: Actor) -> list[tuple[str, str]]:
    """The console's menu for the actor; a liaison's is its agency's coverage page alone."""
    if actor.role is Role.LIAISON:
        return [("Coverage", liaison_home(actor))]
    return [(label, href) for label, href, roles in NAV if not roles or actor.role in roles]


def liaison_home(actor: Actor) -> str:
    return f"{PREFIX}/agencies/{actor.agency_id}/coverage"


def secure_cookies(request: Request[Any, Any, Any], issuer: Any) -> bool:
    """Whether cookies go out Secure: the public URL or this request is https."""
    return str(issuer.public_url).startswith("https://") or request.url.scheme == "https"


def unsigned_page(
    request: Request[Any, Any, Any],
    issuer: Any,
    template: str,
    context: dict[str, Any],
    *,
    cookie: str,
    path: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    background: Any = None,
) -> Template:
    """A page with a form for someone not signed in (sign-in, passwords): its CSRF token is
    doubled in a SameSite=Strict cookie on `path`, checked by `cookie_form`."""
    token = secrets.token_urlsafe(24)
    response = Template(
        template_name=f"console/{template}",
        context={"csrf_token": token, **context},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
        background=background,
    )
    response.set_cookie(
        Cookie(
            key=cookie,
            value=token,
            path=path,
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request, issuer),
        )
    )
    return response


async def cookie_form(request: Request[Any, Any, Any], cookie: str) -> FormMultiDict | None:
    """The posted form of an `unsigned_page`, or None when its CSRF token is not the cookie's
    (or it came from another site)."""
    data = await request.form()
    expected = request.cookies.get(cookie, "")
    if not same_origin(request) or not csrf_matches(expected, data.get("csrf_token")):
        return None
    return data


def signed_in(request: Request[Any, Any, Any]) -> SignedIn:
    auth = request.scope.get("auth")
    if not isinstance(auth, SignedIn):
        raise NotAuthorizedException("Sign in to use the console.")
    return auth


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    return signed_in(request).actor


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status: int = 200,
    title: str = "",
    **context: Any,
) -> Template:
    who = signed_in(request)
    flash = unquote(request.cookies.get(FLASH, ""))
    head, _, message = flash.partition(":")
    # "ok@attendance:..." is shown in the page's section "attendance", where the person is.
    kind, _, at = head.partition("@")
    response = Template(
        template_name=f"console/{template}",
        context={
            "actor": who.actor,
            "csrf_token": who.csrf_token,
            "session_ends": who.expires_at,
            # A creating form sends it back once: see web/console/once.py.
            "form_token": secrets.token_urlsafe(18),
            "nav": nav_for(who.actor),
            "here": request.url.path,
            "title": title,
            "flash": {"kind": kind, "message": message, "at": at} if message else None,
            **context,
        },
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
    if flash:
        response.delete_cookie(FLASH, path="/")
    return response


async def form_data(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The posted form, after checking its CSRF token against the session's."""
    who = signed_in(request)
    data = await request.form()
    if not same_origin(request) or not csrf_matches(who.csrf_token, data.get("csrf_token")):
        raise PermissionDeniedException(
            "The form has expired or did not come from this site; reload the page and try again."
        )
    return data


async def posted(request: Request[Any, Any, Any]) -> tuple[FormMultiDict, Actor]:
    """The posted form (its CSRF token checked) and who posted it."""
    return await form_data(request), actor_of(request)


def redirect(path: str, message: str | None = None, *, error: bool = False) -> Redirect:
    """Back to a page; a message goes with it, shown in the section the path's #anchor names
    when the page places its messages there (the class page does), else at the top."""
    response = Redirect(path=path, status_code=303)
    if message:
        at = path.partition("#")[2]
        kind = ("error" if error else "ok") + (f"@{at}" if at else "")
        value = quote(f"{kind}:{message[:300]}")
        response.set_cookie(
            Cookie(key=FLASH, value=value, path="/", httponly=True, samesite="lax", max_age=60)
        )
    return response


def text(data: FormMultiDict, name: str, default: str = "") -> str:
    value = data.get(name, default)
    return value.strip() if isinstance(value, str) else default


def whole_number(raw: str | None, *, digits: int = 9) -> int | None:
    """A query or form value as a non-negative int, or None. str.isdigit alone also accepts
    "²" and other digits int() refuses, and thousands of digits that int() will not convert."""
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= digits:
        return int(raw)
    return None


def build(model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """A request model from form values; a failure names the field in words."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "form"
        raise InvalidInput(
            f"{where.replace('_', ' ')}: {first.get('msg', 'invalid')}", field=where
        ) from None


@overload
async def attempt(
    session: Session, work: Callable[[], R | str], *, back: str, done: None = None
) -> R | Redirect: ...


@overload
async def attempt(
    session: Session, work: Callable[[], T], *, back: str, done: Callable[[T], R | str]
) -> R | Redirect: ...


async def attempt(
    session: Session,
    work: Callable[[], Any],
    *,
    back: str,
    done: Callable[[Any], Any] | None = None,
) -> Any:
    """Runs a change in a worker thread; a refused change is rolled back and explained on
    `back`. `done` makes the answer from what `work` returned; a message (a `str`, from `done`
    or from `work` itself) is shown on `back`, anything else (a redirect, a page) is the answer."""
    try:
        result = await anyio.to_thread.run_sync(work)
    except RegistryError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return redirect(back, exc.detail, error=True)
    except DataError:
        # PostgreSQL refuses some text outright (a NUL character): the form is at fault.
        await anyio.to_thread.run_sync(session.rollback)
        return redirect(back, UNSTORABLE, error=True)
    answer = result if done is None else done(result)
    return redirect(back, answer) if isinstance(answer, str) else answer

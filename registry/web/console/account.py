"""Your own account, for everyone who signs in to the console (a liaison too): the password,
changed with the current one; every other session of yours ends."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.response import Redirect, Template

from registry.accounts import links
from registry.accounts.service import PASSWORD_RULE
from registry.accounts.sessions import COOKIE, key_of
from registry.errors import InvalidInput
from registry.http.deps import AnyRequest, DbSession
from registry.web.console.common import PREFIX, attempt, page, posted

ACCOUNT = f"{PREFIX}/account"


@get("/account")
async def account_page(request: AnyRequest) -> Template:
    return page(request, "account.html", title="Your account", rule=PASSWORD_RULE)


@post("/account/password")
async def change_password(request: AnyRequest, session: DbSession) -> Redirect:
    data, actor = await posted(request)
    # Not stripped: spaces are part of a password.
    current = str(data.get("current_password", ""))
    new = str(data.get("new_password", ""))
    repeat = str(data.get("repeat", ""))
    keep = key_of(request.cookies.get(COOKIE, ""))

    def work() -> str:
        if new != repeat:
            raise InvalidInput(
                "The two new passwords are not the same; type them again.",
                field="repeat",
                rule="same",
            )
        ended = links.change_own_password(session, actor, current, new, keep_session=keep)
        others = f"{ended} other session{'' if ended == 1 else 's'}"
        return f"Password changed. {others} of yours signed out; this one stays."

    return await attempt(session, work, back=ACCOUNT)


# Beside the console's router, whose guard admits staff only: a liaison has a password too.
ACCOUNT_PAGES = Router(
    path=PREFIX,
    route_handlers=[account_page, change_password],
    include_in_schema=False,
)

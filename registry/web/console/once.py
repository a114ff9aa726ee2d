"""Creating forms that create once: the same form sent again (Back, then submit, or a double
click) lands on what the first sending made and creates nothing.

Two keys name a sending, each stored (hashed) with the page of what it made: the form's
one-time token (`form_token`, a new one on every page drawn), and the form's content from this
account to this page. The content is what a browser keeps on Back: it draws the page anew
(the console is never cached) with a new token, yet puts back what was typed, so the token alone
would not see it. A content key holds for `SAME_CONTENT`; the token for good."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from litestar.datastructures import FormMultiDict
from litestar.response import Redirect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from registry.actors import Actor
from registry.common import utcnow
from registry.errors import Conflict
from registry.tables.accounts import FormSubmission
from registry.web.console.common import redirect

T = TypeVar("T")
ALREADY_SAVED = "This form was already sent and saved: here is what it made."
SAME_CONTENT = timedelta(hours=1)
NOT_CONTENT = ("csrf_token", "form_token", "password")


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _keys(data: FormMultiDict, user_id: str, action: str) -> list[str]:
    content = sorted(
        (name, str(value).strip()) for name, value in data.multi_items() if name not in NOT_CONTENT
    )
    keys = [_hash("content", user_id, action, repr(content))]
    token = str(data.get("form_token") or "").strip()[:64]
    if token:
        keys.insert(0, _hash("token", token))
    return keys


def once(
    session: Session,
    actor: Actor,
    data: FormMultiDict,
    work: Callable[[], T],
    back: str,
) -> Callable[[], T | Redirect]:
    """`work`, done once per sending of the form (posted to `back`, the page it is on). The
    keys are stored first, so a second sending at the same moment waits for the first and is
    refused by the key; a refused change rolls its keys back with it."""
    user_id = actor.user_id
    if user_id is None:
        return work
    keys = _keys(data, str(user_id), back)

    def run() -> T | Redirect:
        fresh_after = utcnow() - SAME_CONTENT
        for key in keys:
            seen = session.get(FormSubmission, key)
            if seen is None:
                continue
            if seen.user_id != user_id:  # another account's token: never their page
                raise Conflict(ALREADY_SAVED, field="form_token", rule="once")
            if key == keys[-1] and seen.created_at < fresh_after:
                session.exec(delete(FormSubmission).where(col(FormSubmission.id) == key))
                continue
            return redirect(seen.landed_on or back, ALREADY_SAVED)
        rows = [FormSubmission(id=key, user_id=user_id) for key in keys]
        session.add_all(rows)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(ALREADY_SAVED, field="form_token", rule="once") from None
        answer = work()
        for row in rows:
            row.landed_on = (answer.url if isinstance(answer, Redirect) else back)[:300]
            session.add(row)
        return answer

    return run

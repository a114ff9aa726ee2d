"""The in-memory status lists and stored credentials: re-read once a second, by one request.

Past FRESH_SECONDS the first request to find a copy stale goes to read it again; the others keep
answering from the copy for GRACE_SECONDS more instead of all reading the same rows at once. A
change made in this process is never answered from a stale copy. The caches' clock is moved by
the test; the database and the app are real.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from litestar import Litestar

from registry.credentials import status
from registry.credentials.status import FRESH_SECONDS, GRACE_SECONDS
from registry.db import unit_of_work
from tests.conftest import Region


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(status, "clock", fake)
    return fake


def list_number(token: str) -> int:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    entry = claims["credentialStatus"]
    url: str = (entry[0] if isinstance(entry, list) else entry)["statusListCredential"]
    return int(url.rsplit("/", 1)[1])


def test_one_request_re_reads_a_stale_list_and_the_others_answer_from_memory(
    app: Litestar, region: Region, course: dict[str, Any], clock: Clock
) -> None:
    n = list_number(region.certified(course)["token"])
    publisher = app.state.verifier.status.inner.publisher
    with unit_of_work(app.state.engine, read_only=True) as session:
        copy = publisher.get(session, "revocation", n)
    assert publisher.cached("revocation", n) == copy  # current

    clock.now += FRESH_SECONDS + 0.1
    assert publisher.cached("revocation", n) is None  # this request goes to read it
    assert publisher.cached("revocation", n) == copy  # the others answer from memory
    clock.now += GRACE_SECONDS
    assert publisher.cached("revocation", n) is None  # the grace is over: read it
    with unit_of_work(app.state.engine, read_only=True) as session:
        publisher.get(session, "revocation", n)
    assert publisher.cached("revocation", n) == copy

    # A change made here: never answered from the copy, however recent.
    publisher.invalidate({n})
    assert publisher.cached("revocation", n) is None
    assert publisher.cached("revocation", n) is None


def test_one_request_re_checks_stored_credentials_and_the_others_answer_from_memory(
    app: Litestar, region: Region, course: dict[str, Any], clock: Clock
) -> None:
    issued = region.certified(course)
    stored = app.state.verifier.stored
    wanted = issued["credential_id"]
    assert stored.load(wanted).token == issued["token"]
    assert stored.cached(wanted) is not None

    clock.now += FRESH_SECONDS + 0.1
    assert stored.cached(wanted) is None  # this request re-checks the officers' version
    assert stored.cached(wanted) is not None  # the others answer from memory
    clock.now += GRACE_SECONDS
    assert stored.cached(wanted) is None
    stored.load(wanted)
    assert stored.cached(wanted) is not None

    # The holder's record changed here: gone from memory at once.
    stored.forget_officers({uuid.UUID(issued["officer"]["id"])})
    assert stored.cached(wanted) is None

"""Every page that verifies a stored credential holds one pooled database connection, never two.

A request thread that holds a connection and waits for a second one deadlocks the pool as soon as
as many requests as it has connections do the same: under load on PostgreSQL the public page
stopped answering altogether, every worker thread stuck in the pool's checkout. A worker reads a
status list it does not hold yet, so the test makes it forget them before each page.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event

from tests.conftest import Region
from tests.console.conftest import make_password_user, sign_in
from tests.verification.test_verify_api import issue


class Holdings:
    """How many pooled connections each thread holds at once, at most. A connection counts for
    the thread that checked it out until it is back in the pool, whichever thread returns it."""

    def __init__(self, loop_thread: int) -> None:
        self.loop_thread = loop_thread
        self.owner: dict[int, int] = {}
        self.held: Counter[int] = Counter()
        self.most: Counter[int] = Counter()
        self.on_loop = 0  # checkouts made on the app's event loop thread
        self.lock = threading.Lock()

    def checkout(self, _dbapi: Any, record: Any, _proxy: Any) -> None:
        with self.lock:
            me = threading.get_ident()
            self.owner[id(record)] = me
            self.held[me] += 1
            self.most[me] = max(self.most[me], self.held[me])
            self.on_loop += me == self.loop_thread

    def checkin(self, _dbapi: Any, record: Any) -> None:
        with self.lock:
            owner = self.owner.pop(id(record), None)
            if owner is not None:
                self.held[owner] -= 1

    def worst(self) -> int:
        with self.lock:
            return max(self.most.values(), default=0)


@pytest.fixture
def holdings(app: Litestar, client: TestClient[Litestar]) -> Iterator[Holdings]:
    pool = app.state.resources.engine.pool
    # The thread the test client runs the app's event loop in (not a loop some other library
    # may have left running in the test's own thread).
    watch = Holdings(loop_thread=client.blocking_portal.call(threading.get_ident))
    event.listen(pool, "checkout", watch.checkout)
    event.listen(pool, "checkin", watch.checkin)
    yield watch
    event.remove(pool, "checkout", watch.checkout)
    event.remove(pool, "checkin", watch.checkin)


def stale_status_lists(app: Litestar) -> None:
    """What a worker that just started holds: no status list and no stored credential, so the
    next verification reads them."""
    app.state.resources.live._bits = {}
    app.state.resources.live._signed = {}
    app.state.resources.verifier.stored._items = {}


def test_each_page_that_verifies_holds_one_connection(
    app: Litestar,
    client: TestClient[Litestar],
    engine: sa.Engine,
    region: Region,
    course: dict[str, Any],
    holdings: Holdings,
) -> None:
    item = issue(region, course)
    officer = item["officer"]
    credential = item["credential_id"]
    pages = {
        "public page": ("/c/" + credential, {"Accept": "text/html"}),
        "public JSON": ("/c/" + credential, {"Accept": "application/json"}),
        "certificate": (f"/c/{credential}/certificate.pdf", {}),
        "wallet": (urlsplit(item["wallet_url"]).path, {"Accept": "text/html"}),
        "console": (f"/console/credentials/{credential}", {"Accept": "text/html"}),
    }
    client.cookies.clear()  # the console page needs a signed-in session; the rest are public
    try:
        assert sign_in(client, make_password_user(engine, "admin")).status_code == 303
        for name, (path, headers) in pages.items():
            stale_status_lists(app)
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (name, answer.text[:300])
            assert "valid" in answer.text or name == "certificate", name
            assert holdings.worst() == 1, f"{name}: a thread held {holdings.worst()} connections"
        stale_status_lists(app)
        lookup = client.post(
            "/lookup",
            data={"post_id": officer["post_id"], "last_name": officer["last_name"]},
            headers={"Accept": "application/json"},
        )
        assert lookup.status_code == 200 and lookup.json()["found"], lookup.text[:300]
        assert holdings.worst() == 1, f"lookup: a thread held {holdings.worst()} connections"
    finally:
        client.cookies.clear()
    assert holdings.on_loop == 0


def test_verifying_on_the_event_loop_never_waits_for_the_database(
    app: Litestar,
    client: TestClient[Litestar],
    region: Region,
    course: dict[str, Any],
    holdings: Holdings,
) -> None:
    item = issue(region, course)
    json = {"Accept": "application/json"}
    # Once with the stored credential in memory, once without; the status lists stale each time.
    for _ in range(2):
        stale_status_lists(app)
        answer = client.post("/api/v1/verify", json={"token": item["token"]})
        assert answer.json()["verdict"] == "valid", answer.text
        stale_status_lists(app)
        answer = client.get(f"/c/{item['credential_id']}", headers=json)
        assert answer.json()["verdict"] == "valid", answer.text
    assert holdings.worst() >= 1  # the lists were read, and counted
    assert holdings.on_loop == 0

"""Console fixtures: users with passwords, and a signed-in test client per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.accounts.service import create_user
from registry.actors import SYSTEM
from registry.db import unit_of_work
from tests.conftest import unique

PASSWORD = "correct horse battery staple"
# The one script a console page loads (static/console.js): never an inline one.
CONSOLE_SCRIPT = '<script src="/static/console.js" defer></script>'


def make_password_user(engine: sa.Engine, role: str, region: str | None = None) -> str:
    name = unique(role)
    with unit_of_work(engine) as session:
        create_user(
            session, SYSTEM, username=name, role=role, region_code=region, password=PASSWORD
        )
    return name


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient[Any], username: str, password: str = PASSWORD) -> Any:
    form = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": "/console",
        },
        follow_redirects=False,
    )


@pytest.fixture
def console_client(client: TestClient[Litestar]) -> Iterator[TestClient[Litestar]]:
    """The shared client with an empty cookie jar (a second TestClient on the same app would
    run its lifespan twice)."""
    client.cookies.clear()
    yield client
    client.cookies.clear()

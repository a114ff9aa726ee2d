"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when configured), the
app over it, API tokens per role, and builders that make uniquely named records."""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.accounts.service import create_user, issue_token
from registry.actors import SYSTEM
from registry.app import create_app
from registry.db import make_engine, unit_of_work
from registry.migrate import upgrade_database
from registry.settings import Settings, load_settings
from registry.tables.credentials import Credential
from registry.vc.keystore import KeyStore

PUBLIC_URL = "https://registry.test"
DID = "did:web:registry.test"  # the issuer DID of PUBLIC_URL
PROBLEM = "application/problem+json"
_counter = itertools.count(1)


def program_zone() -> ZoneInfo:
    """The program's time zone (REGISTRY_TIME_ZONE, America/Denver by default): the pages,
    PDFs and the coverage read moments and dates in it."""
    return ZoneInfo(load_settings().time_zone)


def set_moments(engine: sa.Engine, credential_id: str, **moments: datetime) -> None:
    """Moves a stored credential's moments (valid_from, valid_until, ...): its rules, messages
    and counts read the record's, not the token's."""
    with unit_of_work(engine) as session:
        row = session.get(Credential, credential_id)
        assert row is not None
        for name, value in moments.items():
            setattr(row, name, value.astimezone(UTC))


def program_today() -> date:
    """Today as the program counts it: from 00:00 to 07:00 UTC it is still yesterday in Denver."""
    return datetime.now(program_zone()).date()


# The Redis database the tests that share a limit through Redis use; .ci/run gives its two
# passes, which run side by side, one each.
TEST_REDIS = os.environ.get("REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379/0")


def unique(prefix: str = "") -> str:
    return f"{prefix}{next(_counter):04d}{secrets.token_hex(2).upper()}"


@contextmanager
def fresh_database(tmp: Path) -> Iterator[str]:
    """A new, migrated database: SQLite under tmp, or PostgreSQL with REGISTRY_TEST_POSTGRES."""
    base = os.environ.get("REGISTRY_TEST_POSTGRES")
    if not base:
        url = f"sqlite:///{tmp / 'registry.db'}"
        upgrade_database(url)
        yield url
        return
    name = f"cit_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's shared database."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, for tests that change global state (list sizes, keys)."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys")
    KeyStore(path).generate("EdDSA")
    return path


@pytest.fixture(scope="session")
def settings(database_url: str, keys_dir: Path) -> Settings:
    return replace(
        load_settings(),
        database_url=database_url,
        public_url=PUBLIC_URL,
        keys_dir=keys_dir,
        keys_passphrase=None,
        rate_limit=0,
        # Every test signs in from the same test-client address; the throttle has its own test.
        sign_in_rate_limit=0,
        production=False,
        issuer_name="CIT Utah",
        access_log=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url=PUBLIC_URL) as c:
        yield c


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    e = make_engine(database_url)
    yield e
    e.dispose()


@dataclass
class Api:
    """A client acting with one API token."""

    client: TestClient[Litestar]
    token: str | None

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(
            path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(
            path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )


def make_user(engine: sa.Engine, role: str, region: str | None = None) -> str:
    with unit_of_work(engine) as session:
        user = create_user(session, SYSTEM, username=unique(role), role=role, region_code=region)
        return issue_token(session, SYSTEM, user)


@pytest.fixture(scope="session")
def admin(client: TestClient[Litestar], engine: sa.Engine) -> Api:
    return Api(client, make_user(engine, "admin"))


@pytest.fixture(scope="session")
def anonymous(client: TestClient[Litestar]) -> Api:
    return Api(client, None)


@dataclass
class Region:
    """A region with its own coordinator, instructor and agency, for one test."""

    code: str
    id: str
    agency_id: str
    coordinator: Api
    instructor: Api
    admin: Api

    def officer(self, *, months_on_patrol: int = 24, **fields: Any) -> dict[str, Any]:
        body = {
            "post_id": unique("P"),
            "first_name": "Jane",
            "last_name": unique("Doe"),
            "agency_id": self.agency_id,
            "patrol_start_date": (date.today() - timedelta(days=31 * months_on_patrol)).isoformat(),
            **fields,
        }
        r = self.coordinator.post("/api/v1/officers", body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def klass(self, **fields: Any) -> dict[str, Any]:
        start = date.today() + timedelta(days=7)
        body = {
            "course": "CIT-40",
            "region": self.code,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
            "location": "Academy, Room 2",
            "capacity": 25,
            **fields,
        }
        r = self.coordinator.post("/api/v1/classes", body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def certified(self, course: dict[str, Any], **officer_fields: Any) -> dict[str, Any]:
        """A class, an officer who graduated from it, and what certify issued them: the issued
        item (credential_id, token, wallet_url, ...) with "officer" and "class" added."""
        klass = self.klass()
        officer = self.officer(**officer_fields)
        graduate(self, course, klass["id"], officer["id"])
        r = self.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
        assert r.status_code == 200, r.text
        return {**r.json()["issued"][0], "officer": officer, "class": klass}


@pytest.fixture(scope="session")
def region_factory(admin: Api, client: TestClient[Litestar], engine: sa.Engine) -> Any:
    def build() -> Region:
        code = unique("R")
        r = admin.post("/api/v1/regions", {"code": code, "name": f"Region {code}"})
        assert r.status_code == 201, r.text
        coordinator = Api(client, make_user(engine, "coordinator", code))
        agency = coordinator.post(
            "/api/v1/agencies",
            {"name": f"Police {code}", "ori": "UT" + uuid.uuid4().hex[:7].upper(), "region": code},
        )
        assert agency.status_code == 201, agency.text
        return Region(
            code=code,
            id=r.json()["id"],
            agency_id=agency.json()["id"],
            coordinator=coordinator,
            instructor=Api(client, make_user(engine, "instructor", code)),
            admin=admin,
        )

    return build


@pytest.fixture
def region(region_factory: Any) -> Region:
    return region_factory()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def course(admin: Api) -> dict[str, Any]:
    r = admin.get("/api/v1/courses")
    assert r.status_code == 200, r.text
    return next(c for c in r.json() if c["code"] == "CIT-40")


def full_attendance(course: dict[str, Any], officer_id: str) -> list[dict[str, Any]]:
    return [
        {"officer_id": officer_id, "module": m["code"], "hours": m["hours"]}
        for m in course["modules"]
    ]


def graduate(region: Region, course: dict[str, Any], klass_id: str, officer_id: str) -> None:
    """Enrols an officer and records full attendance and two passes."""
    r = region.coordinator.post(
        f"/api/v1/classes/{klass_id}/enrollments", {"officer_id": officer_id}
    )
    assert r.status_code == 201, r.text
    r = region.instructor.post(
        f"/api/v1/classes/{klass_id}/attendance", {"records": full_attendance(course, officer_id)}
    )
    assert r.status_code == 200, r.text
    r = region.instructor.post(
        f"/api/v1/classes/{klass_id}/results",
        {
            "records": [
                {"officer_id": officer_id, "written_exam": "pass", "scenario_evaluation": "pass"}
            ]
        },
    )
    assert r.status_code == 200, r.text


def assert_problem(
    r: Any,
    status: int | tuple[int, ...],
    *,
    field: str | None = None,
    rule: str | None = None,
) -> Any:
    """An RFC 9457 answer with the expected status, naming `field` and `rule` when given."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    body = r.json()
    for key in ("type", "title", "detail"):
        assert isinstance(body.get(key), str) and body[key], body
    assert body.get("status") == r.status_code, body
    if field is not None:
        assert body.get("field") == field, body
    if rule is not None:
        assert body.get("rule") == rule, body
    return body


def assert_same_problem(r: Any, like: Any) -> None:
    """`r` answers exactly as `like` does (an unknown id's answer, say): the same status and
    problem body apart from the `instance` path, so nothing in it tells the two apart."""
    assert r.status_code == like.status_code, r.text
    assert r.headers["content-type"] == like.headers["content-type"]
    mine, theirs = dict(r.json()), dict(like.json())
    mine.pop("instance", None)
    theirs.pop("instance", None)
    assert mine == theirs


class KeptLog(logging.Handler):
    """Keeps each record's final message (after the logger's filters)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def registry_log() -> Iterator[KeptLog]:
    """What the registry's logger writes, as any handler would receive it. (caplog's handler,
    on the root logger, saw none of it once the app had set up its own logging.)"""
    kept = KeptLog()
    logger = logging.getLogger("registry")
    logger.addHandler(kept)
    try:
        yield kept
    finally:
        logger.removeHandler(kept)


# -- the fast loop (scripts/test --fast): every test that starts no server process, browser, Node
# or other subprocess. A test is slow when it asks for a fixture that starts one, or when its own
# code (or its module's helpers) starts one.
SLOW_FIXTURES = frozenset(
    {"live_server", "local_env", "server", "browser", "desktop", "phone", "node", "wallets",
     "cluster"}
)  # fmt: skip
SLOW_CALLS = (
    "run_registry(", "subprocess.", "serve(", "kill_while_certifying(", "cluster(", "own_postgres("
)  # fmt: skip


@functools.cache
def _source(function: Any) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def _starts_a_process(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if SLOW_FIXTURES & names:
        return True
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for name in names:  # the fixtures it uses may start one (a CLI runner, say)
        for definition in info.name2fixturedefs.get(name, ()) if info else ():
            functions.append(getattr(definition, "func", None))
    return any(call in _source(f) for f in functions if f is not None for call in SLOW_CALLS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts a server, browser, Node or a subprocess")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _starts_a_process(item):
            item.add_marker(pytest.mark.slow)

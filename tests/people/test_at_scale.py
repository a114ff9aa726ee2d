"""A state's size (issue 24): the pages a coordinator uses most read a constant number of SQL
statements whatever the number of officers, and an agency's officers come a page at a time.

Two states are seeded (registry/seed, the generator behind scripts/seed-state) at sizes ten
times apart; every page is read over HTTP in both and its statements counted. Times are never
asserted: scripts/bench --state measures them."""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col

from registry.accounts.service import create_user, issue_token
from registry.actors import SYSTEM
from registry.app import create_app
from registry.audit.chain import verify_chain
from registry.common import utcnow
from registry.credentials.service import Issuer
from registry.db import make_engine, unit_of_work
from registry.seed.state import Size, seed_state
from registry.settings import Settings
from registry.tables.credentials import Credential
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import Course
from registry.vc.keystore import KeyStore
from tests.conftest import PUBLIC_URL, fresh_database
from tests.console.conftest import PASSWORD, sign_in
from tests.imports import parse_csv

SMALL, LARGE = 40, 400


@dataclass
class State:
    client: TestClient[Litestar]
    token: str
    engine: sa.Engine
    agency: str  # the agency with the most officers
    coordinator_token: str  # region R02's coordinator ("far")

    def api(self, path: str, token: str | None = None) -> Any:
        bearer = token or self.token
        return self.client.get(path, headers={"Authorization": f"Bearer {bearer}"})


@contextmanager
def seeded_state(officers: int, tmp: Path, settings: Settings, keys_dir: Path) -> Iterator[State]:
    with fresh_database(tmp) as url:
        engine = make_engine(url)
        issuer = Issuer(PUBLIC_URL, "CIT Utah", KeyStore(keys_dir))
        seed_state(engine, issuer, Size(regions=3, agencies=6, officers=officers))
        with unit_of_work(engine) as session:
            admin = create_user(session, SYSTEM, username="boss", role="admin", password=PASSWORD)
            token = issue_token(session, SYSTEM, admin)
            far = create_user(
                session,
                SYSTEM,
                username="far",
                role="coordinator",
                region_code="R02",
                password=PASSWORD,
            )
            far_token = issue_token(session, SYSTEM, far)
        with engine.connect() as c:
            agency = c.execute(
                sa.select(col(Employment.agency_id))
                .join(Agency, col(Agency.id) == Employment.agency_id)
                .join(Region, col(Region.id) == Agency.region_id)
                .where(col(Employment.end_date).is_(None), col(Region.code) == "R01")
                .group_by(col(Employment.agency_id))
                .order_by(sa.func.count().desc())
                .limit(1)
            ).scalar_one()
        app = create_app(replace(settings, database_url=url))
        with TestClient(app, base_url=PUBLIC_URL) as client:
            yield State(client, token, engine, str(agency), far_token)
        engine.dispose()


@pytest.fixture(scope="module")
def states(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, keys_dir: Path
) -> Iterator[dict[int, State]]:
    with (
        seeded_state(SMALL, tmp_path_factory.mktemp("small"), settings, keys_dir) as small,
        seeded_state(LARGE, tmp_path_factory.mktemp("large"), settings, keys_dir) as large,
    ):
        yield {SMALL: small, LARGE: large}


class Statements:
    """Counts the SQL statements the requests run: not the live status watcher's (its own
    thread, reading what other connections committed, as the sign-in just did)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name == "live-status":
            return
        if not statement.lstrip().upper().startswith("PRAGMA"):
            with self.lock:
                self.count += 1


def statements_of(read: Any) -> tuple[int, Any]:
    counter = Statements()
    sa.event.listen(sa.Engine, "before_cursor_execute", counter)
    try:
        answer = read()
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", counter)
    assert answer.status_code == 200, answer.text
    return counter.count, answer


PAGES = [
    ("api", "/api/v1/officers?q=smith"),
    ("api", "/api/v1/officers?q=ar"),  # too short for a trigram
    ("api", "/api/v1/officers?q=p00000"),  # part of a POST id
    ("api", "/api/v1/officers"),
    ("console", "/console/officers?q=smith"),
    ("console", "/console/officers?q=a&from=50"),
    ("console", "/console/agencies/{agency}"),
    ("console", "/console/coverage"),
    ("console", "/console/expiring"),
    ("api", "/api/v1/coverage.csv"),
    ("api", "/api/v1/expiring.csv?days=365"),
    ("console", "/console/expiring.csv?days=365"),
    ("api", "/api/v1/credentials.csv"),
    ("console", "/console/credentials.csv"),
]


@pytest.mark.parametrize(("kind", "path"), PAGES)
def test_a_page_reads_as_many_statements_at_ten_times_the_size(
    states: dict[int, State], kind: str, path: str
) -> None:
    counts, sizes = [], []
    for state in states.values():
        url = path.format(agency=state.agency)
        if kind == "api":
            read = functools.partial(state.api, url)
        else:
            state.client.cookies.clear()
            assert sign_in(state.client, "boss").status_code == 303
            read = functools.partial(state.client.get, url)
        read()  # the first read of a worker warms what it keeps in memory
        count, answer = statements_of(read)
        counts.append(count)
        sizes.append(len(answer.content))
    assert counts[0] == counts[1], (
        f"{path}: {counts[0]} statements at {SMALL}, {counts[1]} at {LARGE}"
    )
    # The larger state really is larger where the page lists people (the test can fail).
    assert sizes[1] >= sizes[0]


REGION_PAGES = [
    ("console", "/console/coverage"),
    ("console", "/console/expiring"),
    ("api", "/api/v1/coverage.csv"),
    ("api", "/api/v1/expiring.csv?days=365"),
    ("api", "/api/v1/credentials.csv"),
]


@pytest.mark.parametrize(("kind", "path"), REGION_PAGES)
def test_a_regions_report_reads_as_many_statements_at_ten_times_the_size(
    states: dict[int, State], kind: str, path: str
) -> None:
    """The same for a region's coordinator, whose reports read the region (issue 24)."""
    counts = []
    for state in states.values():
        if kind == "api":
            read = functools.partial(state.api, path, state.coordinator_token)
        else:
            state.client.cookies.clear()
            assert sign_in(state.client, "far").status_code == 303
            read = functools.partial(state.client.get, path)
        read()
        counts.append(statements_of(read)[0])
    state.client.cookies.clear()
    assert counts[0] == counts[1], f"{path}: {counts[0]} at {SMALL}, {counts[1]} at {LARGE}"


def test_coverage_counts_what_the_records_hold_for_the_state_and_for_a_region(
    states: dict[int, State],
) -> None:
    """The coverage CSV's counts, computed again here from the records in Python: the
    administrator's for every agency, a coordinator's for their region's alone, the same."""
    state = states[LARGE]
    now = utcnow()
    soon = now + timedelta(days=90)
    with state.engine.connect() as c:
        staff: dict[str, set[uuid.UUID]] = defaultdict(set)
        for agency, officer in c.execute(
            sa.select(col(Agency.ori), col(Employment.officer_id))
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(col(Employment.end_date).is_(None))
        ):
            staff[agency].add(officer)
        until: dict[uuid.UUID, datetime] = {}
        for officer, valid_from, valid_until in c.execute(
            sa.select(
                col(Credential.officer_id), col(Credential.valid_from), col(Credential.valid_until)
            )
            .join(Course, col(Course.id) == Credential.course_id)
            .where(col(Course.code) == "CIT-40", col(Credential.status) == "active")
        ):
            if valid_from <= now < valid_until:
                until[officer] = max(valid_until, until.get(officer, valid_until))
        region_of = dict(
            c.execute(
                sa.select(col(Agency.ori), col(Region.code)).join(
                    Region, col(Region.id) == Agency.region_id
                )
            ).all()
        )
    expected = {}
    for ori, region in region_of.items():
        held = [until[o] for o in staff[ori] if o in until]
        expected[ori] = (region, len(staff[ori]), len(held), sum(u <= soon for u in held))

    def counted(token: str) -> dict[str, tuple[str, int, int, int]]:
        rows = parse_csv(state.api("/api/v1/coverage.csv", token).content)
        return {
            r["ori"]: (
                r["region"],
                int(r["officers"]),
                int(r["certified_valid"]),
                int(r["expiring_90_days"]),
            )
            for r in rows
        }

    everyone = counted(state.token)
    assert everyone == expected
    assert sum(e[2] for e in everyone.values()) > 0 and sum(e[3] for e in everyone.values()) > 0
    assert counted(state.coordinator_token) == {
        ori: row for ori, row in expected.items() if row[0] == "R02"
    }


def test_an_agencys_officers_come_a_page_at_a_time_each_once_by_name(
    states: dict[int, State],
) -> None:
    state = states[LARGE]
    state.client.cookies.clear()
    assert sign_in(state.client, "boss").status_code == 303
    seen: list[str] = []
    url = f"/console/agencies/{state.agency}"
    pages = 0
    while url:
        page = state.client.get(url)
        assert page.status_code == 200
        seen += re.findall(r'<a href="/console/officers/([0-9a-f-]{36})">', page.text)
        following = re.search(
            r'href="(/console/agencies/[^"]+\?after=[^"]+)" rel="next"', page.text
        )
        url = following.group(1) if following else ""
        pages += 1
    with state.engine.connect() as c:
        rows = c.execute(
            sa.select(col(Officer.id), col(Officer.last_name), col(Officer.first_name))
            .join(Employment, col(Employment.officer_id) == Officer.id)
            .where(
                col(Employment.agency_id) == uuid.UUID(state.agency),
                col(Employment.end_date).is_(None),
            )
        ).all()
    expected = [
        str(r.id) for r in sorted(rows, key=lambda r: (r.last_name, r.first_name, str(r.id)))
    ]
    assert pages > 2  # more than one page, or the keyset was never used
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == set(expected)
    names = {str(r.id): (r.last_name, r.first_name) for r in rows}
    assert [names[i] for i in seen] == [names[i] for i in expected]
    assert f"{len(expected)} officers" in state.client.get(f"/console/agencies/{state.agency}").text


def test_a_mangled_or_foreign_after_starts_from_the_top(states: dict[int, State]) -> None:
    state = states[LARGE]
    state.client.cookies.clear()
    assert sign_in(state.client, "boss").status_code == 303
    first = state.client.get(f"/console/agencies/{state.agency}").text
    for after in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        page = state.client.get(f"/console/agencies/{state.agency}?after={after}")
        assert page.status_code == 200
        ids = re.findall(r"/console/officers/([0-9a-f-]{36})", page.text)
        assert ids == re.findall(r"/console/officers/([0-9a-f-]{36})", first)


def test_another_regions_coordinator_sees_none_of_an_agencys_officers(
    states: dict[int, State],
) -> None:
    state = states[LARGE]
    state.client.cookies.clear()
    assert sign_in(state.client, "far").status_code == 303
    page = state.client.get(f"/console/agencies/{state.agency}")
    # Agencies are public bodies: another region's is refused as such (people/service), and
    # none of its officers is on the answer.
    assert page.status_code == 403
    assert "/console/officers/" not in page.text
    state.client.cookies.clear()


def test_the_seeded_state_is_one_the_registry_stands_behind(states: dict[int, State]) -> None:
    """The generator's credentials verify through the API and its audit trail is chained."""
    state = states[LARGE]
    with state.engine.connect() as c:
        assert verify_chain(c).intact
        tokens = dict(
            c.execute(
                sa.select(col(Credential.status), col(Credential.token))
                .where(
                    col(Credential.valid_until) > utcnow(), col(Credential.superseded_by).is_(None)
                )
                .order_by(col(Credential.status))
            ).all()
        )
    answer = state.client.post("/api/v1/verify", json={"token": tokens["active"]})
    assert answer.status_code == 200 and answer.json()["verdict"] == "valid", answer.text
    if "revoked" in tokens:
        answer = state.client.post("/api/v1/verify", json={"token": tokens["revoked"]})
        assert answer.json()["verdict"] == "revoked", answer.text


@pytest.mark.parametrize("term", ["AN", "e"])  # through the trigram index, and too short
def test_the_console_search_comes_a_page_at_a_time_each_once_by_name(
    states: dict[int, State], term: str
) -> None:
    """50 a page, one more read to know of the next: every match once, in order, no count."""
    state = states[LARGE]
    state.client.cookies.clear()
    assert sign_in(state.client, "boss").status_code == 303
    seen: list[str] = []
    url, pages = f"/console/officers?q={term}", 0
    while url:
        page = state.client.get(url)
        assert page.status_code == 200
        seen += re.findall(r'<a href="/console/officers/([0-9a-f-]{36})">', page.text)
        following = re.search(r'href="(/console/officers\?[^"]+)" rel="next"', page.text)
        url = following.group(1).replace("&amp;", "&") if following else ""
        pages += 1
    with state.engine.connect() as c:
        rows = c.execute(
            sa.select(col(Officer.id), col(Officer.last_name), col(Officer.first_name)).where(
                col(Officer.search_text).contains(term.lower())
            )
        ).all()
    expected = [
        str(r.id) for r in sorted(rows, key=lambda r: (r.last_name, r.first_name, str(r.id)))
    ]
    assert pages >= 2  # more than one page, or the next page was never read
    assert len(seen) == len(set(seen)) == len(expected)
    names = {str(r.id): (r.last_name, r.first_name) for r in rows}
    assert [names[i] for i in seen] == [names[i] for i in expected]


def test_each_officer_carries_the_agency_of_their_open_employment(
    states: dict[int, State],
) -> None:
    """officers.agency_id, the copy an agency's page and the region's search read, agrees with
    the employments the generator wrote (one in twelve transferred)."""
    state = states[LARGE]
    with state.engine.connect() as c:
        rows = c.execute(
            sa.select(col(Officer.agency_id), col(Employment.agency_id)).join(
                Employment,
                (col(Employment.officer_id) == Officer.id) & col(Employment.end_date).is_(None),
                isouter=True,
            )
        ).all()
        moved = c.execute(
            sa.select(sa.func.count()).where(col(Employment.end_date).is_not(None))
        ).scalar_one()
    assert len(rows) == LARGE and moved > 0
    assert all(mine == open_ for mine, open_ in rows)


def test_the_console_counts_todays_certified_officers_as_the_api_does(
    states: dict[int, State],
) -> None:
    """The console's coverage page counts each agency's officers certified today in the same
    read as its certification counts; the API counts them on their own (coverage/reads)."""
    state = states[LARGE]
    api = {r["agency_id"]: r["officers_certified"] for r in state.api("/api/v1/coverage").json()}
    state.client.cookies.clear()
    assert sign_in(state.client, "boss").status_code == 303
    page = state.client.get("/console/coverage").text
    state.client.cookies.clear()
    cell = r'<td class="num">(\d+)</td>'
    shown = {
        agency: int(certified)
        for agency, certified in re.findall(
            r'/console/agencies/([0-9a-f-]{36})/coverage">[^<]*</a></td><td>.*?</td>'
            + r'<td class="num">\d+</td>' * 2
            + cell,
            page,
        )
    }
    assert shown == api
    assert sum(api.values()) > 0

"""Coverage at the state's size: 11 regions, 130 agencies (a few with 10 to 20 districts), 8,000
officers, fixed and rotating plans side by side. Every coverage read runs as many SQL statements
there as it does with 10 agencies, and the rollup's figures are the ones written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings
from tests.conftest import PUBLIC_URL, Api
from tests.console.conftest import make_password_user, sign_in
from tests.coverage.conftest import counted
from tests.coverage.state import State, build_state


@pytest.fixture
def state_app(scratch_database_url: str, settings: Settings) -> Iterator[tuple[Litestar, Any]]:
    """An app of its own on a database of its own: a state's 8,000 officers stay out of the
    shared database the other tests count in."""
    app = create_app(replace(settings, database_url=scratch_database_url))
    with TestClient(app, base_url=PUBLIC_URL) as client:
        yield app, client


def _engine(app: Litestar) -> sa.Engine:
    return app.state["resources"].engine  # type: ignore[no-any-return]


def _token(engine: sa.Engine, role: str, region: str | None = None) -> str:
    from tests.conftest import make_user

    return make_user(engine, role, region)


def _biggest(state: State, rows: list[dict[str, Any]]) -> str:
    return str(max(rows, key=lambda r: (r["slots"], r["name"]))["agency_id"])


def _statements(app: Litestar, client: Any, path: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with counted(app) as statements:
        r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    return len(statements)


def test_a_state_answers_in_as_many_statements_as_ten_agencies(
    state_app: tuple[Litestar, Any],
) -> None:
    app, client = state_app
    engine = _engine(app)
    small = build_state(engine, regions=1, agencies=10, officers=600, large_every=5, seed=10)
    admin = _token(engine, "admin")
    region = small.regions[0]
    small_rows = Api(client, admin).get(f"/api/v1/coverage?region={region}").json()
    assert len(small_rows) == 10

    def reads(region: str, agency: str) -> dict[str, int]:
        coordinator = _token(engine, "coordinator", region)
        counts = {
            "region": _statements(app, client, "/api/v1/coverage", coordinator),
            "state": _statements(app, client, "/api/v1/coverage", admin),
        }
        for what in ("coverage", "on-duty", "officers", "patrol"):
            counts[what] = _statements(
                app, client, f"/api/v1/agencies/{agency}/{what}", coordinator
            )
        client.cookies.clear()
        assert sign_in(client, make_password_user(engine, "coordinator", region)).is_redirect
        counts["console region"] = _statements(app, client, "/console/coverage")
        counts["console agency"] = _statements(app, client, f"/console/agencies/{agency}/coverage")
        client.cookies.clear()
        assert sign_in(client, make_password_user(engine, "admin")).is_redirect
        counts["console state"] = _statements(app, client, "/console/coverage")
        client.cookies.clear()
        return counts

    at_ten = reads(region, _biggest(small, small_rows))

    state = build_state(engine)  # 11 regions, 130 agencies, 8,000 officers
    everyone = Api(client, admin).get("/api/v1/coverage").json()
    assert len(everyone) == 140
    # The rollup gives back what was written: each agency's officers certified today (revoked
    # and suspended certifications count on no day).
    certified = {str(k): v for k, v in (small.certified_today + state.certified_today).items()}
    assert {r["agency_id"]: r["officers_certified"] for r in everyone} == {
        r["agency_id"]: certified.get(r["agency_id"], 0) for r in everyone
    }
    assert sum(r["officers_certified"] for r in everyone) > 2000
    assert max(r["slots"] for r in everyone) >= 10 * 3
    big_region = max(state.regions, key=lambda code: len(state.agencies[code]))
    big_rows = Api(client, admin).get(f"/api/v1/coverage?region={big_region}").json()
    assert len(big_rows) == len(state.agencies[big_region]) >= 11
    # The biggest agency of the state, in the region that holds it.
    largest = _biggest(state, everyone)
    home = next(code for code, ids in state.agencies.items() if any(str(i) == largest for i in ids))

    at_state = reads(home, largest)
    assert at_state == at_ten

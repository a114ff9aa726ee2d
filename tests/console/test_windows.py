"""The program's windows are one rule wherever they are asked for (registry/windows.py): the
console, the API and the exports reach the same number of days ahead."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from registry.windows import EXPIRING_DEFAULT_DAYS, EXPIRING_MAX_DAYS, expiring_days
from tests.conftest import Region, assert_problem
from tests.console.conftest import make_password_user, sign_in


def test_the_expiring_window_is_held_within_its_limits() -> None:
    assert expiring_days(None) == EXPIRING_DEFAULT_DAYS
    assert expiring_days(0) == 1
    assert expiring_days(10**6) == EXPIRING_MAX_DAYS == 3660


def test_the_console_and_the_api_reach_as_far_ahead(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    # The console held the report at 3,650 days while the API and the CLI took 3,660.
    sign_in(console_client, make_password_user(engine, "coordinator", region.code))
    page = console_client.get("/console/expiring?days=9999").text
    assert f"expiring within {EXPIRING_MAX_DAYS} days" in page
    assert f'max="{EXPIRING_MAX_DAYS}"' in page
    console_client.cookies.clear()
    api = region.coordinator
    assert api.get(f"/api/v1/expiring?days={EXPIRING_MAX_DAYS}").status_code == 200
    assert_problem(api.get(f"/api/v1/expiring?days={EXPIRING_MAX_DAYS + 1}"), 400)

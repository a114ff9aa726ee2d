"""The rules that count days from today count the program's day (Denver's), not the server's:
at 02:00 UTC it is 19:00 or 20:00 of the day before in Denver, and a refusal, a horizon or a
file's name that read UTC's day would be a day ahead. The app's clock is set to such a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.common import add_months
from registry.dates import local_date, long_date
from tests.conftest import Region, assert_problem, program_today, program_zone
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.people.test_officers import body_for
from tests.training.test_classes import class_body


@pytest.fixture
def evening(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> date:
    """Sets the app's clock to 02:00 UTC on the day after the day it answers: that day's
    evening in Denver. The day is at most the 27th, so that 18 months from it and from the
    day after differ (from Aug 30 and from Aug 31 both are Feb 28)."""
    today = program_today()
    day = today.replace(day=min(today.day, 27))
    moment = datetime.combine(day + timedelta(days=1), time(2), UTC)
    assert local_date(moment, program_zone()) == day  # UTC's day is already the next one
    monkeypatch.setattr(app.state.resources, "clock", lambda: moment)
    return day


def _officer(region: Region, patrol_start: date) -> Any:
    body = body_for(region, patrol_start_date=patrol_start.isoformat())
    return region.coordinator.post("/api/v1/officers", body)


def _class(region: Region, start: date) -> Any:
    end = start + timedelta(days=4)
    body = class_body(region, start_date=start.isoformat(), end_date=end.isoformat())
    return region.coordinator.post("/api/v1/classes", body)


def test_the_class_horizon_counts_18_months_from_the_program_day(
    region: Region, evening: date
) -> None:
    horizon = add_months(evening, 18)
    r = _class(region, horizon + timedelta(days=1))
    body = assert_problem(r, 422, field="start_date", rule="schedule_horizon")
    assert f"on or before {long_date(horizon)}" in body["detail"]
    assert _class(region, horizon).status_code == 201


def test_a_patrol_start_on_utcs_day_is_the_programs_tomorrow(region: Region, evening: date) -> None:
    tomorrow = evening + timedelta(days=1)
    assert_problem(_officer(region, tomorrow), 422, field="patrol_start_date", rule="not_future")
    made = _officer(region, evening)
    assert made.status_code == 201, made.text
    officer_id = made.json()["id"]
    r = region.coordinator.patch(
        f"/api/v1/officers/{officer_id}", {"patrol_start_date": tomorrow.isoformat()}
    )
    assert_problem(r, 422, field="patrol_start_date", rule="not_future")


def test_education_completed_on_utcs_day_has_not_happened_yet(
    region: Region, evening: date
) -> None:
    path = f"/api/v1/officers/{region.officer()['id']}/ce"

    def ce(completed_on: date) -> Any:
        body = {"title": "Refresher", "hours": 2, "completed_on": completed_on.isoformat()}
        return region.coordinator.post(path, body)

    assert_problem(ce(evening + timedelta(days=1)), 400, field="completed_on", rule="not_future")
    assert ce(evening).status_code == 201


def test_make_up_hours_held_on_utcs_day_are_not_yet_attended(
    client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    course: dict[str, Any],
    evening: date,
) -> None:
    officer = region.officer()
    path = f"/console/classes/{region.klass()['id']}"
    client.cookies.clear()
    try:
        sign_in(client, make_password_user(engine, "coordinator", region.code))

        def send(action: str, **form: str) -> str:
            form["csrf_token"] = csrf_of(client.get(path).text)
            return client.post(f"{path}/{action}", data=form, follow_redirects=True).text

        assert f"({officer['post_id']}) enrolled." in send("enroll", post_ids=officer["post_id"])

        def makeup(held_on: date) -> str:
            module = course["modules"][0]["code"]
            where = "Make-up room"
            return send("makeup", officer_id=officer["id"], module=module, hours="1",
                        held_on=held_on.isoformat(), location=where)  # fmt: skip

        assert "recorded once they were attended" in makeup(evening + timedelta(days=1))
        assert "1 make-up hours recorded." in makeup(evening)
    finally:
        client.cookies.clear()


def test_csv_downloads_are_named_for_the_program_day(
    client: TestClient[Any], engine: sa.Engine, region: Region, evening: date
) -> None:
    day = evening.isoformat()
    names = {
        "/credentials.csv": f"credentials-{day}.csv",
        "/coverage.csv": f"coverage-{day}.csv",
        "/expiring.csv?days=30": f"expiring-30d-{day}.csv",
    }
    for path, name in names.items():
        r = region.coordinator.get(f"/api/v1{path}")
        assert r.status_code == 200, r.text
        assert f'filename="{name}"' in r.headers["content-disposition"]
    client.cookies.clear()
    try:
        sign_in(client, make_password_user(engine, "coordinator", region.code))
        for path, name in names.items():
            r = client.get(f"/console{path}")
            assert r.status_code == 200, r.text
            assert f'filename="{name}"' in r.headers["content-disposition"]
    finally:
        client.cookies.clear()

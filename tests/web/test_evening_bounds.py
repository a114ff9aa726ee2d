"""A certification whose bound falls in the program's evening (after 17:00 in Denver, already the
next day in UTC, which the database keeps) is dated by the program's day in every message a
person reads: the renewal refusals, enrollment's and the roster's "certified until", the
nominations, the public lookup and the CSV files' day columns."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from registry.common import add_months
from registry.dates import long_date
from tests.conftest import (
    Api,
    Region,
    assert_problem,
    graduate,
    program_today,
    program_zone,
    set_moments,
)
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.coverage.conftest import liaison, put
from tests.imports import parse_csv
from tests.renewals.conftest import add_ce


def evening(day: date) -> datetime:
    """18:30 in the program's zone on `day`: in UTC (MST or MDT alike) the day after."""
    moment = datetime.combine(day, time(18, 30), program_zone()).astimezone(UTC)
    assert moment.date() == day + timedelta(days=1)  # the case that matters
    return moment


def console(client: TestClient[Any], engine: sa.Engine, region: Region) -> TestClient[Any]:
    client.cookies.clear()
    sign_in(client, make_password_user(engine, "coordinator", region.code))
    return client


def shown_on_console(
    client: TestClient[Any], engine: sa.Engine, region: Region, path: str, said: str
) -> None:
    """The coordinator's console page at `path` says `said` too (signed out after)."""
    try:
        page = console(client, engine, region).get(path)
        assert page.status_code == 200
        assert said in page.text
    finally:
        client.cookies.clear()


def test_the_renewal_window_refusal_gives_the_days_the_program_counts(
    client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    held = region.certified(course)
    last_day = program_today() + timedelta(days=600)
    until = evening(last_day)
    set_moments(engine, held["credential_id"], valid_until=until)
    opens_at = add_months(until, -6)
    opens_on = opens_at.astimezone(program_zone()).date()
    assert opens_on != opens_at.date()  # an evening too

    r = region.coordinator.post(f"/api/v1/credentials/{held['credential_id']}/renew")
    body = assert_problem(r, 422, field="valid_until", rule="renewal_window")
    assert body["opens"] == opens_on.isoformat()
    said = f"on {long_date(opens_on)} (the certification is valid until {long_date(last_day)})."
    assert said in body["detail"]

    shown_on_console(client, engine, region, f"/console/officers/{held['officer']['id']}", said)


def test_the_ce_cycle_starts_on_the_program_day_of_issue(
    client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    held = region.certified(course)
    first_day = program_today() - timedelta(days=700)
    last_day = program_today() + timedelta(days=30)  # renewal is open
    set_moments(
        engine,
        held["credential_id"],
        issued_at=evening(first_day),
        valid_from=evening(first_day),
        valid_until=evening(last_day),
    )
    officer_id = held["officer"]["id"]
    since = f"(since {long_date(first_day)});"

    r = region.coordinator.post(f"/api/v1/credentials/{held['credential_id']}/renew")
    body = assert_problem(r, 422, field="ce_hours", rule="ce_hours")
    assert since in body["detail"]

    try:
        c = console(client, engine, region)
        page = c.get(f"/console/officers/{officer_id}")
        assert since in page.text
        # Hours from the evening it was issued count: that day is in the cycle.
        add_ce(region, officer_id, course["ce_hours_per_cycle"], on=first_day)
        renew_path = f"/console/credentials/{held['credential_id']}/renew"
        page = c.get(f"/console/officers/{officer_id}")
        assert f'action="{renew_path}"' in page.text
        r = c.post(renew_path, data={"csrf_token": csrf_of(page.text)})
        assert r.status_code == 200, r.text
        match = re.search(r"Renewed: new credential ([0-9A-Z]+), valid until ([^.<]+)\.", r.text)
        assert match, r.text
        new_until = add_months(evening(last_day), course["validity_months"])
        assert match.group(2) == long_date(new_until.astimezone(program_zone()).date())
        assert match.group(2) != long_date(new_until.date())
        # And the renewal spent them: they count for one renewal only.
        ce = region.coordinator.get(f"/api/v1/officers/{officer_id}/ce").json()
        assert [c["used_by"] for c in ce] == [match.group(1)]
    finally:
        client.cookies.clear()


def test_enrollment_refuses_with_the_last_day_the_program_counts(
    client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    held = region.certified(course)
    last_day = program_today() + timedelta(days=60)
    set_moments(engine, held["credential_id"], valid_until=evening(last_day))
    klass = region.klass()
    officer = held["officer"]
    said = f"certification until {long_date(last_day)}."

    r = region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": officer["id"]}
    )
    body = assert_problem(r, 422, field="officer_id", rule="already_certified")
    assert body["detail"].endswith(said)
    # A class that starts on that last day takes the officer, as for a bound in the morning.
    start = {"start_date": last_day.isoformat(), "end_date": last_day.isoformat()}
    on_the_day = region.klass(**start)
    r = region.coordinator.post(
        f"/api/v1/classes/{on_the_day['id']}/enrollments", {"officer_id": officer["id"]}
    )
    assert r.status_code == 201, r.text

    try:
        c = console(client, engine, region)
        page = c.get(f"/console/classes/{klass['id']}")
        r = c.post(
            f"/console/classes/{klass['id']}/enroll",
            data={"csrf_token": csrf_of(page.text), "post_ids": officer["post_id"]},
        )
        assert r.status_code == 200, r.text
        assert said in r.text
    finally:
        client.cookies.clear()


def test_a_certification_from_another_class_is_dated_as_the_program_counts(
    client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    first, second = region.klass(), region.klass()
    officer = region.officer()
    graduate(region, course, first["id"], officer["id"])
    graduate(region, course, second["id"], officer["id"])  # enrolled before either certified
    r = region.coordinator.post(f"/api/v1/classes/{first['id']}/certify", {})
    assert r.status_code == 200, r.text
    [issued] = r.json()["issued"]
    last_day = program_today() + timedelta(days=60)
    set_moments(engine, issued["credential_id"], valid_until=evening(last_day))
    said = f"Already holds a valid CIT-40 certification until {long_date(last_day)}."

    roster = region.coordinator.get(f"/api/v1/classes/{second['id']}/roster")
    assert roster.status_code == 200, roster.text
    [entry] = roster.json()["officers"]
    assert said in entry["reasons"]
    r = region.coordinator.post(f"/api/v1/classes/{second['id']}/certify", {})
    assert r.status_code == 200, r.text
    [skipped] = r.json()["skipped"]
    assert said in skipped["reasons"]

    shown_on_console(client, engine, region, f"/console/classes/{second['id']}", said)


def test_a_nomination_says_the_last_day_the_program_counts(
    client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    held = region.certified(course)
    last_day = program_today() + timedelta(days=60)
    set_moments(engine, held["credential_id"], valid_until=evening(last_day))
    r = put(liaison(region, engine), f"/api/v1/officers/{held['officer']['id']}/nomination", None)
    assert r.status_code == 200, r.text

    r = region.coordinator.get("/api/v1/nominations")
    assert r.status_code == 200, r.text
    [row] = r.json()
    assert row["certified_until"] == last_day.isoformat()
    said = f"Certified until {long_date(last_day)}: the certification lapses"
    assert any(c["detail"].startswith(said) for c in row["checks"])

    shown_on_console(client, engine, region, "/console/coverage", said)


def test_the_public_lookup_gives_the_last_day_the_program_counts(
    client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    evening_one, morning_one = region.certified(course), region.certified(course)
    last_day = program_today() + timedelta(days=60)
    set_moments(engine, evening_one["credential_id"], valid_until=evening(last_day))
    # 08:00 in Denver is the same day in UTC: the day alone must not be read as UTC's midnight.
    morning = datetime.combine(last_day, time(8), program_zone()).astimezone(UTC)
    set_moments(engine, morning_one["credential_id"], valid_until=morning)

    for held in (evening_one, morning_one):
        officer = held["officer"]
        asked = {"post_id": officer["post_id"], "last_name": officer["last_name"]}
        r = client.post("/lookup", data=asked, headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text
        [item] = r.json()["certifications"]
        assert item["valid_until"] == last_day.isoformat()
        page = client.post("/lookup", data=asked)
        assert f"valid until {long_date(last_day)}</p>" in page.text


def test_the_csv_files_give_the_days_the_program_counts(
    engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    held = region.certified(course)
    first_day = program_today() - timedelta(days=10)
    last_day = program_today() + timedelta(days=30)
    set_moments(
        engine,
        held["credential_id"],
        issued_at=evening(first_day),
        valid_from=evening(first_day),
        valid_until=evening(last_day),
    )

    def rows(api: Api, path: str) -> dict[str, dict[str, str]]:
        r = api.get(path)
        assert r.status_code == 200, r.text
        return {row["credential_id"]: row for row in parse_csv(r.content)}

    exported = rows(region.coordinator, "/api/v1/credentials.csv")[held["credential_id"]]
    assert (exported["issued"], exported["valid_until"]) == (
        first_day.isoformat(),
        last_day.isoformat(),
    )
    expiring = rows(region.coordinator, "/api/v1/expiring.csv")[held["credential_id"]]
    assert expiring["valid_until"] == last_day.isoformat()

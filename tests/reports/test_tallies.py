"""Coverage's counts kept by agency (agency_tallies): after every kind of change, and as time
passes, what the coverage CSV and GET /api/v1/coverage answer equals a count made afresh (the
tallies emptied); a current tally spares the read of the agency's officers; the database's
triggers that keep them are there, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import runpy
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlmodel import Session, col, func

from registry.common import utcnow
from registry.db import unit_of_work
from registry.reports import tallies
from registry.tables.people import Employment
from registry.tables.tallies import AgencyChange
from registry.windows import EXPIRING_DEFAULT_DAYS
from tests.conftest import Api, KeptLog, Region, graduate, program_zone, set_moments
from tests.coverage.conftest import counted, ori_of, other_agency
from tests.renewals.conftest import add_ce, certify

MIGRATION = (
    Path(__file__).resolve().parents[2] / "registry/migrations/versions/0020_agency_tallies.py"
)
Served = tuple[dict[str, list[str]], dict[str, int]]


def served(api: Api) -> Served:
    """The coverage CSV's rows by ORI, and the officers certified today by agency (GET
    /api/v1/coverage), as the API answers them."""
    r = api.get("/api/v1/coverage.csv")
    assert r.status_code == 200, r.text
    rows = {row[2]: row for row in list(csv.reader(io.StringIO(r.text)))[1:]}
    r = api.get("/api/v1/coverage")
    assert r.status_code == 200, r.text
    return rows, {row["agency_id"]: row["officers_certified"] for row in r.json()}


def forget(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM agency_tallies"))


def recounted(engine: sa.Engine, api: Api) -> Served:
    """What the API answers with every tally gone: counted afresh."""
    forget(engine)
    return served(api)


def settled(engine: sa.Engine, api: Api, before: Served | None = None) -> Served:
    """Asserts the counts served after a change are a fresh count's, and (with `before`) that
    the change shows in them (else the test would prove nothing)."""
    got = served(api)
    expected = recounted(engine, api)
    assert got == expected
    if before is not None:
        assert expected != before, "the change does not show in the counts"
    return expected


def ended(officer_id: str) -> Any:
    """A statement that ends the officer's employment today, as a bulk change would."""
    return (
        sa.update(Employment)
        .where(col(Employment.officer_id) == uuid.UUID(officer_id))
        .values(end_date=utcnow().date())
    )


def test_counts_served_equal_a_fresh_count_after_each_kind_of_change(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    api = region.coordinator
    second = other_agency(region)
    region.officer()
    counts = settled(engine, api)
    region.officer(agency_id=second)  # an officer added
    counts = settled(engine, api, counts)

    # A class's certifications, for officers of both agencies.
    klass = region.klass()
    officers = [region.officer(), region.officer(agency_id=second)]
    for officer in officers:
        graduate(region, course, klass["id"], officer["id"])
    counts = settled(engine, api, counts)  # graduates are not certified yet
    r = api.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    issued = [i["credential_id"] for i in r.json()["issued"]]
    assert len(issued) == 2
    counts = settled(engine, api, counts)

    path = f"/api/v1/credentials/{issued[0]}"
    for action in ("suspend", "reinstate", "revoke"):
        assert api.post(f"{path}/{action}", {"reason": "tallies"}).status_code == 200
        counts = settled(engine, api, counts)

    # Renewed ahead of expiry (the record aged into the expiry window: a change of its own).
    renewed = issued[1]
    set_moments(engine, renewed, valid_until=utcnow() + timedelta(days=30))
    counts = settled(engine, api, counts)
    add_ce(region, officers[1]["id"], course["ce_hours_per_cycle"])
    r = api.post(f"/api/v1/credentials/{renewed}/renew")
    assert r.status_code == 201, r.text
    counts = settled(engine, api)

    # Transferred, with the certification, to the first agency.
    r = api.post(
        f"/api/v1/officers/{officers[1]['id']}/transfer",
        {"agency_id": region.agency_id, "effective_date": utcnow().date().isoformat()},
    )
    assert r.status_code == 200, r.text
    counts = settled(engine, api, counts)

    # An employment ended by a statement of its own (no service: a bulk or hand-made change).
    with engine.begin() as conn:
        conn.execute(ended(officers[1]["id"]))
    settled(engine, api, counts)


def _at(app: Litestar, monkeypatch: pytest.MonkeyPatch, region: Region, moment: datetime) -> Any:
    """The region's agency's counts as the API answers them with the app's clock at `moment`:
    officers, certified, expiring (the CSV), certified on the day (GET /api/v1/coverage)."""
    monkeypatch.setattr(app.state.resources, "clock", lambda: moment)
    rows, on_day = served(region.coordinator)
    row = rows[ori_of(region)]
    return (int(row[3]), int(row[4]), int(row[6]), on_day[region.agency_id])


def _as_time_passes(
    app: Litestar,
    monkeypatch: pytest.MonkeyPatch,
    engine: sa.Engine,
    region: Region,
    before: datetime,
    after: datetime,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The agency's counts at `before` (leaving tallies), then at `after` as served and as
    counted afresh, which must agree; answers the counts at both moments."""
    then = _at(app, monkeypatch, region, before)
    later = _at(app, monkeypatch, region, after)
    forget(engine)
    assert later == _at(app, monkeypatch, region, after)
    monkeypatch.setattr(app.state.resources, "clock", utcnow)  # the next case's changes: now
    return then, later


def test_counts_follow_time_past_a_start_an_end_the_expiry_window_and_midnight(
    region_factory: Any,
    course: dict[str, Any],
    app: Litestar,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def as_time_passes(region: Region, before: datetime, after: datetime) -> Any:
        return _as_time_passes(app, monkeypatch, engine, region, before, after)

    # Past a certification's end: certified no more.
    region = region_factory()
    ending = certify(region, course).credential_id
    now = utcnow() + timedelta(seconds=2)  # after its issue, at second precision
    set_moments(engine, ending, valid_until=now + timedelta(hours=1))
    then, later = as_time_passes(region, now, now + timedelta(hours=2))
    assert (then[1], later[1]) == (1, 0)

    # Past a certification's start: certified.
    region = region_factory()
    beginning = certify(region, course).credential_id
    now = utcnow() + timedelta(seconds=2)  # after its issue, at second precision
    set_moments(engine, beginning, valid_from=now + timedelta(minutes=1))
    then, later = as_time_passes(region, now, now + timedelta(minutes=2))
    assert (then[1], later[1]) == (0, 1)

    # Into the expiry window (90 days before the end): expiring.
    region = region_factory()
    window = timedelta(days=EXPIRING_DEFAULT_DAYS)
    closing = certify(region, course).credential_id
    now = utcnow() + timedelta(seconds=2)  # after its issue, at second precision
    set_moments(engine, closing, valid_until=now + window + timedelta(hours=1))
    then, later = as_time_passes(region, now, now + timedelta(hours=2))
    assert (then[2], later[2]) == (0, 1)

    # Past local midnight: certified on the new day by a certification beginning that day.
    region = region_factory()
    starting = certify(region, course).credential_id
    now = utcnow() + timedelta(seconds=2)  # after its issue, at second precision
    midnight = tallies.day_window(now.astimezone(program_zone()).date(), program_zone())[1]
    set_moments(engine, starting, valid_from=midnight + timedelta(hours=3))
    then, later = as_time_passes(region, now, midnight + timedelta(hours=1))
    assert (then[3], later[3]) == (0, 1)
    assert (then[1], later[1]) == (0, 0)

    # A renewal that begins when the old certification ends: certified throughout.
    region = region_factory()
    held = certify(region, course)
    now = utcnow() + timedelta(seconds=2)
    set_moments(engine, held.credential_id, valid_until=now + timedelta(hours=1))
    add_ce(region, held.officer["id"], course["ce_hours_per_cycle"])
    r = region.coordinator.post(f"/api/v1/credentials/{held.credential_id}/renew")
    assert r.status_code == 201, r.text
    then, later = as_time_passes(region, now, now + timedelta(hours=2))
    assert (then[1], later[1]) == (1, 1)


def test_a_current_tally_spares_reading_the_agencys_officers(
    region: Region, course: dict[str, Any], app: Litestar, engine: sa.Engine
) -> None:
    certify(region, course)
    forget(engine)
    with counted(app) as cold:
        served(region.coordinator)
    with counted(app) as warm:
        served(region.coordinator)
    assert any("FROM employments" in s for s in cold)
    assert not any("FROM employments" in s for s in warm), warm
    assert len(warm) < len(cold)


def _triggers(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(conn.execute(sa.text(query)).scalars())


def changes(engine: sa.Engine, agency_id: str) -> tuple[int, int]:
    """The sum of the agency's changes and the rows that hold it."""
    weight = col(AgencyChange.weight)
    with engine.connect() as conn:
        seen, rows = conn.execute(
            sa.select(func.coalesce(func.sum(weight), 0), func.count()).where(
                col(AgencyChange.agency_id) == uuid.UUID(agency_id)
            )
        ).one()
    return int(seen), int(rows)


def test_an_agencys_changes_fold_into_one_row_when_it_is_counted(
    region: Region, course: dict[str, Any], app: Litestar, engine: sa.Engine
) -> None:
    for _ in range(2):
        certify(region, course)
    seen, rows = changes(engine, region.agency_id)
    assert rows > 1
    served(region.coordinator)
    assert changes(engine, region.agency_id) == (seen, 1)
    with counted(app) as warm:  # the folded sum is still the one the tally saw
        served(region.coordinator)
    assert not any("FROM employments" in s for s in warm), warm


def test_the_tallies_triggers_are_there_at_the_head(engine: sa.Engine) -> None:
    """A later migration that has SQLite's batch mode rebuild `credentials` or `employments`
    drops their triggers; it must create them again (0020's create_triggers)."""
    migration = runpy.run_path(str(MIGRATION))
    names = migration["SQLITE_TRIGGERS" if engine.dialect.name == "sqlite" else "PG_TRIGGERS"]
    assert set(names) <= _triggers(engine)


@pytest.mark.parametrize("table", ["credentials", "employments"])
def test_a_change_written_past_the_services_counts_up_the_agencys_changes(
    region: Region, course: dict[str, Any], engine: sa.Engine, table: str
) -> None:
    held = certify(region, course)

    def version() -> int:
        return changes(engine, region.agency_id)[0]

    before = version()
    with engine.begin() as conn:
        if table == "credentials":
            conn.execute(
                sa.text("UPDATE credentials SET status = 'suspended' WHERE id = :c"),
                {"c": held.credential_id},
            )
        else:
            conn.execute(ended(held.officer["id"]))
    assert version() > before


REFUSE = {
    "sqlite": (
        "CREATE TRIGGER refuse_tallies BEFORE INSERT ON agency_tallies "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END",
        "DROP TRIGGER refuse_tallies",
    ),
    "postgresql": (
        "CREATE FUNCTION refuse_tallies() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$; "
        "CREATE TRIGGER refuse_tallies BEFORE INSERT ON agency_tallies "
        "FOR EACH ROW EXECUTE FUNCTION refuse_tallies()",
        "DROP TRIGGER refuse_tallies ON agency_tallies; DROP FUNCTION refuse_tallies()",
    ),
}


def _stored(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM agency_tallies")).scalar_one())


def test_a_read_whose_tallies_cannot_be_written_still_answers_the_counts(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    certify(region, course)
    expected = recounted(engine, region.coordinator)
    forget(engine)
    create, drop = REFUSE[engine.dialect.name]
    with engine.begin() as conn:
        conn.exec_driver_sql(create)
    try:
        assert served(region.coordinator) == expected
        assert _stored(engine) == 0
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(drop)
    assert served(region.coordinator) == expected
    assert _stored(engine) > 0


def test_a_read_waits_only_a_moment_for_sqlites_write_lock(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one writer at a time")
    certify(region, course)
    expected = recounted(engine, region.coordinator)
    forget(engine)
    with engine.connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE (registry.db): another transaction holds the write lock
        try:
            assert served(region.coordinator) == expected
        finally:
            writer.rollback()
    assert _stored(engine) == 0


def test_two_reads_counting_the_same_agencies_at_once_both_answer(
    region: Region, course: dict[str, Any], engine: sa.Engine, registry_log: KeptLog
) -> None:
    """Each writes the same tallies; the second's upsert waits for the first's commit, then
    updates (PostgreSQL) or leaves them (SQLite's lock, after a moment): neither fails."""
    certify(region, course)
    forget(engine)
    agencies = [uuid.UUID(region.agency_id)]
    now = utcnow()

    def count(session: Session) -> dict[uuid.UUID, tallies.Counts]:
        return tallies.counts_by_agency(session, agencies, zone=program_zone(), now=now)

    answers: list[Any] = []
    with unit_of_work(engine, read_only=True) as first:
        mine = count(first)
        other = threading.Thread(target=lambda: answers.append(_in_own_read(engine, count)))
        other.start()
        other.join(timeout=1)  # blocked on the first's rows (or SQLite's lock) for a while
    other.join(timeout=30)
    assert answers == [mine]
    assert mine[agencies[0]].certified == 1
    assert _stored(engine) >= 1
    if engine.dialect.name == "postgresql":  # the second wrote too: an upsert, no conflict
        assert not [line for line in registry_log.lines if "not written" in line]


def _in_own_read(engine: sa.Engine, count: Any) -> Any:
    try:
        with unit_of_work(engine, read_only=True) as session:
            return count(session)
    except Exception as error:  # the assertion shows it
        return error

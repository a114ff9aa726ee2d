"""Coverage's counts by agency: its officers now, those certified now, those whose
certification expires within a window, those certified on the local day. The one place these
rules are written: the console's coverage page, the coverage CSV, the dashboard and
GET /api/v1/coverage all ask here.

Each agency's counts are kept in `agency_tallies` with the changes to the agency they had seen
(`agency_changes`, written by the database's triggers on credentials and employments, migration
0020) and `fresh_until`, the next moment time alone would change one of them. A read takes the
tallies that are still current and counts again, in one grouped query, only the agencies whose
tally is missing or stale: a state's page reads 500 small rows instead of 50,000 officers."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from registry.dates import local_date
from registry.db import keep_cache_writes
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Employment
from registry.tables.tallies import AgencyChange, AgencyTally
from registry.tables.training import Course
from registry.windows import EXPIRING_DEFAULT_DAYS

log = logging.getLogger(__name__)

COURSE = "CIT-40"
# Agencies a statement: an IN list of bound ids (SQLite allows 32,766 parameters, an upsert's
# row takes ten).
CHUNK = 500
# How long a read waits for SQLite's write lock to store its tallies (_short_wait).
LOCK_WAIT_MS = 200


@dataclass(frozen=True)
class Counts:
    officers: int = 0
    certified: int = 0
    expiring: int = 0
    on_day: int = 0


NONE = Counts()


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local `day`'s first moment and the following day's: a certification in force on the
    day has valid_from before the second and valid_until at or after the first."""
    return datetime.combine(day, time.min, zone), datetime.combine(
        day + timedelta(days=1), time.min, zone
    )


def counts_by_agency(
    session: Session,
    agencies: Collection[uuid.UUID],
    *,
    zone: ZoneInfo,
    now: datetime,
    window_days: int = EXPIRING_DEFAULT_DAYS,
    course_code: str = COURSE,
) -> dict[uuid.UUID, Counts]:
    """The counts of each of `agencies` (an agency with no officers has none: NONE) at `now`,
    the day's count for the local day around `now`. Tallies counted here are written in the
    session's transaction (a read-only one is committed for them: registry.db)."""
    day = day_window(local_date(now, zone), zone)
    found = _fresh(session, agencies, course_code, window_days, day[0], now)
    missing = [a for a in agencies if a not in found]
    if missing:
        found.update(_recount(session, missing, course_code, window_days, day, now))
    return found


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for at in range(0, len(ids), CHUNK):
        yield list(ids[at : at + CHUNK])


def _fresh(
    session: Session,
    agencies: Collection[uuid.UUID],
    course_code: str,
    window_days: int,
    day_start: datetime,
    now: datetime,
) -> dict[uuid.UUID, Counts]:
    """The tallies still current: of this day, unchanged since counted, counted at or before
    `now` (a worker whose clock runs behind, or a test, may ask of an earlier moment) and not
    yet outlived."""
    tally = AgencyTally
    out: dict[uuid.UUID, Counts] = {}
    for chunk in _chunks(sorted(agencies)):
        changes = _changes(chunk).subquery()
        query = (
            sa.select(
                col(tally.agency_id),
                col(tally.officers),
                col(tally.certified),
                col(tally.expiring),
                col(tally.on_day),
            )
            .join(
                Course, sa.and_(col(Course.id) == tally.course_id, col(Course.code) == course_code)
            )
            .outerjoin(changes, changes.c.agency_id == tally.agency_id)
            .where(
                col(tally.agency_id).in_(chunk),
                col(tally.window_days) == window_days,
                col(tally.day_start) == day_start,
                col(tally.fresh_from) <= now,
                col(tally.fresh_until) > now,
                col(tally.version) == func.coalesce(changes.c.seen, 0),
            )
        )
        for agency_id, *counts in session.execute(query):
            out[agency_id] = Counts(*counts)
    return out


def _recount(
    session: Session,
    agencies: Sequence[uuid.UUID],
    course_code: str,
    window_days: int,
    day: tuple[datetime, datetime],
    now: datetime,
) -> dict[uuid.UUID, Counts]:
    course_id = session.exec(select(Course.id).where(col(Course.code) == course_code)).first()
    if course_id is None:
        return {}
    soon = now + timedelta(days=window_days)
    out: dict[uuid.UUID, Counts] = {}
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(agencies)):
        # Read before the counts: a change committed in between (PostgreSQL's statements each
        # see the latest commits) leaves the tally a change behind, so stale, never wrong.
        versions = {agency_id: seen for agency_id, seen in session.execute(_changes(chunk))}
        grouped = _grouped(chunk, course_id, day, now, soon)
        counted = {row[0]: row[1:] for row in session.execute(grouped)}
        for agency_id in chunk:
            officers, certified, beyond, on_day, starts, ends, leaves = counted.get(
                agency_id, (0, 0, 0, 0, None, None, None)
            )
            counts = Counts(officers, certified, certified - beyond, on_day)
            out[agency_id] = counts
            # The next moment one count changes by time alone: a certification begins, ends,
            # or comes within the window of its end; or the day ends.
            turns = [day[1], starts, ends, leaves - timedelta(days=window_days) if leaves else None]
            rows.append(
                {
                    "agency_id": agency_id,
                    "course_id": course_id,
                    "window_days": window_days,
                    "version": versions.get(agency_id, 0),
                    **vars(counts),
                    "day_start": day[0],
                    "fresh_from": now,
                    "fresh_until": min(t for t in turns if t is not None),
                }
            )
    _store(session, rows, list(agencies))
    return out


def _changes(agencies: list[uuid.UUID]) -> sa.Select[uuid.UUID, int]:
    """By agency, the sum of its changes: what a tally saw."""
    return (
        sa.select(col(AgencyChange.agency_id), func.sum(AgencyChange.weight).label("seen"))
        .where(col(AgencyChange.agency_id).in_(agencies))
        .group_by(col(AgencyChange.agency_id))
    )


def _fold(session: Session, agencies: list[uuid.UUID]) -> None:
    """Replaces each agency's change rows by one of their sum, which is what tallies compare:
    a change committed meanwhile is folded in or left beside, its weight counted either way."""
    table = AgencyChange.__table__  # type: ignore[attr-defined]
    for chunk in _chunks(sorted(agencies)):
        folded: dict[uuid.UUID, int] = defaultdict(int)
        taken = sa.delete(table).where(table.c.agency_id.in_(chunk))
        for agency_id, weight in session.execute(
            taken.returning(table.c.agency_id, table.c.weight)
        ):
            folded[agency_id] += weight
        if folded:
            session.execute(
                sa.insert(table), [{"agency_id": a, "weight": w} for a, w in folded.items()]
            )


def _grouped(
    agencies: list[uuid.UUID],
    course_id: uuid.UUID,
    day: tuple[datetime, datetime],
    now: datetime,
    soon: datetime,
) -> sa.Select[Any]:
    """By agency, over its current employments, each officer's certifications read from an
    index (ix_credentials_officer_course), those in force on the day joined: officers, holders
    now, holders beyond `soon`, holders on the day, and the earliest future start, end, and
    end beyond `soon` among them (when the counts turn)."""
    valid_from, valid_until = col(Credential.valid_from), col(Credential.valid_until)
    joined = sa.and_(
        col(Credential.officer_id) == Employment.officer_id,
        col(Credential.course_id) == course_id,
        col(Credential.status) == CredentialStatus.ACTIVE,
        valid_until >= day[0],
        valid_from < day[1],
    )
    holder = col(Credential.officer_id)

    def holders(ending_after: datetime) -> Any:
        """Officers with a certification begun by now that ends after `ending_after`."""
        held = sa.and_(valid_from <= now, valid_until > ending_after)
        return func.count(sa.case((held, holder)).distinct())

    def earliest(column: Any, after: datetime) -> Any:
        return func.min(sa.case((column > after, column)))

    return (
        sa.select(
            col(Employment.agency_id),
            func.count(col(Employment.officer_id).distinct()),
            holders(now),
            holders(soon),
            func.count(holder.distinct()),
            earliest(valid_from, now),
            earliest(valid_until, now),
            earliest(valid_until, soon),
        )
        .select_from(Employment)
        .outerjoin(Credential, joined)
        .where(col(Employment.end_date).is_(None), col(Employment.agency_id).in_(agencies))
        .group_by(col(Employment.agency_id))
    )


def _store(session: Session, rows: list[dict[str, Any]], counted: list[uuid.UUID]) -> None:
    """Upserts the tallies (two workers counting the same agency both succeed; an older count
    does not replace a newer one) and folds the `counted` agencies' changes (each time: the
    same statements whatever their number). A failure to write (a lock, a conflict) costs
    only the cache: the counts were answered already."""
    table = AgencyTally.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert: Any = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None or not rows:
        return
    statement = insert(table)
    # One statement, its rows bound as a batch (compiled once, not a 500-row VALUES each time).
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key],
        set_={c.name: statement.excluded[c.name] for c in table.columns if not c.primary_key},
        where=table.c.version <= statement.excluded.version,
    )
    try:
        with session.begin_nested(), _short_wait(session):
            session.execute(statement, rows)
            _fold(session, counted)
    except sa.exc.DBAPIError:
        log.warning("agency tallies not written; counted again next time", exc_info=True)
        return
    keep_cache_writes(session)


@contextmanager
def _short_wait(session: Session) -> Iterator[None]:
    """On SQLite, a read that would write its tallies while another transaction writes waits
    a moment for the lock, not the 30 s a writer waits (registry.db): the tallies can wait for
    the next read, the answer cannot. (PostgreSQL's writers do not lock tallies: only another
    read writing the same rows, for as long as its commit takes.)"""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before or 0)}")

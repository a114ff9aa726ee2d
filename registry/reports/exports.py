"""CSV exports safe to open in Excel: rosters, credentials, coverage and expiring
certifications."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from registry.actors import Actor
from registry.common import utcnow
from registry.credentials.display import SUPERSEDED, VALID, display_state, state_of
from registry.credentials.service import WalletHolder
from registry.dates import local_date
from registry.db import unit_of_work
from registry.errors import InvalidInput
from registry.imports.reading import as_number, csv_chunks, is_yes, to_csv
from registry.people.service import (
    officer_region_id,
)
from registry.reports import service as reports
from registry.tables.credentials import Credential
from registry.tables.people import Agency, Employment, Officer
from registry.tables.training import Course, TrainingClass
from registry.training.standing import roster
from registry.windows import EXPIRING_DEFAULT_DAYS, EXPIRING_MAX_DAYS

ROSTER_HEADER = (
    "post_id",
    "name",
    "hours",
    "missing_modules",
    "written_exam",
    "scenario_evaluation",
    "eligible",
    "reasons",
    "credential_id",
    # A graduate's private wallet link, for coordinators who hand them out (see credentials).
    "wallet_url",
)


def dated_name(stem: str, zone: ZoneInfo, now: datetime) -> str:
    """A download's file name with the program's day ("expiring-90d-2026-12-07.csv"): in
    Denver's evening the server's (UTC's) day is already tomorrow."""
    return f"{stem}-{local_date(now, zone).isoformat()}.csv"


def roster_csv(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    zone: ZoneInfo,
    wallet_url: Callable[[Officer], str] | None = None,
) -> bytes:
    """The class roster; `wallet_url` fills in graduates' wallet links, for coordinators (not
    instructors) and only of officers who serve in their region now."""
    entries = roster(session, actor, class_id, zone).officers
    links: dict[uuid.UUID, str] = {}
    if wallet_url is not None and actor.is_office:
        graduates = [e.officer_id for e in entries if e.credential_id]
        for officer in session.exec(select(Officer).where(col(Officer.id).in_(graduates))):
            if actor.can_act_in(officer_region_id(session, officer.id)):
                links[officer.id] = wallet_url(officer)
    return to_csv(
        ROSTER_HEADER,
        (
            (
                e.post_id,
                e.name,
                as_number(e.hours),
                " ".join(e.missing_modules),
                e.written_exam or "",
                e.scenario_evaluation or "",
                is_yes(e.eligible),
                " ".join(e.reasons),
                e.credential_id or "",
                links.get(e.officer_id, ""),
            )
            for e in entries
        ),
    )


CREDENTIALS_HEADER = (
    "credential_id",
    "post_id",
    "name",
    "course",
    "class",
    "issued",
    "valid_until",
    "status",
    "verify_url",
    # The officer's private wallet link, for coordinators who hand them out; blank for an
    # officer who no longer serves in the coordinator's region (their page is not theirs).
    "wallet_url",
)
PROTECTED_NAME = "(protected)"


# The export's words for the states (its columns predate the pages' words).
CSV_STATES = {VALID: "active", SUPERSEDED: "renewed"}


def streamed_credentials_csv(
    engine: sa.Engine,
    actor: Actor,
    verify_url: Callable[[str], str],
    wallet_url: Callable[[WalletHolder], str],
    zone: ZoneInfo,
) -> Iterator[bytes]:
    """The credentials issued in the actor's region or held by officers serving there, as CSV,
    read in its own read-only transaction a thousand rows at a time as the response is sent
    (the request's own session has ended by then)."""
    with unit_of_work(engine, read_only=True) as session:
        yield from csv_chunks(
            CREDENTIALS_HEADER, credential_rows(session, actor, verify_url, wallet_url, zone)
        )


def credential_rows(
    session: Session,
    actor: Actor,
    verify_url: Callable[[str], str],
    wallet_url: Callable[[WalletHolder], str],
    zone: ZoneInfo,
    now: datetime | None = None,
) -> Iterator[Sequence[object]]:
    """One CSV row per credential, oldest first: plain rows of the columns the file shows (not
    records: the signed token is never read, and a row costs the same at any size). Its two
    days are the program's, as the pages tell them."""
    now = now or utcnow()
    columns: tuple[Any, ...] = (
        col(Credential.id),
        col(Credential.status),
        col(Credential.superseded_by),
        col(Credential.issued_at),
        col(Credential.valid_until),
        col(Officer.id).label("officer_id"),
        col(Officer.post_id),
        col(Officer.first_name),
        col(Officer.last_name),
        col(Officer.protected),
        col(Officer.wallet_key),
        col(Course.code),
        col(TrainingClass.location),
        col(TrainingClass.start_date),
    )
    query = (
        sa.select(*columns)
        .join(Officer, col(Officer.id) == Credential.officer_id)
        .join(Course, col(Course.id) == Credential.course_id)
        .join(TrainingClass, col(TrainingClass.id) == Credential.class_id)
        .order_by(col(Credential.issued_at), col(Credential.id))
    )
    if not actor.is_admin:
        serving_here = (
            select(Employment.officer_id)
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(col(Employment.end_date).is_(None), Agency.region_id == actor.region_id)
        )
        query = query.where(
            or_(
                TrainingClass.region_id == actor.region_id,
                col(Credential.officer_id).in_(serving_here),
            )
        )
    mine = None if actor.is_admin else set(session.exec(serving_here))
    return (
        (
            r.id,
            r.post_id,
            PROTECTED_NAME if r.protected else f"{r.first_name} {r.last_name}",
            r.code,
            f"{r.location} ({r.start_date.isoformat()})",
            local_date(r.issued_at, zone).isoformat(),
            local_date(r.valid_until, zone).isoformat(),
            _status(r.status, r.valid_until, r.superseded_by, now),
            verify_url(r.id),
            wallet_url(r) if mine is None or r.officer_id in mine else "",
        )
        for r in session.execute(query.execution_options(yield_per=1000))
    )


def _status(status: str, valid_until: datetime, superseded_by: str | None, now: datetime) -> str:
    state = display_state(state_of(status, valid_until, now), superseded_by is not None)
    return CSV_STATES.get(state, state)


COVERAGE_HEADER = (
    "region",
    "agency",
    "ori",
    "officers",
    "certified_valid",
    "share_percent",
    "expiring_90_days",
)


def coverage_csv(
    session: Session, actor: Actor, zone: ZoneInfo, now: datetime | None = None
) -> bytes:
    report = reports.coverage(session, actor, zone=zone, now=now, window_days=EXPIRING_DEFAULT_DAYS)
    return to_csv(
        COVERAGE_HEADER,
        (
            (
                r.region,
                r.name,
                r.code,
                r.officers,
                r.certified,
                f"{r.share * 100:.1f}",
                r.expiring,
            )
            for r in report.agencies
        ),
    )


EXPIRING_HEADER = (
    "credential_id",
    "post_id",
    "name",
    "email",
    "agency",
    "valid_until",
    "days_left",
)
MAX_EXPIRING_DAYS = EXPIRING_MAX_DAYS


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_EXPIRING_DAYS:
        raise InvalidInput(
            f"days is a number of days from 1 to {MAX_EXPIRING_DAYS}.", field="days", rule="range"
        )
    return days


def expiring_csv(session: Session, actor: Actor, days: int, zone: ZoneInfo) -> bytes:
    rows = reports.expiring(session, actor, check_days(days))
    return to_csv(
        EXPIRING_HEADER,
        (
            (
                e.credential_id,
                e.post_id,
                e.name,
                e.email or "",
                e.agency or "",
                local_date(e.valid_until, zone).isoformat(),
                e.days_left,
            )
            for e in rows
        ),
    )

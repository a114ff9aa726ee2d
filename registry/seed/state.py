"""Ten years of a state: regions, agencies, officers, classes, signed credentials with their
renewals, CE records and the hash-chained audit trail, written in bulk (scripts/seed-state).

Everything is built in memory first, in the order it happened, then inserted with one
executemany per few thousand rows: the services' one-row-at-a-time paths would take hours at
this size. The credentials are signed for real (the active key, the same `sign_credential` the
registry issues with), so every one of them verifies; the audit trail is chained as
`audit/service.record_many` chains it, with each entry at the time it happened."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from registry.actors import SYSTEM
from registry.audit.chain import audit_table, entry_hash, lock_and_read_head
from registry.common import add_months, new_uuid
from registry.credentials.service import Issuer, ensure_signing_key, sign_credential
from registry.credentials.status import LIST_SIZE
from registry.tables.credentials import Credential, StatusAllocation, StatusList
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import (
    Attendance,
    CERecord,
    Course,
    Enrollment,
    Module,
    Result,
    TrainingClass,
)


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Aaliyah Adam Alex Alicia Amir Ana Andre Angela Ben Bianca Brandon Carla Carlos Chen "
    "Chris Dana Daniel David Deja Diego Elena Eli Emily Eric Fatima Felix Grace Hannah "
    "Hector Ian Imani Isaac Jamal Jasmine Jen Jorge Jose Julia Kai Karen Keisha Kevin Laura "
    "Leah Liam Luis Maria Mark Maya Miguel Mina Nadia Nathan Nina Noah Olivia Omar Paul "
    "Priya Rachel Raj Rosa Ryan Sam Sara Sean Sofia Tara Thomas Tomas Tyler Uma Victor Wei "
    "Will Yara Zoe"
)
LAST = _words(
    "Adams Ahmed Alvarez Anderson Bailey Baker Banks Bell Brooks Brown Bui Campbell Carter "
    "Castillo Chavez Chen Clark Collins Cook Cruz Davis Diaz Dubois Edwards Evans Fischer "
    "Flores Foster Garcia Gomez Gonzalez Gray Green Hall Harris Hernandez Hill Howard "
    "Hughes Jackson James Jenkins Johnson Jones Kelly Kim King Lee Lewis Lopez Martin "
    "Martinez Miller Mitchell Moore Morales Morgan Murphy Nelson Nguyen Novak O'Brien Ortiz "
    "Parker Patel Perez Peterson Phillips Price Ramirez Reed Reyes Richardson Rivera "
    "Roberts Robinson Rodriguez Rogers Ross Russell Sanchez Sanders Scott Shah Silva Smith "
    "Stewart Sullivan Taylor Thomas Thompson Torres Tran Turner Walker Ward Washington "
    "Watson White Williams Wilson Wood Wright Young Zhang"
)
PLACES = _words("Riverside Hillcrest Lakeview Fairmont Oakdale Granite Maple Cedar Summit Harbor")
CLASS_SIZE = 24
BATCH = 5_000


@dataclass(frozen=True)
class Size:
    regions: int = 11
    agencies: int = 500
    officers: int = 50_000
    years: int = 10


@dataclass
class Seeded:
    """What was written, and the seconds each step took (signing is most of it)."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Plan:
    """The rows to write, by table, in the order their foreign keys need."""

    rng: random.Random
    now: datetime
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)

    def audited(
        self, at: datetime, action: str, entity: str, entity_id: object, **after: Any
    ) -> None:
        self.audit.append(
            {
                "at": at,
                "actor": SYSTEM.username,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "before": None,
                "after": {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in after.items()},
            }
        )


def _moment(day: date, hour: int = 17) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _structure(plan: _Plan, size: Size) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    start = plan.now - timedelta(days=365 * size.years + 30)
    regions = []
    for i in range(1, size.regions + 1):
        row = {
            "id": new_uuid(),
            "code": f"R{i:02d}",
            "name": f"Region {i}",
            "contact": f"cit-r{i:02d}@state.example",
            "created_at": start,
        }
        regions.append(row)
        plan.add("regions", row)
        plan.audited(start, "region.create", "region", row["id"], code=row["code"])
    agencies = []
    for i in range(1, size.agencies + 1):
        region = regions[(i - 1) % len(regions)]
        row = {
            "id": new_uuid(),
            "name": f"{plan.rng.choice(PLACES)} {'PD' if i % 4 else 'Sheriff'} {i}",
            "ori": f"ST{i:07d}",
            "region_id": region["id"],
            "created_at": start,
        }
        agencies.append(row)
        plan.add("agencies", row)
        plan.audited(start, "agency.create", "agency", row["id"], ori=row["ori"])
    return regions, agencies


def _officers(plan: _Plan, size: Size, agencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Officers with a current employment; one in twelve transferred once. Agencies differ in
    size as a state's do: a few cities, many small towns (weights fall off as 1/rank)."""
    rng, today = plan.rng, plan.now.date()
    weights = [1 / (rank + 1) for rank in range(len(agencies))]
    homes = rng.choices(agencies, weights=weights, k=size.officers)
    officers = []
    for i, home in enumerate(homes, start=1):
        hired = today - timedelta(days=rng.randrange(60, 365 * 25))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = _moment(max(hired, today - timedelta(days=365 * size.years)), 9)
        row = {
            "id": new_uuid(),
            "post_id": f"P{i:07d}",
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}{i}@agency.example".lower() if rng.random() < 0.7 else None,
            "protected": rng.random() < 0.02,
            "patrol_start_date": hired,
            "wallet_key": secrets.token_urlsafe(32),
            "district": None,
            "shift": None,
            "created_at": created,
            "agency_id": home["id"],
        }
        officers.append(row)
        plan.add("officers", row)
        plan.audited(created, "officer.create", "officer", row["id"])
        joined = hired
        if rng.random() < 1 / 12 and (today - hired).days > 400:
            joined = hired + timedelta(days=rng.randrange(180, (today - hired).days - 30))
            before = rng.choice(agencies)
            plan.add("employments", _employment(row, before, hired, joined))
            plan.audited(_moment(joined, 10), "officer.transfer", "officer", row["id"])
        plan.add("employments", _employment(row, home, joined, None))
        row["_agency"] = home
    return officers


def _employment(
    officer: dict[str, Any], agency: dict[str, Any], start: date, end: date | None
) -> dict[str, Any]:
    return {
        "id": new_uuid(),
        "officer_id": officer["id"],
        "agency_id": agency["id"],
        "start_date": start,
        "end_date": end,
    }


def _classes(
    plan: _Plan, size: Size, officers: list[dict[str, Any]], course: Course, modules: list[Module]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """About half the officers took the 40-hour course once, in their region, at least a year
    after they started patrolling: classes of up to 24, a week long, each with its roster,
    attendance of every module and results (one in thirty fails the scenario evaluation)."""
    rng, today = plan.rng, plan.now.date()
    first_day = today - timedelta(days=365 * size.years)
    queue: dict[tuple[Any, int], list[tuple[date, dict[str, Any]]]] = {}
    for officer in officers:
        ready = max(first_day, officer["patrol_start_date"] + timedelta(days=366))
        if ready >= today - timedelta(days=14) or rng.random() > 0.55:
            continue
        when = ready + timedelta(days=rng.randrange(0, max(1, (today - ready).days - 14)))
        key = (officer["_agency"]["region_id"], (when - first_day).days // 91)
        queue.setdefault(key, []).append((when, officer))
    held = []
    for (region_id, _quarter), waiting in sorted(queue.items(), key=lambda kv: str(kv[0])):
        waiting.sort(key=lambda w: w[0])
        for at in range(0, len(waiting), CLASS_SIZE):
            group = waiting[at : at + CLASS_SIZE]
            start = group[-1][0]
            klass = {
                "id": new_uuid(),
                "course_id": course.id,
                "region_id": region_id,
                "start_date": start,
                "end_date": start + timedelta(days=4),
                "location": f"{rng.choice(PLACES)} Training Center",
                "capacity": CLASS_SIZE,
                "created_by": None,
                "created_at": _moment(start - timedelta(days=30), 9),
            }
            plan.add("classes", klass)
            plan.audited(klass["created_at"], "class.create", "class", klass["id"])
            passed = []
            for _, officer in group:
                _roster_row(plan, klass, officer, modules)
                if rng.random() >= 1 / 30:
                    passed.append(officer)
            held.append((klass, passed))
    return held


def _roster_row(
    plan: _Plan, klass: dict[str, Any], officer: dict[str, Any], modules: list[Module]
) -> None:
    at = klass["created_at"] + timedelta(days=1)
    plan.add(
        "enrollments",
        {"id": new_uuid(), "class_id": klass["id"], "officer_id": officer["id"],
         "enrolled_by": None, "enrolled_at": at},
    )  # fmt: skip
    plan.audited(at, "enrollment.create", "class", klass["id"], officer_id=officer["id"])
    done = _moment(klass["end_date"], 16)
    for m in modules:
        plan.add(
            "attendance",
            {"id": new_uuid(), "class_id": klass["id"], "officer_id": officer["id"],
             "module_id": m.id, "hours": m.hours, "recorded_by": None, "recorded_at": done},
        )  # fmt: skip
    plan.audited(done, "attendance.set", "class", klass["id"], officer_id=officer["id"])
    plan.add(
        "results",
        {"id": new_uuid(), "class_id": klass["id"], "officer_id": officer["id"],
         "written_exam": "pass", "scenario_evaluation": "pass", "recorded_by": None,
         "recorded_at": done},
    )  # fmt: skip
    plan.audited(done, "results.set", "class", klass["id"], officer_id=officer["id"])


class _Slots:
    """Status list indexes at random positions, each list filled before the next opens."""

    def __init__(self, plan: _Plan) -> None:
        self.plan, self.n = plan, 0
        self.free: Iterator[int] = iter(())

    def take(self) -> tuple[int, int]:
        index = next(self.free, None)
        if index is None:
            self.n += 1
            self.plan.add("status_lists", {"n": self.n, "size": LIST_SIZE, "revision": 0,
                                           "created_at": self.plan.now})  # fmt: skip
            order = list(range(LIST_SIZE))
            self.plan.rng.shuffle(order)
            self.free = iter(order)
            index = next(self.free)
        self.plan.add("status_allocations", {"list_n": self.n, "idx": index})
        return self.n, index


CREDENTIAL_COLUMNS = tuple(Credential.model_fields)


def _credentials(
    plan: _Plan, issuer: Issuer, course: Course, held: list[tuple[dict[str, Any], list[Any]]]
) -> int:
    """Each graduate's certification, then its renewals while they kept up their CE (most do,
    a few weeks before expiry); a few in force are revoked or suspended."""
    rng, slots, signed = plan.rng, _Slots(plan), 0
    for klass, passed in held:
        for officer in passed:
            person = Officer(**{k: v for k, v in officer.items() if not k.startswith("_")})
            valid_from = _moment(klass["end_date"])
            valid_until = add_months(valid_from, course.validity_months)
            previous: dict[str, Any] | None = None
            generation = 0
            while valid_from <= plan.now:
                row, entry = sign_credential(
                    issuer, SYSTEM, officer=person, course=course, class_id=klass["id"],
                    slot=slots.take(), valid_from=valid_from, valid_until=valid_until,
                    generation=generation, renewal_of=previous["id"] if previous else None,
                )  # fmt: skip
                signed += 1
                row = {c: row.get(c) for c in CREDENTIAL_COLUMNS}
                plan.add("credentials", row)
                plan.audit.append({**entry, "at": valid_from, "before": None})
                if previous is not None:
                    previous["superseded_by"] = row["id"]
                    plan.audited(valid_from, "credential.renew", "credential", previous["id"],
                                 superseded_by=row["id"], generation=generation)  # fmt: skip
                _ce(plan, officer, course, valid_from, valid_until, row["id"])
                previous, generation = row, generation + 1
                if rng.random() > 0.8:
                    break  # let it lapse
                valid_from = valid_until - timedelta(days=rng.randrange(7, 120))
                valid_until = add_months(valid_until, course.validity_months)
            if previous is not None and previous["valid_until"] > plan.now:
                _maybe_status(plan, previous)
    return signed


def _ce(
    plan: _Plan, officer: dict[str, Any], course: Course, start: datetime, end: datetime,
    credential_id: str,
) -> None:  # fmt: skip
    """The cycle's CE hours, marked used by the renewal that follows (when one does)."""
    if plan.rng.random() > 0.75:
        return
    day = start + timedelta(days=plan.rng.randrange(30, max(31, (end - start).days - 150)))
    if day > plan.now:
        return
    row = {
        "id": new_uuid(),
        "officer_id": officer["id"],
        "course_id": course.id,
        "title": "CIT refresher: de-escalation update",
        "hours": course.ce_hours_per_cycle,
        "completed_on": day.date(),
        "recorded_by": None,
        "recorded_at": day,
        "used_by": None,
        "_cycle_of": credential_id,
    }
    plan.add("ce_records", row)
    plan.audited(day, "ce.record", "ce_record", row["id"], officer_id=officer["id"])


def _maybe_status(plan: _Plan, credential: dict[str, Any]) -> None:
    draw = plan.rng.random()
    if draw < 0.005:
        credential.update(status="revoked", status_reason="Decertified by the POST board.")
    elif draw < 0.008:
        credential.update(status="suspended", status_reason="Under review.")
    else:
        return
    when = plan.now - timedelta(days=plan.rng.randrange(1, 200))
    credential["status_changed_at"] = max(when, credential["valid_from"])
    action = "credential.revoke" if credential["status"] == "revoked" else "credential.suspend"
    plan.audited(credential["status_changed_at"], action, "credential", credential["id"])


def _link_ce(plan: _Plan) -> None:
    """A cycle's CE hours are used by the renewal of that cycle's credential, if it was renewed."""
    superseded = {c["id"]: c["superseded_by"] for c in plan.tables.get("credentials", [])}
    for row in plan.tables.get("ce_records", []):
        row["used_by"] = superseded.get(row.pop("_cycle_of"))


ORDER: tuple[type[SQLModel], ...] = (
    Region, Agency, Officer, Employment, TrainingClass, Enrollment, Attendance, Result,
    StatusList, StatusAllocation, Credential, CERecord,
)  # fmt: skip


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for at in range(0, len(rows), BATCH):
        yield rows[at : at + BATCH]


def _write(engine: sa.Engine, plan: _Plan, say: Callable[[str], None]) -> dict[str, int]:
    counts = {}
    with engine.begin() as connection:
        for model in ORDER:
            table = SQLModel.metadata.tables[str(model.__tablename__)]
            rows = plan.tables.get(table.name, [])
            if table.name == "credentials":
                # renewal_of points back: each generation after the one it renews.
                rows = sorted(rows, key=lambda r: r["generation"])
            clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
            for chunk in _chunks(clean):
                connection.execute(sa.insert(table), chunk)
            counts[table.name] = len(clean)
            say(f"  {table.name}: {len(clean):,}")
        counts["audit_log"] = _write_audit(connection, plan.audit)
    return counts


def _write_audit(connection: sa.Connection, entries: Iterable[dict[str, Any]]) -> int:
    """The trail in the order things happened, chained after whatever the trail holds."""
    table = audit_table()
    last_id, prev_hash = lock_and_read_head(connection, table)
    rows = []
    for given in sorted(entries, key=lambda e: e["at"]):
        last_id += 1
        entry = {"id": last_id, **{k: given[k] for k in
                 ("at", "actor", "action", "entity", "entity_id", "before", "after")}}  # fmt: skip
        entry["prev_hash"] = prev_hash
        entry["hash"] = prev_hash = entry_hash(entry, prev_hash)
        rows.append(entry)
    for chunk in _chunks(rows):
        connection.execute(sa.insert(table), chunk)
    return len(rows)


def seed_state(
    engine: sa.Engine,
    issuer: Issuer,
    size: Size = Size(),
    *,
    now: datetime | None = None,
    seed: int = 24,
    say: Callable[[str], None] = lambda _: None,
) -> Seeded:
    """Writes a state's ten years into an empty, migrated database (refuses one with officers)."""
    ensure_signing_key(issuer)
    with engine.connect() as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(Officer)).scalar_one():
            raise ValueError("the database already holds officers: seed an empty one")
        course = Course(**connection.execute(sa.select(Course).where(sa.column("code") == "CIT-40"))
                        .mappings().one())  # fmt: skip
        modules = [Module(**m) for m in connection.execute(
            sa.select(Module).where(sa.column("course_id") == course.id)).mappings()]  # fmt: skip
    plan = _Plan(
        rng=random.Random(seed),  # noqa: S311 - made-up people, not secrets
        now=now or datetime.now(UTC),
    )
    out = Seeded()
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        out.seconds[name] = time.perf_counter() - clock
        say(f"{name}: {out.seconds[name]:.1f} s")
        clock = time.perf_counter()

    _, agencies = _structure(plan, size)
    officers = _officers(plan, size, agencies)
    held = _classes(plan, size, officers, course, modules)
    step("people and classes built")
    out.counts["signed"] = _credentials(plan, issuer, course, held)
    _link_ce(plan)
    step(f"{out.counts['signed']:,} credentials signed")
    out.counts |= _write(engine, plan, say)
    step("written")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))
    step("analyzed")
    return out

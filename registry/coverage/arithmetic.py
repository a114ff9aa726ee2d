"""The coverage arithmetic, pure: plans, assignments and certification days in, covered slots,
gaps and the officers still to train out. No database, no clock: the caller says which day.

Every day here is a calendar day in the program's local time (`REGISTRY_TIME_ZONE`); a shift
belongs to the day it starts, even when it ends after midnight, so daylight-saving changes never
move a shift to another day. Only `on_duty` reads a moment, as the local wall clock shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

HORIZON_DAYS = 365


class Cause(StrEnum):
    NONE_ASSIGNED = "none assigned"
    NONE_CERTIFIED = "none certified"
    EXPIRED = "certification expires"


@dataclass(frozen=True)
class Rotation:
    """A platoon's cycle: it works on the `on_days` offsets of each `cycle_days` days counted
    from `anchor` (days before the anchor count backwards, in the same cycle)."""

    anchor: date
    cycle_days: int
    on_days: frozenset[int]


@dataclass(frozen=True)
class Shift:
    code: str
    starts: time
    ends: time
    rotation: Rotation | None = None

    def works_on(self, day: date) -> bool:
        if self.rotation is None:
            return True
        offset = (day - self.rotation.anchor).days % self.rotation.cycle_days
        return offset in self.rotation.on_days

    def hours(self, day: date) -> tuple[datetime, datetime]:
        """The shift that starts on `day`, in local wall-clock time; ending at or before its
        start means it ends the next day (an equal time: a 24-hour shift)."""
        start = datetime.combine(day, self.starts)
        end_day = day + timedelta(days=1) if self.ends <= self.starts else day
        return start, datetime.combine(end_day, self.ends)


@dataclass(frozen=True)
class Plan:
    districts: tuple[str, ...]
    shifts: tuple[Shift, ...]


@dataclass(frozen=True)
class Assignment:
    officer_id: uuid.UUID
    district: str
    shift: str


@dataclass(frozen=True)
class Validity:
    """The local days a certification covers: from the day it was issued (a renewal counts once
    issued) through its `validUntil` day, both included."""

    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


def local_validity(valid_from: datetime, valid_until: datetime, zone: ZoneInfo) -> Validity:
    return Validity(valid_from.astimezone(zone).date(), valid_until.astimezone(zone).date())


Validities = Mapping[uuid.UUID, Sequence[Validity]]


@dataclass(frozen=True)
class Gap:
    day: date
    district: str
    shift: str
    cause: Cause


@dataclass
class Slot:
    """One district on one shift, with the officers assigned to it and the days some of them
    hold a certification, merged into disjoint runs."""

    district: str
    shift: Shift
    officers: list[uuid.UUID] = field(default_factory=list)
    runs: list[Validity] = field(default_factory=list)

    def covered(self, day: date) -> bool:
        return any(run.covers(day) for run in self.runs)

    def cause(self, day: date) -> Cause:
        """Why an uncovered day is uncovered: nobody assigned; a certification that ended
        before it (the gap opened the day after it lapsed); or nobody certified yet."""
        if not self.officers:
            return Cause.NONE_ASSIGNED
        if any(run.last < day for run in self.runs):
            return Cause.EXPIRED
        return Cause.NONE_CERTIFIED

    def certified_on(self, day: date, validities: Validities) -> list[uuid.UUID]:
        return [o for o in self.officers if any(v.covers(day) for v in validities.get(o, ()))]

    def first_gap(self, first: date, last: date) -> date | None:
        """The first working day in first..last that no run covers: only the days between runs
        are looked at, at most one cycle of each stretch."""
        day = first
        for run in [*self.runs, Validity(date.max, date.max)]:
            if run.last < day:
                continue
            stretch_end = min(last, run.first - timedelta(days=1))
            probe = day
            for _ in range(_cycle(self.shift)):
                if probe > stretch_end:
                    break
                if self.shift.works_on(probe):
                    return probe
                probe += timedelta(days=1)
            if run.first > last:
                return None
            day = run.last + timedelta(days=1)
            if day > last:
                return None
        return None  # pragma: no cover - the sentinel run ends every walk above


def _cycle(shift: Shift) -> int:
    return shift.rotation.cycle_days if shift.rotation else 1


def _merge(validities: Iterable[Validity]) -> list[Validity]:
    runs: list[Validity] = []
    for v in sorted(validities, key=lambda v: v.first):
        if runs and v.first <= runs[-1].last + timedelta(days=1):
            if v.last > runs[-1].last:
                runs[-1] = Validity(runs[-1].first, v.last)
        else:
            runs.append(v)
    return runs


def slots(plan: Plan, assignments: Iterable[Assignment], validities: Validities) -> list[Slot]:
    """Every (district, shift) of the plan, in the plan's order, with who is assigned there.
    Assignments to codes the plan does not have are left out."""
    by_key = {(d, s.code): Slot(d, s) for d in plan.districts for s in plan.shifts}
    for a in assignments:
        slot = by_key.get((a.district, a.shift))
        if slot is not None:
            slot.officers.append(a.officer_id)
    for slot in by_key.values():
        slot.runs = _merge(v for o in slot.officers for v in validities.get(o, ()))
    return list(by_key.values())


@dataclass(frozen=True)
class DaySummary:
    day: date
    covered: int
    slots: int


@dataclass(frozen=True)
class SlotSummary:
    district: str
    shift: str
    certified_now: int
    assigned: int


@dataclass(frozen=True)
class Coverage:
    slots: list[SlotSummary]
    days: list[DaySummary]
    gaps: list[Gap]
    first_gap: date | None


def coverage(
    plan: Plan,
    assignments: Iterable[Assignment],
    validities: Validities,
    *,
    start: date,
    days: int,
    today: date,
) -> Coverage:
    """Each day of start..start+days-1: the slots that work that day, how many are covered, and
    every gap with its cause; `certified_now` counts certifications valid `today`."""
    all_slots = slots(plan, assignments, validities)
    summaries = [
        SlotSummary(
            s.district, s.shift.code, len(s.certified_on(today, validities)), len(s.officers)
        )
        for s in all_slots
    ]
    day_rows: list[DaySummary] = []
    gaps: list[Gap] = []
    for n in range(days):
        day = start + timedelta(days=n)
        working = [s for s in all_slots if s.shift.works_on(day)]
        covered = 0
        for s in working:
            if s.covered(day):
                covered += 1
            else:
                gaps.append(Gap(day, s.district, s.shift.code, s.cause(day)))
        day_rows.append(DaySummary(day, covered, len(working)))
    return Coverage(summaries, day_rows, gaps, gaps[0].day if gaps else None)


@dataclass(frozen=True)
class Outlook:
    """An agency at a glance, for a region's list: today and the next `HORIZON_DAYS` days."""

    slots: int
    covered_now: int
    first_gap: date | None
    officers_to_train: int


def outlook(
    plan: Plan, assignments: Iterable[Assignment], validities: Validities, today: date
) -> Outlook:
    """`officers_to_train` is the fewest more certified officers that would close every gap of
    today..today+364: the number of slots with a gap in that window.

    Why exactly that many. At most: one more officer assigned to a slot with a gap and certified
    now covers every day of the window (a certification is valid two years, longer than the
    window), so that slot has no gap left; one per slot closes them all. At least: an officer
    works one district on one shift, so one officer covers at most one slot, and every slot with
    a gap needs someone new. Two slots' gaps can never share an officer, whatever their days.
    """
    last = today + timedelta(days=HORIZON_DAYS - 1)
    all_slots = slots(plan, assignments, validities)
    firsts = [s.first_gap(today, last) for s in all_slots]
    open_firsts = [d for d in firsts if d is not None]
    working_today = [s for s in all_slots if s.shift.works_on(today)]
    return Outlook(
        slots=len(all_slots),
        covered_now=sum(1 for s in working_today if s.covered(today)),
        first_gap=min(open_firsts, default=None),
        officers_to_train=len(open_firsts),
    )


@dataclass(frozen=True)
class OnDuty:
    officer_id: uuid.UUID
    district: str
    shift: str
    validity: Validity


def on_duty(
    plan: Plan, assignments: Iterable[Assignment], validities: Validities, wall: datetime
) -> list[OnDuty]:
    """The certified officers on duty when the local clock reads `wall` (naive local time): on
    a shift that works the day it started (today's, or yesterday's still running past
    midnight), certified on that day."""
    running: dict[str, date] = {}
    for shift in plan.shifts:
        for day in (wall.date(), wall.date() - timedelta(days=1)):
            begins, ends = shift.hours(day)
            if shift.works_on(day) and begins <= wall < ends:
                running[shift.code] = day
                break
    out = []
    for a in assignments:
        started = running.get(a.shift)
        if started is None or a.district not in plan.districts:
            continue
        valid = [v for v in validities.get(a.officer_id, ()) if v.covers(started)]
        if valid:
            out.append(OnDuty(a.officer_id, a.district, a.shift, max(valid, key=lambda v: v.last)))
    return out

"""The coverage arithmetic against an independent, naive computation on generated plans: random
districts, fixed and rotating shifts (some across midnight), assignments and certification days,
windows over leap days, and moments around daylight-saving changes in America/Denver."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.coverage.arithmetic import (
    Assignment,
    Cause,
    Plan,
    Rotation,
    Shift,
    Validities,
    Validity,
    coverage,
    local_validity,
    on_duty,
    outlook,
)

DENVER = ZoneInfo("America/Denver")
EARLY, LATE = date(2027, 6, 1), date(2029, 6, 1)
TIMES = [time(6), time(14), time(22), time(18), time(7), time(0), time(23, 30), time(1, 30)]
OFFICERS = [uuid.UUID(int=n) for n in range(1, 9)]


# ---- the naive computation: day by day, nothing shared with the module but the data ----------


def naive_works(shift: Shift, day: date) -> bool:
    if shift.rotation is None:
        return True
    n = day.toordinal() - shift.rotation.anchor.toordinal()
    while n < 0:
        n += shift.rotation.cycle_days
    while n >= shift.rotation.cycle_days:
        n -= shift.rotation.cycle_days
    return n in shift.rotation.on_days


def naive_certified(officer: uuid.UUID, day: date, vals: Validities) -> bool:
    return any(v.first <= day and day <= v.last for v in vals.get(officer, []))


def assigned_to(district: str, shift: str, assignments: list[Assignment]) -> list[uuid.UUID]:
    return [a.officer_id for a in assignments if (a.district, a.shift) == (district, shift)]


def naive_gap(
    district: str, shift: Shift, day: date, assignments: list[Assignment], vals: Validities
) -> Cause | None:
    """None when the slot is covered that day, else why not."""
    officers = assigned_to(district, shift.code, assignments)
    if any(naive_certified(o, day, vals) for o in officers):
        return None
    if not officers:
        return Cause.NONE_ASSIGNED
    firsts = [v.first for o in officers for v in vals.get(o, [])]
    back = day - timedelta(days=1)
    while firsts and back >= min(firsts):
        if any(naive_certified(o, back, vals) for o in officers):
            return Cause.EXPIRED
        back -= timedelta(days=1)
    return Cause.NONE_CERTIFIED


# ---- generated plans -----------------------------------------------------------------------

days_between = st.integers(0, (LATE - EARLY).days).map(lambda n: EARLY + timedelta(days=n))


@st.composite
def rotations(draw: st.DrawFn) -> Rotation:
    cycle = draw(st.integers(1, 14))
    on = draw(st.sets(st.integers(0, cycle - 1), min_size=1))
    return Rotation(draw(days_between), cycle, frozenset(on))


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    districts = draw(st.lists(st.sampled_from(["N", "S", "E", "W"]), min_size=1, unique=True))
    codes = draw(st.lists(st.sampled_from(["D", "SW", "NT", "A", "B"]), min_size=1, unique=True))
    shifts = tuple(
        Shift(
            code,
            draw(st.sampled_from(TIMES)),
            draw(st.sampled_from(TIMES)),
            draw(st.none() | rotations()),
        )
        for code in codes
    )
    return Plan(tuple(districts), shifts)


@st.composite
def validities(draw: st.DrawFn) -> Validity:
    first = draw(days_between)
    return Validity(first, first + timedelta(days=draw(st.integers(0, 400))))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Plan, list[Assignment], dict[uuid.UUID, list[Validity]]]:
    plan = draw(plans())
    assignments = []
    vals: dict[uuid.UUID, list[Validity]] = {}
    for officer in draw(st.lists(st.sampled_from(OFFICERS), unique=True, max_size=8)):
        if draw(st.booleans()):
            district = draw(st.sampled_from(plan.districts))
            shift = draw(st.sampled_from(plan.shifts)).code
            assignments.append(Assignment(officer, district, shift))
        vals[officer] = draw(st.lists(validities(), max_size=3))
    return plan, assignments, vals


@settings(max_examples=150, deadline=None)
@given(world=worlds(), start=days_between, days=st.integers(1, 45), today=days_between)
def test_coverage_matches_a_day_by_day_count(
    world: tuple[Plan, list[Assignment], dict[uuid.UUID, list[Validity]]],
    start: date,
    days: int,
    today: date,
) -> None:
    plan, assignments, vals = world
    result = coverage(plan, assignments, vals, start=start, days=days, today=today)
    expected_gaps = []
    for n in range(days):
        day = start + timedelta(days=n)
        working = [(d, s) for d in plan.districts for s in plan.shifts if naive_works(s, day)]
        gaps = [(d, s, naive_gap(d, s, day, assignments, vals)) for d, s in working]
        found = [(day, d, s.code, cause) for d, s, cause in gaps if cause is not None]
        expected_gaps += found
        row = result.days[n]
        assert (row.day, row.slots, row.covered) == (day, len(working), len(working) - len(found))
    assert [(g.day, g.district, g.shift, g.cause) for g in result.gaps] == expected_gaps
    assert result.first_gap == (expected_gaps[0][0] if expected_gaps else None)
    for summary in result.slots:
        officers = assigned_to(summary.district, summary.shift, assignments)
        assert summary.assigned == len(officers)
        assert summary.certified_now == sum(naive_certified(o, today, vals) for o in officers)


@settings(max_examples=60, deadline=None)
@given(world=worlds(), today=days_between)
def test_the_outlook_matches_a_year_counted_day_by_day(
    world: tuple[Plan, list[Assignment], dict[uuid.UUID, list[Validity]]], today: date
) -> None:
    plan, assignments, vals = world
    result = outlook(plan, assignments, vals, today)
    firsts = []
    for d in plan.districts:
        for s in plan.shifts:
            for n in range(365):
                day = today + timedelta(days=n)
                if naive_works(s, day) and naive_gap(d, s, day, assignments, vals) is not None:
                    firsts.append(day)
                    break
    assert result.officers_to_train == len(firsts)
    assert result.first_gap == min(firsts, default=None)
    assert result.slots == len(plan.districts) * len(plan.shifts)
    assert result.covered_now == sum(
        1
        for d in plan.districts
        for s in plan.shifts
        if naive_works(s, today) and naive_gap(d, s, today, assignments, vals) is None
    )


# Around America/Denver's daylight-saving changes (and one ordinary stretch).
CHANGES = [datetime(2027, 3, 14, 9, tzinfo=UTC), datetime(2027, 11, 7, 8, tzinfo=UTC)]
moments = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from([*CHANGES, datetime(2028, 2, 28, 12, tzinfo=UTC)]),
    st.integers(-3 * 24 * 60, 3 * 24 * 60),
)


@settings(max_examples=150, deadline=None)
@given(world=worlds(), at=moments)
def test_on_duty_matches_the_wall_clock_shift_by_shift(
    world: tuple[Plan, list[Assignment], dict[uuid.UUID, list[Validity]]], at: datetime
) -> None:
    plan, assignments, vals = world
    wall = at.astimezone(DENVER).replace(tzinfo=None)
    shifts = {s.code: s for s in plan.shifts}
    expected = set()
    for a in assignments:
        shift = shifts[a.shift]
        for back in range(3):
            day = wall.date() - timedelta(days=back)
            begins = datetime(day.year, day.month, day.day, shift.starts.hour, shift.starts.minute)
            length = (shift.ends.hour * 60 + shift.ends.minute) - (
                shift.starts.hour * 60 + shift.starts.minute
            )
            if length <= 0:
                length += 24 * 60
            if (
                naive_works(shift, day)
                and begins <= wall < begins + timedelta(minutes=length)
                and naive_certified(a.officer_id, day, vals)
            ):
                expected.add((a.officer_id, a.district, a.shift))
    got = {(o.officer_id, o.district, o.shift) for o in on_duty(plan, assignments, vals, wall)}
    assert got == expected


# ---- the cases by name ---------------------------------------------------------------------

NIGHT = Shift("N", time(22), time(6))
ONE = uuid.UUID(int=1)


def test_a_night_shift_belongs_to_the_day_it_starts_across_the_fall_back_night() -> None:
    # 2027-11-07: clocks go back at 02:00 MDT; the night of the 6th lasts nine hours.
    plan = Plan(("N",), (NIGHT,))
    vals = {ONE: [Validity(date(2027, 1, 1), date(2027, 11, 6))]}
    duty = [Assignment(ONE, "N", "N")]

    def working(at: datetime) -> bool:
        return bool(on_duty(plan, duty, vals, at.astimezone(DENVER).replace(tzinfo=None)))

    assert working(datetime(2027, 11, 7, 12, 30, tzinfo=UTC))  # 05:30 MST, still the 6th's
    assert not working(datetime(2027, 11, 7, 13, 30, tzinfo=UTC))  # 06:30 MST: over
    # The certification covered the 6th, the night's day; the 7th's night has no one.
    assert not working(datetime(2027, 11, 8, 5, 30, tzinfo=UTC))  # 22:30 on the 7th
    gaps = coverage(plan, duty, vals, start=date(2027, 11, 6), days=2, today=date(2027, 11, 6))
    assert [(g.day, g.cause) for g in gaps.gaps] == [(date(2027, 11, 7), Cause.EXPIRED)]


def test_the_spring_forward_night_ends_at_six_on_the_clock() -> None:
    plan = Plan(("N",), (NIGHT,))
    vals = {ONE: [Validity(date(2027, 1, 1), date(2028, 1, 1))]}
    duty = [Assignment(ONE, "N", "N")]
    wall = datetime(2027, 3, 14, 11, 30, tzinfo=UTC).astimezone(DENVER).replace(tzinfo=None)
    assert wall == datetime(2027, 3, 14, 5, 30)  # MDT already
    assert on_duty(plan, duty, vals, wall)
    assert not on_duty(plan, duty, vals, wall + timedelta(hours=1))


def test_a_two_two_three_rotation_works_its_on_days_before_and_after_the_anchor() -> None:
    platoon = Shift(
        "A", time(6), time(18), Rotation(date(2027, 1, 4), 14, frozenset({0, 1, 4, 5, 6, 9, 10}))
    )
    worked = [n for n in range(-14, 14) if platoon.works_on(date(2027, 1, 4) + timedelta(days=n))]
    assert worked == [-14, -13, -10, -9, -8, -5, -4, 0, 1, 4, 5, 6, 9, 10]


def test_the_leap_day_is_a_day_like_any_other() -> None:
    plan = Plan(("N",), (Shift("D", time(6), time(14)),))
    vals = {ONE: [Validity(date(2026, 3, 1), date(2028, 2, 28))]}
    result = coverage(
        plan,
        [Assignment(ONE, "N", "D")],
        vals,
        start=date(2028, 2, 28),
        days=3,
        today=date(2028, 2, 28),
    )
    assert [d.day for d in result.days] == [date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]
    assert result.first_gap == date(2028, 2, 29)


def test_a_certification_covers_its_valid_until_day_in_local_time() -> None:
    # 03:00 UTC on New Year's Day is still New Year's Eve in Denver.
    v = local_validity(
        datetime(2026, 12, 31, 20, tzinfo=UTC), datetime(2029, 1, 1, 3, tzinfo=UTC), DENVER
    )
    assert v == Validity(date(2026, 12, 31), date(2028, 12, 31))


def test_nobody_assigned_and_nobody_certified_are_told_apart() -> None:
    plan = Plan(("N", "S"), (Shift("D", time(6), time(14)),))
    vals: dict[uuid.UUID, list[Validity]] = {ONE: []}
    result = coverage(
        plan,
        [Assignment(ONE, "N", "D")],
        vals,
        start=date(2027, 1, 1),
        days=1,
        today=date(2027, 1, 1),
    )
    assert [(g.district, g.cause) for g in result.gaps] == [
        ("N", Cause.NONE_CERTIFIED),
        ("S", Cause.NONE_ASSIGNED),
    ]
    assert outlook(plan, [Assignment(ONE, "N", "D")], vals, date(2027, 1, 1)).officers_to_train == 2


def test_a_certification_ending_today_opens_the_gap_tomorrow() -> None:
    plan = Plan(("N",), (Shift("D", time(6), time(14)),))
    today = date(2027, 5, 1)
    vals = {ONE: [Validity(date(2026, 1, 1), today), Validity(date(2027, 6, 1), date(2029, 1, 1))]}
    result = outlook(plan, [Assignment(ONE, "N", "D")], vals, today)
    assert (result.covered_now, result.first_gap, result.officers_to_train) == (
        1,
        today + timedelta(days=1),
        1,
    )

"""The reads behind coverage: plans, assignments and certification days of a set of agencies in
a fixed number of queries (however many agencies and officers), then the arithmetic."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from registry.actors import Actor, Role
from registry.common import copied, utcnow
from registry.coverage import arithmetic as ar
from registry.coverage import schemas
from registry.coverage.service import agency_for
from registry.dates import local_date
from registry.errors import NotFound
from registry.reports import tallies
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.patrol import PatrolDistrict, PatrolShift
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import Course

COURSE = tallies.COURSE


@dataclass(frozen=True)
class Person:
    """The columns of an officer coverage reads (a whole state's officers load as plain rows,
    not ORM objects: at 8,000 officers that was most of a rollup's time)."""

    id: uuid.UUID
    first_name: str
    last_name: str
    post_id: str
    district: str | None
    shift: str | None


@dataclass
class Agencies:
    """Everything coverage needs of some agencies, read at once."""

    plans: dict[uuid.UUID, ar.Plan] = field(default_factory=dict)
    staff: dict[uuid.UUID, list[Person]] = field(default_factory=lambda: defaultdict(list))
    validities: dict[uuid.UUID, list[ar.Validity]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # The validUntil behind each officer's validity, to show the real moment.
    until: dict[tuple[uuid.UUID, ar.Validity], datetime] = field(default_factory=dict)

    def plan(self, agency_id: uuid.UUID) -> ar.Plan:
        return self.plans.get(agency_id, ar.Plan((), ()))

    def assignments(self, agency_id: uuid.UUID) -> list[ar.Assignment]:
        return [
            ar.Assignment(o.id, o.district, o.shift)
            for o in self.staff.get(agency_id, [])
            if o.district is not None and o.shift is not None
        ]


def _shift(row: PatrolShift) -> ar.Shift:
    rotation = None
    if row.anchor is not None and row.cycle_days and row.on_days:
        on = frozenset(int(n) for n in row.on_days.split(","))
        rotation = ar.Rotation(row.anchor, row.cycle_days, on)
    return ar.Shift(row.code, row.starts, row.ends, rotation)


def read(
    session: Session,
    which: ColumnElement[bool],
    zone: ZoneInfo,
    since: datetime | None = None,
) -> Agencies:
    """Plans, current staff and CIT certifications in force (active) of the agencies `which`
    selects: four queries. With `since`, certifications that ended before it are left out (ten
    years of a state hold five expired ones for each in force)."""
    ids = select(Agency.id).where(which)
    out = Agencies()
    districts: dict[uuid.UUID, list[str]] = defaultdict(list)
    for d in session.exec(
        select(PatrolDistrict)
        .where(col(PatrolDistrict.agency_id).in_(ids))
        .order_by(col(PatrolDistrict.position))
    ):
        districts[d.agency_id].append(d.code)
    shifts: dict[uuid.UUID, list[ar.Shift]] = defaultdict(list)
    for s in session.exec(
        select(PatrolShift)
        .where(col(PatrolShift.agency_id).in_(ids))
        .order_by(col(PatrolShift.position))
    ):
        shifts[s.agency_id].append(_shift(s))
    for agency_id in districts.keys() | shifts.keys():
        out.plans[agency_id] = ar.Plan(
            tuple(districts.get(agency_id, ())), tuple(shifts.get(agency_id, ()))
        )
    current = (col(Employment.end_date).is_(None), col(Employment.agency_id).in_(ids))
    for agency_id, *person in session.execute(
        sa.select(
            col(Employment.agency_id),
            col(Officer.id),
            col(Officer.first_name),
            col(Officer.last_name),
            col(Officer.post_id),
            col(Officer.district),
            col(Officer.shift),
        )
        .join(Employment, col(Employment.officer_id) == Officer.id)
        .where(*current)
        .order_by(col(Officer.last_name), col(Officer.first_name))
    ):
        out.staff[agency_id].append(Person(*person))
    ended = () if since is None else (col(Credential.valid_until) > since,)
    for officer_id, valid_from, valid_until in session.exec(
        select(Credential.officer_id, Credential.valid_from, Credential.valid_until)
        .join(Course, col(Course.id) == Credential.course_id)
        .join(Employment, col(Employment.officer_id) == Credential.officer_id)
        .where(
            Course.code == COURSE,
            Credential.status == CredentialStatus.ACTIVE,
            *current,
            *ended,
        )
    ):
        validity = ar.local_validity(valid_from, valid_until, zone)
        out.validities[officer_id].append(validity)
        out.until[(officer_id, validity)] = valid_until
    return out


def agency_coverage(
    session: Session,
    actor: Actor,
    agency_id: uuid.UUID,
    zone: ZoneInfo,
    start: date | None,
    days: int,
    now: datetime | None = None,
) -> schemas.AgencyCoverage:
    agency = agency_for(session, actor, agency_id)
    data = read(session, col(Agency.id) == agency.id, zone)
    today = local_date(now or utcnow(), zone)
    result = ar.coverage(
        data.plan(agency.id),
        data.assignments(agency.id),
        data.validities,
        start=start or today,
        days=days,
        today=today,
    )
    return schemas.AgencyCoverage(
        agency=schemas.AgencyRef(id=agency.id, name=agency.name, ori=agency.ori),
        slots=[schemas.SlotPublic(**vars(s)) for s in result.slots],
        days=[schemas.DayPublic(date=d.day, covered=d.covered, slots=d.slots) for d in result.days],
        gaps=[
            schemas.GapPublic(date=g.day, district=g.district, shift=g.shift, cause=g.cause.value)
            for g in result.gaps
        ],
        first_gap=result.first_gap,
    )


def region_outlook(
    session: Session,
    actor: Actor,
    region_code: str | None,
    zone: ZoneInfo,
    now: datetime | None = None,
    certified: dict[uuid.UUID, int] | None = None,
) -> list[schemas.AgencyOutlook]:
    """Each agency of the region (the administrator: of every region, without one), ordered by
    its first gap (soonest first; none last), then name. Another region's code answers as an
    unknown one does. `certified`: the officers certified today by agency, when the caller has
    counted them already (the console's page, with reports.coverage), else counted here."""
    if actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise NotFound("No region with this code.", field="region", rule="exists")
    which: ColumnElement[bool]
    if region_code is None and actor.is_admin:
        which = col(Agency.id).is_not(None)
    else:
        code = (region_code or actor.region_code or "").strip().upper()
        region = session.exec(select(Region).where(Region.code == code)).first()
        if region is None or not actor.can_act_in(region.id):
            raise NotFound("No region with this code.", field="region", rule="exists")
        which = col(Agency.region_id) == region.id
    agencies = session.exec(select(Agency).where(which)).all()
    now = now or utcnow()
    today = local_date(now, zone)
    # Slots, and so staff, only where there is a plan; the count of certified officers from
    # the agencies' tallies: the page costs what the plans hold, not what a state's 50,000
    # officers do. The outlook
    # looks from today on: a certification that ended days ago changes nothing.
    planned = and_(which, col(Agency.id).in_(select(PatrolShift.agency_id)))
    data = read(session, planned, zone, since=now - timedelta(days=2))
    if certified is None:
        counts = tallies.counts_by_agency(session, [a.id for a in agencies], zone=zone, now=now)
        certified = {agency_id: c.on_day for agency_id, c in counts.items()}
    rows = []
    for agency in agencies:
        look = ar.outlook(data.plan(agency.id), data.assignments(agency.id), data.validities, today)
        rows.append(
            copied(
                schemas.AgencyOutlook,
                look,
                agency_id=agency.id,
                name=agency.name,
                officers_certified=certified.get(agency.id, 0),
            )
        )
    rows.sort(key=lambda r: (r.first_gap is None, r.first_gap or date.max, r.name))
    return rows


@dataclass(frozen=True)
class Total:
    """A total row under a region's (or the state's) agencies by first gap."""

    label: str
    agencies: int
    with_gap: int
    slots: int
    covered_now: int
    officers_certified: int
    officers_to_train: int


def totals(session: Session, rows: list[schemas.AgencyOutlook], state: bool) -> list[Total]:
    """A total for each region the rows come from, then with `state` the state's: one query
    (each agency's region), whatever the number of agencies."""
    region_of = dict(
        session.exec(
            select(Agency.id, Region.code)
            .join(Region, col(Region.id) == Agency.region_id)
            .where(col(Agency.id).in_([r.agency_id for r in rows]))
        ).all()
    )
    groups: dict[str, list[schemas.AgencyOutlook]] = defaultdict(list)
    for row in rows:
        groups[f"Region {region_of[row.agency_id]}"].append(row)
    if state:
        groups = {**dict(sorted(groups.items())), "State": rows}
    return [
        Total(
            label=label,
            agencies=len(members),
            with_gap=sum(1 for r in members if r.first_gap is not None),
            slots=sum(r.slots for r in members),
            covered_now=sum(r.covered_now for r in members),
            officers_certified=sum(r.officers_certified for r in members),
            officers_to_train=sum(r.officers_to_train for r in members),
        )
        for label, members in groups.items()
    ]


def on_duty(
    session: Session, actor: Actor, agency_id: uuid.UUID, zone: ZoneInfo, at: datetime | None
) -> schemas.OnDuty:
    """The certified officers on duty at `at` (now when not given; a time without an offset is
    the program's local time), every district of the plan listed, staffed or not. The agency's
    dispatch account reads it too."""
    agency = agency_for(session, actor, agency_id, on_duty=True)
    moment = (at or datetime.now(zone)).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    data = read(session, col(Agency.id) == agency.id, zone)
    plan = data.plan(agency.id)
    wall = moment.astimezone(zone).replace(tzinfo=None)
    names = {o.id: o for o in data.staff.get(agency.id, [])}
    by_district: dict[str, list[schemas.OnDutyOfficer]] = {d: [] for d in plan.districts}
    for duty in ar.on_duty(plan, data.assignments(agency.id), data.validities, wall):
        officer = names[duty.officer_id]
        by_district[duty.district].append(
            schemas.OnDutyOfficer(
                officer_id=officer.id,
                name=f"{officer.first_name} {officer.last_name}",
                post_id=officer.post_id,
                shift=duty.shift,
                valid_until=data.until[(officer.id, duty.validity)],
            )
        )
    return schemas.OnDuty(
        at=moment,
        districts=[schemas.OnDutyDistrict(code=d, officers=o) for d, o in by_district.items()],
    )


def agency_officers(
    session: Session,
    actor: Actor,
    agency_id: uuid.UUID,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> list[schemas.AgencyOfficer]:
    """The agency's officers now, with their assignment and the last day their certification
    in force today covers (None: not certified today)."""
    agency = agency_for(session, actor, agency_id)
    return _people(
        read(session, col(Agency.id) == agency.id, zone),
        agency.id,
        local_date(now or utcnow(), zone),
    )


def _people(data: Agencies, agency_id: uuid.UUID, today: date) -> list[schemas.AgencyOfficer]:
    out = []
    for o in data.staff.get(agency_id, []):
        covering = [v.last for v in data.validities.get(o.id, ()) if v.covers(today)]
        out.append(
            schemas.AgencyOfficer(
                officer_id=o.id,
                post_id=o.post_id,
                name=f"{o.first_name} {o.last_name}",
                district=o.district,
                shift=o.shift,
                certified_until=max(covering, default=None),
            )
        )
    return out


@dataclass(frozen=True)
class SlotToday:
    """One cell of today's district x shift matrix, and what stands behind the slot."""

    district: str
    shift: str
    works_today: bool
    covered_today: bool
    cause: str | None
    certified_now: int
    assigned: int
    first_gap: date | None
    gap_days: int
    officers: list[schemas.AgencyOfficer]


@dataclass(frozen=True)
class Overview:
    """An agency's coverage page: today's matrix, the next 365 days, the slots with gaps."""

    agency: schemas.AgencyRef
    today: date
    districts: list[str]
    shifts: list[str]
    slots: list[SlotToday]
    days: list[ar.DaySummary]
    unassigned: list[schemas.AgencyOfficer]

    def cell(self, district: str, shift: str) -> SlotToday:
        return next(s for s in self.slots if (s.district, s.shift) == (district, shift))


def overview(
    session: Session,
    actor: Actor,
    agency_id: uuid.UUID,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> Overview:
    agency = agency_for(session, actor, agency_id)
    data = read(session, col(Agency.id) == agency.id, zone)
    today = local_date(now or utcnow(), zone)
    plan, assignments = data.plan(agency.id), data.assignments(agency.id)
    result = ar.coverage(
        plan, assignments, data.validities, start=today, days=ar.HORIZON_DAYS, today=today
    )
    gaps: dict[tuple[str, str], list[ar.Gap]] = defaultdict(list)
    for gap in result.gaps:
        gaps[(gap.district, gap.shift)].append(gap)
    people = {o.officer_id: o for o in _people(data, agency.id, today)}
    slots = []
    for slot in ar.slots(plan, assignments, data.validities):
        key = (slot.district, slot.shift.code)
        works, covered = slot.shift.works_on(today), slot.covered(today)
        slots.append(
            SlotToday(
                district=slot.district,
                shift=slot.shift.code,
                works_today=works,
                covered_today=covered,
                cause=slot.cause(today).value if works and not covered else None,
                certified_now=len(slot.certified_on(today, data.validities)),
                assigned=len(slot.officers),
                first_gap=gaps[key][0].day if gaps[key] else None,
                gap_days=len(gaps[key]),
                officers=[people[o] for o in slot.officers],
            )
        )
    return Overview(
        agency=schemas.AgencyRef(id=agency.id, name=agency.name, ori=agency.ori),
        today=today,
        districts=list(plan.districts),
        shifts=[s.code for s in plan.shifts],
        slots=slots,
        days=result.days,
        unassigned=[o for o in people.values() if o.district is None],
    )

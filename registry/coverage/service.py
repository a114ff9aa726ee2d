"""Rules for patrol plans and assignments, and who may see an agency's coverage. The arithmetic is
in `arithmetic.py`, the reads that feed it in `reads.py`."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from sqlmodel import Session, col, delete, select, update

from registry.actors import Actor, Role
from registry.audit.service import record
from registry.coverage import schemas
from registry.errors import NotFound, RuleViolation
from registry.people.service import clean_text
from registry.tables.patrol import PatrolDistrict, PatrolShift
from registry.tables.people import Agency, Employment, Officer


def may_see(actor: Actor, agency: Agency, *, on_duty: bool = False) -> bool:
    """The administrator, a coordinator of the agency's region, the agency's own liaison; and
    for the on-duty list alone (`on_duty`), the agency's own dispatch account."""
    if actor.role is Role.LIAISON or (on_duty and actor.role is Role.DISPATCH):
        return actor.agency_id is not None and actor.agency_id == agency.id
    return actor.role in (Role.ADMIN, Role.COORDINATOR) and actor.can_act_in(agency.region_id)


def agency_for(
    session: Session, actor: Actor, agency_id: uuid.UUID, *, on_duty: bool = False
) -> Agency:
    """The agency, when the actor may see its coverage; to anyone else it answers exactly as an
    unknown id does (a plan tells where and when an agency patrols)."""
    agency = session.get(Agency, agency_id)
    if agency is None or not may_see(actor, agency, on_duty=on_duty):
        raise NotFound("No agency with this id.", field="id", rule="exists")
    return agency


def officer_for(session: Session, actor: Actor, officer_id: uuid.UUID) -> tuple[Officer, Agency]:
    """The officer and the agency they serve at now, by the same rule as `agency_for`."""
    row = session.exec(
        select(Officer, Agency)
        .join(Employment, col(Employment.officer_id) == Officer.id)
        .join(Agency, col(Agency.id) == Employment.agency_id)
        .where(Officer.id == officer_id, col(Employment.end_date).is_(None))
    ).first()
    if row is None or not may_see(actor, row[1]):
        raise NotFound("No officer with this id.", field="id", rule="exists")
    return row


# ---- the plan ------------------------------------------------------------------------------


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def plan_public(session: Session, agency: Agency) -> schemas.PatrolPlan:
    districts = session.exec(
        select(PatrolDistrict)
        .where(PatrolDistrict.agency_id == agency.id)
        .order_by(col(PatrolDistrict.position))
    ).all()
    shifts = session.exec(
        select(PatrolShift)
        .where(PatrolShift.agency_id == agency.id)
        .order_by(col(PatrolShift.position))
    ).all()
    return schemas.PatrolPlan(
        districts=[schemas.District(code=d.code, name=d.name) for d in districts],
        shifts=[shift_public(s) for s in shifts],
    )


def shift_public(s: PatrolShift) -> schemas.Shift:
    rotation = None
    if s.anchor is not None and s.cycle_days and s.on_days:
        rotation = schemas.Rotation(
            anchor=s.anchor,
            cycle_days=s.cycle_days,
            on_days=[int(n) for n in s.on_days.split(",")],
        )
    return schemas.Shift(
        code=s.code,
        name=s.name,
        starts=s.starts.strftime("%H:%M"),
        ends=s.ends.strftime("%H:%M"),
        rotation=rotation,
    )


def _unique(codes: list[str], what: str) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            raise RuleViolation(
                f"The code {code} is given twice.", field=f"{what}[{i}].code", rule="unique"
            )
        seen.add(code)


def _check_rotation(i: int, rotation: schemas.Rotation) -> list[int]:
    days = sorted(set(rotation.on_days))
    if days[0] < 0 or days[-1] >= rotation.cycle_days:
        raise RuleViolation(
            f"on_days are offsets into the cycle: 0 to {rotation.cycle_days - 1}.",
            field=f"shifts[{i}].rotation.on_days",
            rule="in_cycle",
        )
    return days


def replace_plan(
    session: Session, actor: Actor, agency_id: uuid.UUID, data: schemas.PatrolPlan
) -> schemas.PatrolPlan:
    """Replaces the agency's whole plan; officers keep assignments whose codes remain, and
    lose those whose district or shift is gone."""
    agency = agency_for(session, actor, agency_id)
    _unique([d.code for d in data.districts], "districts")
    _unique([s.code for s in data.shifts], "shifts")
    rows: list[Any] = [
        PatrolDistrict(
            agency_id=agency.id,
            code=d.code,
            name=clean_text(d.name, f"districts[{i}].name"),
            position=i,
        )
        for i, d in enumerate(data.districts)
    ]
    for i, s in enumerate(data.shifts):
        on_days = _check_rotation(i, s.rotation) if s.rotation else None
        rows.append(
            PatrolShift(
                agency_id=agency.id,
                code=s.code,
                name=clean_text(s.name, f"shifts[{i}].name"),
                starts=_clock(s.starts),
                ends=_clock(s.ends),
                anchor=s.rotation.anchor if s.rotation else None,
                cycle_days=s.rotation.cycle_days if s.rotation else None,
                on_days=",".join(str(n) for n in on_days) if on_days else None,
                position=i,
            )
        )
    before = plan_public(session, agency)
    session.exec(delete(PatrolDistrict).where(col(PatrolDistrict.agency_id) == agency.id))
    session.exec(delete(PatrolShift).where(col(PatrolShift.agency_id) == agency.id))
    session.add_all(rows)
    staff = select(Employment.officer_id).where(
        Employment.agency_id == agency.id, col(Employment.end_date).is_(None)
    )
    cleared = session.exec(
        update(Officer)
        .where(
            col(Officer.id).in_(staff),
            col(Officer.district).is_not(None),
            (col(Officer.district).not_in([d.code for d in data.districts]))
            | (col(Officer.shift).not_in([s.code for s in data.shifts])),
        )
        .values(district=None, shift=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    after = plan_public(session, agency)
    now = {**after.model_dump(mode="json"), "assignments_cleared": cleared.rowcount or 0}
    record(
        session, actor, "patrol.replace", "agency", agency.id, before.model_dump(mode="json"), now
    )
    return after


# ---- assignments ---------------------------------------------------------------------------


def assign(
    session: Session, actor: Actor, officer_id: uuid.UUID, data: schemas.Assignment | None
) -> schemas.AssignmentPublic:
    """Sets (or, with both codes empty, clears) the district and shift an officer patrols: codes
    of the plan of the agency the officer serves at now."""
    officer, agency = officer_for(session, actor, officer_id)
    district = data.district if data else None
    shift = data.shift if data else None
    if (district is None) != (shift is None):
        missing = "district" if district is None else "shift"
        raise RuleViolation(
            "An assignment is a district and a shift (or neither, to clear it).",
            field=missing,
            rule="required",
        )
    if district is not None:
        check_codes(session, agency.id, district, shift)
    before = {"district": officer.district, "shift": officer.shift}
    officer.district, officer.shift = district, shift
    session.add(officer)
    session.flush()
    now = {"district": district, "shift": shift, "agency_id": str(agency.id)}
    record(session, actor, "officer.assign", "officer", officer.id, before, now)
    return schemas.AssignmentPublic(officer_id=officer.id, district=district, shift=shift)


def check_codes(
    session: Session, agency_id: uuid.UUID, district: str | None, shift: str | None
) -> None:
    """Refuses a district or shift code the agency's plan does not have, naming the field."""
    districts = set(
        session.exec(select(PatrolDistrict.code).where(PatrolDistrict.agency_id == agency_id))
    )
    shifts = set(session.exec(select(PatrolShift.code).where(PatrolShift.agency_id == agency_id)))
    for field, code, known in (("district", district, districts), ("shift", shift, shifts)):
        if code is not None and code not in known:
            raise RuleViolation(
                f"The agency's patrol plan has no {field} {code!r}.", field=field, rule="in_plan"
            )


def assign_many(
    session: Session,
    actor: Actor,
    officer_ids: list[uuid.UUID],
    data: schemas.Assignment | None,
) -> int:
    """The same district and shift (or none) for several officers at once, all or none; each
    officer is checked and audited as `assign` does."""
    for officer_id in officer_ids:
        assign(session, actor, officer_id, data)
    return len(officer_ids)

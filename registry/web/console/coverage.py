"""Console pages for coverage: an agency's district x shift matrix for today, its next 365 days
as a calendar strip (server-drawn SVG: no script, no inline style, prints in grey as well as in
colour), and the slots with gaps with the certifications behind them. Open to the agency's
liaison as well as to the region's coordinators and the administrator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Router, get, post
from litestar.response import Redirect, Template

from registry.accounts.guards import patrol
from registry.coverage import nominations, reads, schemas, service
from registry.coverage.arithmetic import DaySummary
from registry.errors import InvalidInput
from registry.http.deps import AnyRequest, DbSession, PathUUID, ProgramZone
from registry.web.console.common import (
    PREFIX,
    actor_of,
    attempt,
    build,
    page,
    posted,
    text,
)

CELL, STEP, TOP, LEFT = 12, 14, 18, 30
# Light, middle and dark: told apart on a grey printout too.
FILLS = {"covered": "#b7dfb9", "partial": "#e08a00", "none": "#7a0010", "off": "#e3e8ef"}


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    fill: str
    title: str


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    cells: list[Cell]
    months: list[tuple[int, str]]
    weekdays: list[tuple[int, str]]


def strip(days: list[DaySummary]) -> Strip:
    """A calendar heat map: one column a week (Monday on top), one square a day."""
    cells, months = [], []
    if not days:
        return Strip(LEFT, TOP, [], [], [])
    monday = days[0].day - timedelta(days=days[0].day.weekday())
    for d in days:
        week = (d.day - monday).days // 7
        x = LEFT + week * STEP
        if d.slots == 0:
            state, words = "off", "no shift works"
        elif d.covered == d.slots:
            state, words = "covered", f"all {d.slots} slots covered"
        else:
            state = "none" if d.covered == 0 else "partial"
            words = f"{d.covered} of {d.slots} slots covered"
        cells.append(Cell(x, TOP + d.day.weekday() * STEP, FILLS[state], f"{d.day}: {words}"))
        if d.day.day == 1 or d is days[0]:
            months.append(
                (x, d.day.strftime("%b %Y" if d.day.month == 1 or d is days[0] else "%b"))
            )
    weeks = (days[-1].day - monday).days // 7 + 1
    weekdays = [
        (TOP + n * STEP + CELL - 2, name) for n, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    ]
    return Strip(LEFT + weeks * STEP, TOP + 7 * STEP, cells, months, weekdays)


@get("/agencies/{agency_id:uuid}/coverage", guards=[patrol], sync_to_thread=True)
def agency_coverage(
    request: AnyRequest,
    session: DbSession,
    zone: ProgramZone,
    agency_id: PathUUID,
) -> Template:
    actor = actor_of(request)
    view = reads.overview(session, actor, agency_id, zone)
    return page(
        request,
        "agency_coverage.html",
        title=f"Coverage: {view.agency.name}",
        view=view,
        strip=strip(view.days),
        fills=FILLS,
        gaps=[s for s in view.slots if s.first_gap is not None],
        plan_text=plan_text(
            service.plan_public(session, service.agency_for(session, actor, agency_id))
        ),
        staff=reads.agency_officers(session, actor, agency_id, zone),
        nominated=nominations.nominated_at(session, agency_id),
    )


# ---- editing the plan and the assignments ---------------------------------------------------


def plan_text(plan: schemas.PatrolPlan) -> dict[str, str]:
    """The plan as the form shows it: one district or shift a line, fields between bars."""
    shifts = []
    for s in plan.shifts:
        fields = [s.code, s.name, s.starts, s.ends]
        if s.rotation:
            on = " ".join(str(n) for n in s.rotation.on_days)
            fields += [s.rotation.anchor.isoformat(), str(s.rotation.cycle_days), on]
        shifts.append(" | ".join(fields))
    return {
        "districts": "\n".join(f"{d.code} | {d.name}" for d in plan.districts),
        "shifts": "\n".join(shifts),
    }


def parse_plan(districts: str, shifts: str) -> schemas.PatrolPlan:
    """The form's lines read back: `CODE | Name` a district; `CODE | Name | 06:00 | 14:00`
    a shift, with `| 2027-01-04 | 14 | 0 1 4 5 6 9 10` (anchor, cycle days, on-days) after it
    for a rotation. A line that cannot be read is refused, naming it."""
    out: dict[str, list[dict[str, Any]]] = {"districts": [], "shifts": []}
    for n, line in _lines(districts):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 2:
            raise InvalidInput(f"District line {n}: write CODE | Name.", field="districts")
        out["districts"].append({"code": parts[0], "name": parts[1]})
    for n, line in _lines(shifts):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (4, 7):
            raise InvalidInput(
                f"Shift line {n}: write CODE | Name | starts | ends, and for a rotation "
                "| anchor date | cycle days | on-days.",
                field="shifts",
            )
        shift: dict[str, Any] = dict(zip(("code", "name", "starts", "ends"), parts, strict=False))
        if len(parts) == 7:
            on_days = parts[6].replace(",", " ").split()
            shift["rotation"] = {"anchor": parts[4], "cycle_days": parts[5], "on_days": on_days}
        out["shifts"].append(shift)
    return build(schemas.PatrolPlan, out)


def _lines(value: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(value.splitlines(), 1) if line.strip()]


def _back(agency_id: uuid.UUID, anchor: str) -> str:
    return f"{PREFIX}/agencies/{agency_id}/coverage#{anchor}"


@post("/agencies/{agency_id:uuid}/patrol", guards=[patrol])
async def edit_plan(request: AnyRequest, session: DbSession, agency_id: PathUUID) -> Redirect:
    data, actor = await posted(request)
    back = _back(agency_id, "plan")

    def work() -> str:
        plan = parse_plan(text(data, "districts"), text(data, "shifts"))
        service.replace_plan(session, actor, agency_id, plan)
        return "Plan saved."

    return await attempt(session, work, back=back)


@post("/agencies/{agency_id:uuid}/assignments", guards=[patrol])
async def assign_officers(request: AnyRequest, session: DbSession, agency_id: PathUUID) -> Redirect:
    data, actor = await posted(request)
    back = _back(agency_id, "assign")
    district, shift = text(data, "district") or None, text(data, "shift") or None

    def work() -> str:
        service.agency_for(session, actor, agency_id)
        ids = _ticked(data)
        wanted = schemas.Assignment(district=district, shift=shift)
        return f"{service.assign_many(session, actor, ids, wanted)} officers assigned."

    return await attempt(session, work, back=back)


@post("/agencies/{agency_id:uuid}/nominations", guards=[patrol])
async def nominate_officers(
    request: AnyRequest, session: DbSession, agency_id: PathUUID
) -> Redirect:
    """The liaison's "nominate for the next class" (or withdraw) for the ticked officers."""
    data, actor = await posted(request)
    put = text(data, "action") != "withdraw"

    def work() -> str:
        service.agency_for(session, actor, agency_id)
        ids = _ticked(data)
        n = nominations.change_many(session, actor, agency_id, ids, put)
        return f"{n} officer{'' if n == 1 else 's'} " + ("nominated." if put else "withdrawn.")

    return await attempt(session, work, back=_back(agency_id, "nominate"))


def _ticked(data: Any) -> list[uuid.UUID]:
    """The officers ticked on the page; none ticked, or a mangled id, is refused."""
    try:
        ids = [uuid.UUID(v) for v in data.getall("officer_id", []) if isinstance(v, str) and v]
    except ValueError:
        raise InvalidInput("Tick officers from the list.", field="officer_id") from None
    if not ids:
        raise InvalidInput("Tick the officers first.", field="officer_id")
    return ids


# Beside the console's router, whose guard admits staff only: the liaison reads this page too.
LIAISON_PAGES = Router(
    path=PREFIX,
    route_handlers=[agency_coverage, edit_plan, assign_officers, nominate_officers],
    include_in_schema=False,
)

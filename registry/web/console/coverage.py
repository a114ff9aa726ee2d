"""Console pages for coverage: an agency's district x shift matrix for today, its next 365 days
as a calendar strip (server-drawn SVG: no script, no inline style, prints in grey as well as in
colour), and the slots with gaps with the certifications behind them. Open to the agency's
liaison as well as to the region's coordinators and the administrator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request, Router, get
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts.guards import patrol
from registry.coverage import reads
from registry.coverage.arithmetic import DaySummary
from registry.http.deps import DbSession, ProgramZone
from registry.web.console.common import PREFIX, actor_of, page

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
    request: Request[Any, Any, Any],
    session: DbSession,
    zone: ProgramZone,
    agency_id: FromPath[uuid.UUID],
) -> Template:
    view = reads.overview(session, actor_of(request), agency_id, zone)
    return page(
        request,
        "agency_coverage.html",
        title=f"Coverage: {view.agency.name}",
        view=view,
        strip=strip(view.days),
        fills=FILLS,
        gaps=[s for s in view.slots if s.first_gap is not None],
    )


# Beside the console's router, whose guard admits staff only: the liaison reads this page too.
LIAISON_PAGES = Router(path=PREFIX, route_handlers=[agency_coverage], include_in_schema=False)

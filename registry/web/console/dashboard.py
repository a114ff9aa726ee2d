"""The dashboard: this month's classes, graduates waiting, expiring certifications, coverage."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from registry.http.deps import AnyRequest, DbSession
from registry.reports import service as reports
from registry.web.console.charts import coverage_chart
from registry.web.console.common import actor_of, page


@get("/", sync_to_thread=True)
def dashboard(request: AnyRequest, session: DbSession) -> Template:
    actor = actor_of(request)
    board = reports.dashboard(session, actor)
    rows = board.coverage.regions if actor.is_admin else board.coverage.agencies
    return page(
        request,
        "dashboard.html",
        title="Dashboard",
        board=board,
        chart=coverage_chart(rows, by_region=actor.is_admin),
    )

"""HTTP routes for patrol plans, assignments, coverage and the on-duty list (issue 22)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, delete, get, put
from litestar.params import JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from registry.accounts.guards import office, on_duty_readers, patrol
from registry.coverage import nominations, reads, schemas, service
from registry.http.deps import CurrentActor, DbSession, Now, PathUUID, ProgramZone

# The region a list is of (an administrator: every region without one).
RegionCode = Annotated[
    str | None, QueryParameter(max_length=16, description="region code; admin: all without")
]

# The officer-level coverage routes: whoever keeps the agency's patrol (`accounts.guards.patrol`).
_BY_PATROL: dict[str, Any] = {"guards": [patrol], "sync_to_thread": True, "tags": ["coverage"]}
_NOMINATION = "/api/v1/officers/{officer_id:uuid}/nomination"


class PatrolController(Controller):
    path = "/api/v1/agencies/{agency_id:uuid}"
    tags = ("coverage",)

    @get("/patrol", guards=[patrol], sync_to_thread=True)
    def read_plan(
        self, session: DbSession, actor: CurrentActor, agency_id: PathUUID
    ) -> schemas.PatrolPlan:
        return service.plan_public(session, service.agency_for(session, actor, agency_id))

    @put("/patrol", guards=[patrol], sync_to_thread=True)
    def replace_plan(
        self,
        session: DbSession,
        actor: CurrentActor,
        agency_id: PathUUID,
        data: JSONBody[schemas.PatrolPlan],
    ) -> schemas.PatrolPlan:
        return service.replace_plan(session, actor, agency_id, data)

    @get("/coverage", guards=[patrol], sync_to_thread=True)
    def coverage(
        self,
        session: DbSession,
        actor: CurrentActor,
        zone: ProgramZone,
        agency_id: PathUUID,
        start: Annotated[
            date | None, QueryParameter(name="from", description="first day (local), default today")
        ] = None,
        days: Annotated[int, QueryParameter(ge=1, le=366)] = 365,
    ) -> schemas.AgencyCoverage:
        return reads.agency_coverage(session, actor, agency_id, zone, start, days)

    @get("/on-duty", guards=[on_duty_readers], sync_to_thread=True)
    def on_duty(
        self,
        session: DbSession,
        actor: CurrentActor,
        zone: ProgramZone,
        agency_id: PathUUID,
        at: Annotated[
            datetime | None,
            QueryParameter(description="ISO-8601; without an offset: local time; default now"),
        ] = None,
    ) -> schemas.OnDuty:
        return reads.on_duty(session, actor, agency_id, zone, at)

    @get("/officers", guards=[patrol], sync_to_thread=True)
    def officers(
        self,
        session: DbSession,
        actor: CurrentActor,
        zone: ProgramZone,
        agency_id: PathUUID,
    ) -> list[schemas.AgencyOfficer]:
        return reads.agency_officers(session, actor, agency_id, zone)


@put("/api/v1/officers/{officer_id:uuid}/assignment", **_BY_PATROL)
def assign_officer(
    session: DbSession,
    actor: CurrentActor,
    officer_id: PathUUID,
    data: JSONBody[schemas.Assignment | None] = None,
) -> schemas.AssignmentPublic:
    return service.assign(session, actor, officer_id, data)


@put(
    _NOMINATION,
    **_BY_PATROL,
    operation_id="NominateOfficer",
    summary="Put an officer who volunteers forward for the next class",
)
def nominate_officer(
    session: DbSession, actor: CurrentActor, officer_id: PathUUID
) -> dict[str, str]:
    nomination = nominations.nominate(session, actor, officer_id)
    return {
        "officer_id": str(nomination.officer_id),
        "nominated_at": nomination.nominated_at.isoformat(),
    }


@delete(
    _NOMINATION,
    **_BY_PATROL,
    operation_id="WithdrawNomination",
    summary="Withdraw the officer's open nomination",
)
def withdraw_nomination(session: DbSession, actor: CurrentActor, officer_id: PathUUID) -> None:
    nominations.withdraw(session, actor, officer_id)


@get("/api/v1/nominations", guards=[office], sync_to_thread=True, tags=["coverage"])
def list_nominations(
    session: DbSession,
    actor: CurrentActor,
    zone: ProgramZone,
    region: RegionCode = None,
) -> list[nominations.NominationPublic]:
    return nominations.open_nominations(session, actor, region, zone)


@get("/api/v1/coverage", guards=[office], sync_to_thread=True, tags=["coverage"])
def region_coverage(
    session: DbSession,
    actor: CurrentActor,
    zone: ProgramZone,
    now: Now,
    region: RegionCode = None,
) -> list[schemas.AgencyOutlook]:
    return reads.region_outlook(session, actor, region, zone, now)


COVERAGE_HANDLERS: list[ControllerRouterHandler] = [
    PatrolController,
    assign_officer,
    region_coverage,
    nominate_officer,
    withdraw_nomination,
    list_nominations,
]

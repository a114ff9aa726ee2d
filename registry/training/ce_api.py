"""HTTP routes for an officer's continuing-education records."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from registry.accounts.guards import office, staff
from registry.http.deps import CurrentActor, DbSession, Now, PathUUID, ProgramZone
from registry.training import ce


class CEController(Controller):
    path = "/api/v1/officers/{officer_id:uuid}/ce"
    tags = ("continuing education",)

    @post("/", guards=[office], sync_to_thread=True)
    def create(
        self,
        session: DbSession,
        actor: CurrentActor,
        officer_id: PathUUID,
        data: JSONBody[ce.CECreate],
        zone: ProgramZone,
        now: Now,
    ) -> ce.CEPublic:
        return ce.record_ce(session, actor, officer_id, data, zone, now=now)

    @get("/", guards=[staff], sync_to_thread=True)
    def list(
        self, session: DbSession, actor: CurrentActor, officer_id: PathUUID
    ) -> list[ce.CEPublic]:
        return ce.list_ce(session, actor, officer_id)

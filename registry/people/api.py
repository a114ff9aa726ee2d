"""HTTP routes for regions, agencies and officers."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from registry.accounts.guards import admin_only, office, staff
from registry.http.deps import CurrentActor, DbSession, Now, PathUUID, ProgramZone
from registry.people import schemas, search, service


class RegionController(Controller):
    path = "/api/v1/regions"
    tags = ("regions",)

    @post("/", guards=[admin_only], sync_to_thread=True)
    def create(
        self, session: DbSession, actor: CurrentActor, data: JSONBody[schemas.RegionCreate]
    ) -> schemas.RegionPublic:
        return service.region_public(service.create_region(session, actor, data))

    @get("/", guards=[staff], sync_to_thread=True)
    def list(self, session: DbSession) -> list[schemas.RegionPublic]:
        return service.list_regions(session)

    @patch("/{region_code:str}", guards=[admin_only], sync_to_thread=True)
    def update(
        self,
        session: DbSession,
        actor: CurrentActor,
        region_code: FromPath[str],
        data: JSONBody[schemas.RegionUpdate],
    ) -> schemas.RegionPublic:
        return service.region_public(service.update_region(session, actor, region_code, data))


class AgencyController(Controller):
    path = "/api/v1/agencies"
    tags = ("agencies",)

    @post("/", guards=[office], sync_to_thread=True)
    def create(
        self, session: DbSession, actor: CurrentActor, data: JSONBody[schemas.AgencyCreate]
    ) -> schemas.AgencyPublic:
        return service.agency_public(session, service.create_agency(session, actor, data))

    @get("/", guards=[staff], sync_to_thread=True)
    def list(self, session: DbSession, actor: CurrentActor) -> list[schemas.AgencyPublic]:
        return service.list_agencies(session, actor)

    @get("/{agency_id:uuid}", guards=[staff], sync_to_thread=True)
    def read(
        self, session: DbSession, actor: CurrentActor, agency_id: PathUUID
    ) -> schemas.AgencyPublic:
        return service.agency_public(session, service.get_agency_for(session, actor, agency_id))

    @patch("/{agency_id:uuid}", guards=[office], sync_to_thread=True)
    def update(
        self,
        session: DbSession,
        actor: CurrentActor,
        agency_id: PathUUID,
        data: JSONBody[schemas.AgencyUpdate],
    ) -> schemas.AgencyPublic:
        agency = service.update_agency(session, actor, agency_id, data)
        return service.agency_public(session, agency)


class OfficerController(Controller):
    path = "/api/v1/officers"
    tags = ("officers",)

    @post("/", guards=[office], sync_to_thread=True)
    def create(
        self,
        session: DbSession,
        actor: CurrentActor,
        data: JSONBody[schemas.OfficerCreate],
        zone: ProgramZone,
        now: Now,
    ) -> schemas.OfficerPublic:
        made = service.create_officer(session, actor, data, zone, now=now)
        return service.officer_public(session, made)

    @get("/", guards=[staff], sync_to_thread=True)
    def search(
        self,
        session: DbSession,
        actor: CurrentActor,
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="POST id or name")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[schemas.OfficerPublic]:
        return service.officers_public(
            session, search.search_officers(session, actor, q, limit, offset)
        )

    @get("/{officer_id:uuid}", guards=[staff], sync_to_thread=True)
    def read(
        self, session: DbSession, actor: CurrentActor, officer_id: PathUUID
    ) -> schemas.OfficerPublic:
        return service.officer_public(session, service.get_officer_for(session, actor, officer_id))

    @patch("/{officer_id:uuid}", guards=[office], sync_to_thread=True)
    def update(
        self,
        session: DbSession,
        actor: CurrentActor,
        officer_id: PathUUID,
        data: JSONBody[schemas.OfficerUpdate],
        zone: ProgramZone,
        now: Now,
    ) -> schemas.OfficerPublic:
        return service.officer_public(
            session, service.update_officer(session, actor, officer_id, data, zone, now=now)
        )

    @post("/{officer_id:uuid}/transfer", guards=[office], sync_to_thread=True, status_code=200)
    def transfer(
        self,
        session: DbSession,
        actor: CurrentActor,
        officer_id: PathUUID,
        data: JSONBody[schemas.TransferRequest],
    ) -> schemas.OfficerPublic:
        return service.officer_public(
            session, service.transfer_officer(session, actor, officer_id, data)
        )

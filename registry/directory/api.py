"""The public `/agencies` page and the route that sets a region's public contact."""

from __future__ import annotations

from typing import Annotated

from litestar import get, put
from litestar.params import FromPath, JSONBody
from litestar.response import Template
from pydantic import BaseModel, ConfigDict, Field

from registry.accounts.guards import office
from registry.directory import service
from registry.http.deps import CurrentActor, DbSession


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact: Annotated[
        str | None,
        Field(max_length=200, examples=["Jane Roe, 801-555-0100, cit-sl@example.org"]),
    ] = None


class RegionContact(BaseModel):
    code: str
    contact: str | None


@get("/agencies", public=True, include_in_schema=False, sync_to_thread=True)
def agencies_page(session: DbSession) -> Template:
    return Template(
        template_name="agencies.html",
        context={"regions": service.directory(session), "bands": [b for _, b in service.BANDS]},
    )


@put("/api/v1/regions/{region_code:str}/contact", guards=[office], sync_to_thread=True)
def set_contact(
    session: DbSession,
    actor: CurrentActor,
    region_code: FromPath[str],
    data: JSONBody[Contact],
) -> RegionContact:
    region = service.set_contact(session, actor, region_code, data.contact)
    return RegionContact(code=region.code, contact=region.contact)


DIRECTORY_HANDLERS = [agencies_page, set_contact]

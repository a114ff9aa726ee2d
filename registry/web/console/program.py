"""Console pages for the program's structure: regions, agency details, courses and the
program's contact."""

from __future__ import annotations

import uuid

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.guards import admin_only, office
from registry.directory import contact
from registry.directory.service import set_contact
from registry.http.deps import AnyRequest, DbSession, PathUUID
from registry.people import schemas, service
from registry.people.listing import agency_officers
from registry.training.service import course_by_code, course_public, list_courses
from registry.web.console.common import actor_of, attempt, build, page, posted, text
from registry.web.console.once import once

REGIONS = "/console/regions"
CONTACT = "/console/program"


@get("/regions", guards=[admin_only], sync_to_thread=True)
def regions(request: AnyRequest, session: DbSession) -> Template:
    return page(
        request,
        "regions.html",
        title="Regions",
        regions=service.region_summaries(session, actor_of(request)),
    )


@post("/regions", guards=[admin_only])
async def add_region(request: AnyRequest, session: DbSession) -> Redirect:
    data, actor = await posted(request)
    values = {"code": text(data, "code"), "name": text(data, "name")}

    def work() -> str:
        r = service.create_region(session, actor, build(schemas.RegionCreate, values))
        return f"Region {r.code} ({r.name}) added."

    return await attempt(session, once(session, actor, data, work, REGIONS), back=REGIONS)


@post("/regions/{region_code:str}", guards=[admin_only])
async def rename_region(
    request: AnyRequest, session: DbSession, region_code: FromPath[str]
) -> Redirect:
    data, actor = await posted(request)
    values = {"name": text(data, "name")}

    def work() -> str:
        r = service.update_region(session, actor, region_code, build(schemas.RegionUpdate, values))
        return f"Region {r.code} is now named {r.name}."

    return await attempt(session, work, back=REGIONS)


@post("/regions/{region_code:str}/contact", guards=[office])
async def region_contact(
    request: AnyRequest, session: DbSession, region_code: FromPath[str]
) -> Redirect:
    """The region's public contact on `/agencies`, from the Coverage page's form: the region's
    coordinator or the administrator (audited by the directory's service)."""
    data, actor = await posted(request)

    def work() -> str:
        r = set_contact(session, actor, region_code, text(data, "contact"))
        return f"Region {r.code}'s public contact " + ("saved." if r.contact else "removed.")

    return await attempt(session, work, back="/console/coverage#contact")


@get("/agencies/{agency_id:uuid}", guards=[office], sync_to_thread=True)
def agency(request: AnyRequest, session: DbSession, agency_id: PathUUID) -> Template:
    actor = actor_of(request)
    listed = agency_officers(
        session, actor, agency_id, after=_uuid(request.query_params.get("after"))
    )
    return page(
        request,
        "agency.html",
        title=listed.agency.name,
        agency=service.agency_public(session, listed.agency),
        regions=service.list_regions(session) if actor.is_admin else [],
        officers=listed.officers,
        total=listed.total,
        next_after=listed.next_after,
        first_page=request.query_params.get("after") is None,
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    """An officer id from the query, or None (a mangled one starts the list from the top)."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@post("/agencies/{agency_id:uuid}", guards=[office])
async def edit_agency(request: AnyRequest, session: DbSession, agency_id: PathUUID) -> Redirect:
    data, actor = await posted(request)
    values = {"name": text(data, "name"), "ori": text(data, "ori")}
    if text(data, "region"):
        values["region"] = text(data, "region")
    back = f"/console/agencies/{agency_id}"

    def work() -> str:
        service.update_agency(session, actor, agency_id, build(schemas.AgencyUpdate, values))
        return "Saved."

    return await attempt(session, work, back=back)


@get("/courses", sync_to_thread=True)
def courses(request: AnyRequest, session: DbSession) -> Template:
    return page(request, "courses.html", title="Courses", courses=list_courses(session))


@get("/courses/{code:str}", sync_to_thread=True)
def course(request: AnyRequest, session: DbSession, code: FromPath[str]) -> Template:
    found = course_public(session, course_by_code(session, code))
    return page(request, "course.html", title=found.title, course=found)


@get("/program", guards=[admin_only], sync_to_thread=True)
def program_contact(request: AnyRequest, session: DbSession) -> Template:
    found = contact.program_contact(session)
    return page(request, "program.html", title="Program contact", contact=found)


@post("/program", guards=[admin_only])
async def set_program_contact(request: AnyRequest, session: DbSession) -> Redirect:
    data, actor = await posted(request)
    values = {name: text(data, name) or None for name in ("phone", "email", "address")}

    def work() -> str:
        contact.set_program_contact(session, actor, build(contact.ContactUpdate, values))
        return "The program's contact is saved; the public pages show it now."

    return await attempt(session, work, back=CONTACT)


HANDLERS = [
    regions,
    add_region,
    rename_region,
    region_contact,
    agency,
    edit_agency,
    courses,
    course,
    program_contact,
    set_program_contact,
]

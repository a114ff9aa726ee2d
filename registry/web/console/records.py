"""Console pages for agencies and officers: search, add, edit, transfer, mark protected."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template
from sqlmodel import col, select

from registry.accounts.guards import office
from registry.credentials.deps import CurrentIssuer
from registry.credentials.renewal import renewal_options
from registry.dates import local_date
from registry.http.deps import AnyRequest, DbSession, Now, PathUUID, ProgramZone
from registry.people import schemas, search, service
from registry.tables.credentials import Credential
from registry.tables.people import Agency, Region
from registry.tables.training import CERecord, Course
from registry.wallets.copies import copies_of
from registry.web.console.common import (
    actor_of,
    attempt,
    build,
    page,
    posted,
    redirect,
    text,
)
from registry.web.console.once import once


def _regions_in_scope(session: Any, request: AnyRequest) -> list[Region]:
    actor = actor_of(request)
    query = select(Region).order_by(Region.code)
    query = query.where(actor.in_scope(Region.id))
    return list(session.exec(query))


@get("/agencies", sync_to_thread=True)
def agencies(request: AnyRequest, session: DbSession) -> Template:
    return page(
        request,
        "agencies.html",
        title="Agencies",
        agencies=service.list_agencies(session, actor_of(request)),
        regions=_regions_in_scope(session, request),
    )


@post("/agencies", guards=[office])
async def add_agency(request: AnyRequest, session: DbSession) -> Redirect:
    data, actor = await posted(request)
    values = {"name": text(data, "name"), "ori": text(data, "ori"), "region": text(data, "region")}

    def work() -> str:
        a = service.create_agency(session, actor, build(schemas.AgencyCreate, values))
        return f"Agency {a.name} ({a.ori}) added."

    back = "/console/agencies"
    return await attempt(session, once(session, actor, data, work, back), back=back)


def _agencies_for(session: Any, request: AnyRequest) -> list[schemas.AgencyPublic]:
    return service.list_agencies(session, actor_of(request))


@get("/officers", sync_to_thread=True)
def officers(request: AnyRequest, session: DbSession) -> Template:
    actor = actor_of(request)
    q = (request.query_params.get("q") or "").strip()[:100]
    start = _offset(request.query_params.get("from"))
    # One more than the page shows says whether there is a next page: nothing is counted.
    found = search.search_officers(session, actor, q or None, limit=SEARCH_PAGE + 1, offset=start)
    return page(
        request,
        "officers.html",
        title="Officers",
        q=q,
        officers=service.officers_public(session, found[:SEARCH_PAGE]),
        start=start,
        next_from=start + SEARCH_PAGE if len(found) > SEARCH_PAGE else None,
        agencies=_agencies_for(session, request),
    )


SEARCH_PAGE = 50


def _offset(value: str | None) -> int:
    """Where a page of results starts: a mangled or negative `from` starts at the top."""
    try:
        return max(0, min(int(value or 0), 100_000))
    except ValueError:
        return 0


@post("/officers", guards=[office])
async def add_officer(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Redirect:
    data, actor = await posted(request)
    values = {
        "post_id": text(data, "post_id"),
        "agency_id": text(data, "agency_id"),
        **_officer_fields(data),
    }

    def work() -> Redirect:
        new = build(schemas.OfficerCreate, values)
        made = service.create_officer(session, actor, new, zone, now=now)
        return redirect(f"/console/officers/{made.id}", "Officer added.")

    back = "/console/officers"
    return await attempt(session, once(session, actor, data, work, back), back=back)


@get("/officers/{officer_id:uuid}", sync_to_thread=True)
def officer(
    request: AnyRequest,
    issuer: CurrentIssuer,
    session: DbSession,
    officer_id: PathUUID,
    zone: ProgramZone,
    now: Now,
) -> Template:
    actor = actor_of(request)
    record = service.get_officer_for(session, actor, officer_id)
    public = service.officer_public(session, record)
    credentials = list(
        session.exec(
            select(Credential)
            .where(Credential.officer_id == record.id)
            .order_by(col(Credential.issued_at).desc())
        )
    )
    ce = list(
        session.exec(
            select(CERecord, Course)
            .join(Course, col(Course.id) == CERecord.course_id)
            .where(CERecord.officer_id == record.id)
            .order_by(col(CERecord.completed_on).desc())
        )
    )
    all_agencies = session.exec(select(Agency).order_by(Agency.name)).all()
    return page(
        request,
        "officer.html",
        title=f"{record.first_name} {record.last_name}",
        officer=public,
        credentials=credentials,
        now=now,
        ce_records=ce,
        transfer_agencies=[a for a in all_agencies if a.id != public.agency_id],
        wallet_url=issuer.wallet_url(record),
        copies=copies_of(session, record.id),
        can_edit=actor.is_office,
        renewal_options=renewal_options(session, record, zone),
        ce_max_date=local_date(now, zone).isoformat(),
    )


@post("/officers/{officer_id:uuid}", guards=[office])
async def edit_officer(
    request: AnyRequest, session: DbSession, officer_id: PathUUID, zone: ProgramZone, now: Now
) -> Redirect:
    data, actor = await posted(request)
    values = _officer_fields(data)
    back = f"/console/officers/{officer_id}"

    def work() -> str:
        changes = build(schemas.OfficerUpdate, values)
        service.update_officer(session, actor, officer_id, changes, zone, now=now)
        return "Saved."

    return await attempt(session, work, back=back)


def _officer_fields(data: FormMultiDict) -> dict[str, Any]:
    """What the forms that add and edit an officer both ask."""
    return {
        "first_name": text(data, "first_name"),
        "last_name": text(data, "last_name"),
        "patrol_start_date": text(data, "patrol_start_date"),
        "email": text(data, "email") or None,
        "protected": data.get("protected") == "yes",
    }


@post("/officers/{officer_id:uuid}/transfer", guards=[office])
async def transfer(request: AnyRequest, session: DbSession, officer_id: PathUUID) -> Redirect:
    data, actor = await posted(request)
    values = {"agency_id": text(data, "agency_id"), "effective_date": text(data, "effective_date")}
    back = f"/console/officers/{officer_id}"

    def work() -> str:
        service.transfer_officer(session, actor, officer_id, build(schemas.TransferRequest, values))
        return "Transfer recorded; the certification goes with the officer."

    return await attempt(session, work, back=back)


HANDLERS = [agencies, add_agency, officers, add_officer, officer, edit_officer, transfer]

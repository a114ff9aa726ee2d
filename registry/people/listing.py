"""An agency's officers, a page at a time: keyset pagination by name over an index on the
officer's current agency and name, so the first page and the 40th of a city's thousands of
officers each cost what a page of a small town's does (no sort, no OFFSET to walk past)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.people.service import get_agency_for
from registry.tables.people import Agency, Officer

PAGE = 50


@dataclass(frozen=True)
class OfficerPage:
    agency: Agency
    officers: list[Officer]
    total: int
    # The last officer shown when there are more: the `after` of the next page.
    next_after: uuid.UUID | None


def agency_officers(
    session: Session,
    actor: Actor,
    agency_id: uuid.UUID,
    after: uuid.UUID | None = None,
    limit: int = PAGE,
) -> OfficerPage:
    """The officers serving in the agency now, by last name, first name and id, from just
    after the officer `after` (one who does not serve there starts from the top); three
    queries whatever the page, each read off the index on (agency, last name, first name, id):
    no page sorts the agency."""
    agency = get_agency_for(session, actor, agency_id)
    serving = col(Officer.agency_id) == agency.id
    key = (col(Officer.last_name), col(Officer.first_name), col(Officer.id))
    query = select(Officer).where(serving).order_by(*key).limit(limit + 1)
    if after is not None:
        mark = session.exec(
            select(Officer.last_name, Officer.first_name, Officer.id).where(
                Officer.id == after, serving
            )
        ).first()
        if mark is not None:
            query = query.where(sa.tuple_(*key) > sa.tuple_(*mark))
    found = list(session.exec(query))
    total = session.exec(select(sa.func.count()).select_from(Officer).where(serving)).one()
    more = len(found) > limit
    return OfficerPage(agency, found[:limit], total, found[limit - 1].id if more else None)

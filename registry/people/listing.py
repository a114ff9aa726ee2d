"""An agency's officers, a page at a time: keyset pagination by name, so the 40th page of a
city's thousands of officers costs what the first does (no OFFSET to walk past)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.people.service import get_agency_for
from registry.tables.people import Agency, Employment, Officer

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
    queries whatever the page."""
    agency = get_agency_for(session, actor, agency_id)
    serving = (Employment.agency_id == agency.id, col(Employment.end_date).is_(None))
    query = (
        select(Officer)
        .join(Employment, col(Employment.officer_id) == Officer.id)
        .where(*serving)
        .order_by(col(Officer.last_name), col(Officer.first_name), col(Officer.id))
        .limit(limit + 1)
    )
    if after is not None:
        mark = session.exec(
            select(Officer.last_name, Officer.first_name, Officer.id)
            .join(Employment, col(Employment.officer_id) == Officer.id)
            .where(Officer.id == after, *serving)
        ).first()
        if mark is not None:
            key = sa.tuple_(col(Officer.last_name), col(Officer.first_name), col(Officer.id))
            query = query.where(key > sa.tuple_(*mark))
    found = list(session.exec(query))
    total = session.exec(
        select(sa.func.count(col(Employment.officer_id).distinct())).where(*serving)
    ).one()
    more = len(found) > limit
    return OfficerPage(agency, found[:limit], total, found[limit - 1].id if more else None)

"""The public `/agencies` directory and the region contact it prints.

It names no officer and shows no district or shift: a public page that told where a shift has no
CIT officer would tell the wrong people too. Counts are given in bands for the same reason."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from registry.actors import Actor, Role
from registry.audit.service import record
from registry.common import utcnow
from registry.errors import NotFound
from registry.people.service import clean_text
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Agency, Employment, Region
from registry.tables.training import Course

COURSE = "CIT-40"
# (lowest count, label): the first band whose floor the count reaches, read from the top.
DASH = "\N{EN DASH}"  # the bands as the program writes them, with an en dash
BANDS = ((25, "25+"), (10, f"10{DASH}24"), (5, f"5{DASH}9"), (1, f"1{DASH}4"), (0, "none"))


def band(certified: int) -> str:
    return next(label for floor, label in BANDS if certified >= floor)


@dataclass(frozen=True)
class ListedAgency:
    name: str
    ori: str
    certified: str  # a band, never the count


@dataclass
class ListedRegion:
    code: str
    name: str
    contact: str | None
    agencies: list[ListedAgency] = field(default_factory=list)


def directory(session: Session, now: datetime | None = None) -> list[ListedRegion]:
    """Every region with its agencies (by name) and their certified officers now, in bands:
    two queries, whatever the number of agencies."""
    now = now or utcnow()
    certified = dict(
        session.exec(
            select(Employment.agency_id, func.count(col(Credential.officer_id).distinct()))
            .join(Credential, col(Credential.officer_id) == Employment.officer_id)
            .join(Course, col(Course.id) == Credential.course_id)
            .where(
                col(Employment.end_date).is_(None),
                Course.code == COURSE,
                Credential.status == CredentialStatus.ACTIVE,
                col(Credential.valid_from) <= now,
                col(Credential.valid_until) > now,
            )
            .group_by(col(Employment.agency_id))
        ).all()
    )
    regions: dict[uuid.UUID, ListedRegion] = {}
    for region, agency in session.exec(
        select(Region, Agency)
        .outerjoin(Agency, col(Agency.region_id) == Region.id)
        .order_by(col(Region.code), col(Agency.name))
    ):
        listed = regions.setdefault(
            region.id, ListedRegion(region.code, region.name, region.contact)
        )
        if agency is not None:
            listed.agencies.append(
                ListedAgency(agency.name, agency.ori, band(certified.get(agency.id, 0)))
            )
    return list(regions.values())


def set_contact(session: Session, actor: Actor, code: str, contact: str | None) -> Region:
    """How the public reaches a region's coordinator, printed on `/agencies`: set by the
    administrator or the region's own coordinator (another region's code answers as unknown)."""
    region = session.exec(select(Region).where(Region.code == code.strip().upper())).first()
    if region is None or actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise NotFound("No region with this code.", field="code", rule="exists")
    if not actor.can_act_in(region.id):
        raise NotFound("No region with this code.", field="code", rule="exists")
    before = region.contact
    region.contact = clean_text(contact, "contact") if contact and contact.strip() else None
    session.add(region)
    session.flush()
    record(
        session,
        actor,
        "region.contact",
        "region",
        region.id,
        {"contact": before},
        {"contact": region.contact},
    )
    return region

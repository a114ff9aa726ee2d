"""Rules for regions, agencies, officers and transfers between agencies."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from registry.actors import Actor, Role
from registry.audit.service import record, saved, snapshot
from registry.common import copied, utcnow
from registry.dates import local_date, long_date
from registry.db import mark_changed
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from registry.people import schemas
from registry.tables.accounts import User
from registry.tables.people import Agency, Employment, Officer, Region

REGION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
# An ORI: two-letter state code, then seven letters or digits (UT0180000).
ORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")
POST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{field} must not be blank.", field=field, rule="required")
    if CONTROL.search(value):
        raise InvalidInput(
            f"{field} must not contain control characters.", field=field, rule="format"
        )
    return value


# ---- regions ------------------------------------------------------------------------------


def create_region(session: Session, actor: Actor, data: schemas.RegionCreate) -> Region:
    if not actor.is_admin:
        raise Forbidden("Only the program administrator defines regions.", rule="role")
    code = data.code.strip().upper()
    if not REGION_CODE.match(code):
        raise InvalidInput(
            "A region code is 1 to 16 letters, digits or hyphens.", field="code", rule="format"
        )
    if session.exec(select(Region).where(Region.code == code)).first():
        raise Conflict(f"A region with code {code} exists.", field="code", rule="unique")
    region = Region(code=code, name=clean_text(data.name, "name"))
    saved(session, actor, "region.create", "region", region)
    return region


def region_by_code(session: Session, code: str, field: str = "region") -> Region:
    region = session.exec(select(Region).where(Region.code == code.strip().upper())).first()
    if region is None:
        raise NotFound(f"No region with code {code!r}.", field=field, rule="exists")
    return region


def region_public(region: Region) -> schemas.RegionPublic:
    return schemas.RegionPublic(id=region.id, code=region.code, name=region.name)


def list_regions(session: Session) -> list[schemas.RegionPublic]:
    return [region_public(r) for r in session.exec(select(Region).order_by(Region.code))]


def update_region(session: Session, actor: Actor, code: str, data: schemas.RegionUpdate) -> Region:
    """Renames a region; its code stays (codes are printed on reports and used by the API)."""
    if not actor.is_admin:
        raise Forbidden("Only the program administrator changes regions.", rule="role")
    region = region_by_code(session, code, field="code")
    before = snapshot(region)
    region.name = clean_text(data.name, "name")
    saved(session, actor, "region.update", "region", region, before)
    return region


def region_summaries(session: Session, actor: Actor) -> list[schemas.RegionSummary]:
    """Every region with its agencies, officers serving now and coordinators (admin only)."""
    if not actor.is_admin:
        raise Forbidden("Only the program administrator sees every region.", rule="role")
    agencies = dict(
        session.exec(select(Agency.region_id, func.count()).group_by(col(Agency.region_id))).all()
    )
    officers = dict(
        session.exec(
            select(Agency.region_id, func.count(col(Employment.officer_id).distinct()))
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(col(Employment.end_date).is_(None))
            .group_by(col(Agency.region_id))
        ).all()
    )
    coordinators = dict(
        session.exec(
            select(User.region_id, func.count())
            .where(User.role == Role.COORDINATOR)
            .group_by(col(User.region_id))
        ).all()
    )
    return [
        schemas.RegionSummary(
            code=r.code,
            name=r.name,
            agencies=agencies.get(r.id, 0),
            officers=officers.get(r.id, 0),
            coordinators=coordinators.get(r.id, 0),
        )
        for r in session.exec(select(Region).order_by(Region.code))
    ]


# ---- agencies -----------------------------------------------------------------------------


def check_ori(session: Session, ori: str) -> str:
    """The ORI as stored (upper case), refused when malformed or already registered."""
    ori = ori.strip().upper()
    if not ORI.match(ori):
        raise RuleViolation(
            "An ORI is 9 characters: a two-letter state code and seven letters or digits "
            "(for example UT0180000).",
            field="ori",
            rule="ori_format",
        )
    if session.exec(select(Agency).where(Agency.ori == ori)).first():
        raise Conflict(f"An agency with ORI {ori} exists.", field="ori", rule="unique")
    return ori


def create_agency(session: Session, actor: Actor, data: schemas.AgencyCreate) -> Agency:
    region = region_by_code(session, data.region)
    actor.require_region(region.id, "region")
    ori = check_ori(session, data.ori)
    agency = Agency(name=clean_text(data.name, "name"), ori=ori, region_id=region.id)
    saved(session, actor, "agency.create", "agency", agency)
    return agency


def get_agency(session: Session, agency_id: uuid.UUID, field: str = "agency_id") -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("No agency with this id.", field=field, rule="exists")
    return agency


def get_agency_for(session: Session, actor: Actor, agency_id: uuid.UUID) -> Agency:
    """An agency the actor may change: one of their region (agencies are public bodies with
    published ORIs, so another region's is refused as such, not hidden)."""
    agency = get_agency(session, agency_id, field="id")
    actor.require_region(agency.region_id, "agency")
    return agency


def update_agency(
    session: Session, actor: Actor, agency_id: uuid.UUID, data: schemas.AgencyUpdate
) -> Agency:
    """Renames an agency or corrects its ORI; moving it to another region is the
    administrator's alone, since its officers then belong to that region."""
    agency = get_agency_for(session, actor, agency_id)
    before = snapshot(agency)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is not None:
        agency.name = clean_text(changes["name"], "name")
    if changes.get("ori") is not None and changes["ori"].strip().upper() != agency.ori:
        agency.ori = check_ori(session, changes["ori"])
    if changes.get("region") is not None:
        region = region_by_code(session, changes["region"])
        if region.id != agency.region_id:
            if not actor.is_admin:
                raise Forbidden(
                    "Only the program administrator moves an agency to another region.",
                    field="region",
                    rule="role",
                )
            agency.region_id = region.id
    saved(session, actor, "agency.update", "agency", agency, before)
    return agency


def agency_public(session: Session, agency: Agency) -> schemas.AgencyPublic:
    region = session.get(Region, agency.region_id)
    return schemas.AgencyPublic(
        id=agency.id, name=agency.name, ori=agency.ori, region=region.code if region else ""
    )


def list_agencies(session: Session, actor: Actor) -> list[schemas.AgencyPublic]:
    query = select(Agency, Region).join(Region, col(Region.id) == Agency.region_id)
    query = query.where(actor.in_scope(Agency.region_id))
    return [
        schemas.AgencyPublic(id=a.id, name=a.name, ori=a.ori, region=r.code)
        for a, r in session.exec(query.order_by(Agency.name))
    ]


# ---- officers -----------------------------------------------------------------------------


def current_employment(session: Session, officer_id: uuid.UUID) -> Employment | None:
    return session.exec(
        select(Employment)
        .where(Employment.officer_id == officer_id, col(Employment.end_date).is_(None))
        .order_by(col(Employment.start_date).desc())
    ).first()


def officer_region_id(session: Session, officer_id: uuid.UUID) -> uuid.UUID | None:
    employment = current_employment(session, officer_id)
    agency = session.get(Agency, employment.agency_id) if employment else None
    return agency.region_id if agency else None


def _check_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip()
    if not EMAIL.match(email):
        raise InvalidInput("email is not an email address.", field="email", rule="format")
    return email


def _check_patrol_start(value: date, zone: ZoneInfo, now: datetime | None) -> date:
    # The day the coordinator types is the program's: in Denver's evening, UTC's today is
    # tomorrow, and an officer who starts tomorrow has not patrolled yet.
    if value > local_date(now or utcnow(), zone):
        raise RuleViolation(
            "patrol_start_date cannot be in the future.",
            field="patrol_start_date",
            rule="not_future",
        )
    return value


def create_officer(
    session: Session,
    actor: Actor,
    data: schemas.OfficerCreate,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> Officer:
    agency = get_agency(session, data.agency_id)
    actor.require_region(agency.region_id, "agency")
    post_id = data.post_id.strip().upper()
    if not POST_ID.match(post_id):
        raise InvalidInput(
            "A POST id is 1 to 32 letters, digits or hyphens.", field="post_id", rule="format"
        )
    if session.exec(select(Officer).where(Officer.post_id == post_id)).first():
        raise Conflict(
            f"An officer with POST id {post_id} is already registered.",
            field="post_id",
            rule="unique",
        )
    officer = Officer(
        post_id=post_id,
        first_name=clean_text(data.first_name, "first_name"),
        last_name=clean_text(data.last_name, "last_name"),
        email=_check_email(data.email),
        protected=data.protected,
        patrol_start_date=_check_patrol_start(data.patrol_start_date, zone, now),
        wallet_key=secrets.token_urlsafe(32),
        agency_id=agency.id,
    )
    session.add(officer)
    session.flush()
    employment = Employment(
        officer_id=officer.id, agency_id=agency.id, start_date=data.patrol_start_date
    )
    session.add(employment)
    session.flush()
    record(
        session,
        actor,
        "officer.create",
        "officer",
        officer.id,
        after={**(snapshot(officer) or {}), "agency_id": str(agency.id)},
    )
    return officer


def get_officer_for(
    session: Session, actor: Actor, officer_id: uuid.UUID, field: str = "id"
) -> Officer:
    """The officer, when the actor may act in the region the officer serves in now.

    A region owns its officers: to anyone else an officer of another region (or one with no
    current employment) answers exactly as an unknown id does, so an id learnt somewhere cannot
    be used to read, change, enroll or move the officer, nor to learn that the officer exists.
    """
    officer = session.get(Officer, officer_id)
    if officer is None or not actor.can_act_in(officer_region_id(session, officer.id)):
        raise NotFound("No officer with this id.", field=field, rule="exists")
    return officer


def officer_by_post_id_for(
    session: Session, actor: Actor, post_id: str, field: str = "post_id"
) -> Officer:
    """The officer with this POST id, by the same rule as `get_officer_for`: an officer of
    another region answers exactly as an unknown POST id does."""
    wanted = post_id.strip().upper()
    officer = (
        session.exec(select(Officer).where(Officer.post_id == wanted)).first()
        if POST_ID.match(wanted)
        else None
    )
    if officer is None or not actor.can_act_in(officer_region_id(session, officer.id)):
        raise NotFound(
            f"No officer with POST id {wanted or '(blank)'}.", field=field, rule="exists"
        )
    return officer


def officer_public(session: Session, officer: Officer) -> schemas.OfficerPublic:
    return officers_public(session, [officer])[0]


def officers_public(session: Session, officers: list[Officer]) -> list[schemas.OfficerPublic]:
    """The public form of each officer, with employments, current agency and region: one query
    for all of them (a page of a search costs the same whatever its length)."""
    rows = session.exec(
        select(Employment, Agency, Region)
        .join(Agency, col(Agency.id) == Employment.agency_id)
        .join(Region, col(Region.id) == Agency.region_id)
        .where(col(Employment.officer_id).in_([o.id for o in officers]))
        .order_by(col(Employment.start_date), col(Employment.end_date).is_(None))
    ).all()
    by_officer: dict[uuid.UUID, list[tuple[Employment, Agency, Region]]] = {}
    for row in rows:
        by_officer.setdefault(row[0].officer_id, []).append(row)
    out = []
    for officer in officers:
        mine = by_officer.get(officer.id, [])
        current = next(((e, r) for e, _, r in mine if e.end_date is None), None)
        out.append(
            copied(
                schemas.OfficerPublic,
                officer,
                agency_id=current[0].agency_id if current else None,
                region=current[1].code if current else None,
                employments=[
                    copied(schemas.EmploymentPublic, e, agency_name=a.name, ori=a.ori)
                    for e, a, _ in mine
                ],
            )
        )
    return out


def update_officer(
    session: Session,
    actor: Actor,
    officer_id: uuid.UUID,
    data: schemas.OfficerUpdate,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> Officer:
    officer = get_officer_for(session, actor, officer_id)
    before = snapshot(officer)
    changes = data.model_dump(exclude_unset=True)
    for name in ("first_name", "last_name"):
        if name in changes:
            if changes[name] is None:
                raise InvalidInput(f"{name} must not be blank.", field=name, rule="required")
            setattr(officer, name, clean_text(changes[name], name))
    if "email" in changes:
        officer.email = _check_email(changes["email"])
    if changes.get("patrol_start_date") is not None:
        officer.patrol_start_date = _check_patrol_start(changes["patrol_start_date"], zone, now)
    if changes.get("protected") is not None:
        officer.protected = bool(changes["protected"])
    session.add(officer)
    session.flush()
    # The public page caches whether a holder is protected; tell it once this commits.
    mark_changed(session, "officers", officer.id)
    record(
        session,
        actor,
        "officer.update",
        "officer",
        officer.id,
        before=before,
        after=snapshot(officer),
    )
    return officer


def transfer_officer(
    session: Session, actor: Actor, officer_id: uuid.UUID, data: schemas.TransferRequest
) -> Officer:
    """Closes the current employment and opens the next; credentials stay as they are.

    The losing side moves the officer: only someone who may act in the region the officer
    serves in now (or an administrator) records a transfer, to an agency of any region. The
    gaining region cannot pull an officer in (it would then own the record: rename it, clear
    `protected`, re-issue the wallet link); to it an officer of another region is unknown.
    Moving a protected officer is for the administrator alone.
    """
    officer = get_officer_for(session, actor, officer_id)
    if officer.protected and not actor.is_admin:
        raise Forbidden(
            "The officer's record is protected: only the program administrator may transfer it.",
            field="id",
            rule="protected_transfer",
        )
    target = get_agency(session, data.agency_id)
    current = current_employment(session, officer.id)
    before: dict[str, str | None] | None = None
    if current is not None:
        if current.agency_id == target.id:
            raise RuleViolation(
                "The officer already serves at this agency.",
                field="agency_id",
                rule="same_agency",
            )
        if data.effective_date < current.start_date:
            raise RuleViolation(
                "effective_date is before the start of the current employment "
                f"({long_date(current.start_date)}).",
                field="effective_date",
                rule="after_current_start",
            )
        before = {"agency_id": str(current.agency_id), "start_date": current.start_date.isoformat()}
        current.end_date = data.effective_date
        session.add(current)
    new = Employment(officer_id=officer.id, agency_id=target.id, start_date=data.effective_date)
    session.add(new)
    officer.agency_id = target.id
    if officer.district is not None:  # the old agency's plan: the new one assigns anew
        before = {**(before or {}), "district": officer.district, "shift": officer.shift}
        officer.district = officer.shift = None
    session.flush()
    record(
        session,
        actor,
        "officer.transfer",
        "officer",
        officer.id,
        before=before,
        after={"agency_id": str(target.id), "start_date": data.effective_date.isoformat()},
    )
    return officer

"""The new administrator's first-run checklist, ticked from what the registry really holds: rows
that exist, the signing key in use, the last backup `registry backup` recorded, the public URL's
scheme. Nothing is ticked by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from registry.actors import Role
from registry.common import utcnow
from registry.dates import long_datetime
from registry.tables.accounts import User
from registry.tables.audit import AuditEntry
from registry.tables.people import Agency, Region

BACKUP_ACTION = "database.backup"
# A backup older than this no longer ticks the line: backups are meant to be daily.
BACKUP_FRESH = timedelta(days=2)


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    # What is there now, or what to do, in words.
    detail: str
    # Where it is done in the console, if it is done there.
    href: str | None = None


@dataclass(frozen=True)
class KeyState:
    """The signing key in use: whether there is one, and whether it is a development key."""

    active: bool
    development: bool


def _count(session: Session, query: SelectOfScalar[int]) -> int:
    return int(session.exec(query).one())


def checklist(
    session: Session,
    *,
    public_url: str,
    key: KeyState,
    program_contact: str,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> list[Step]:
    now = now or utcnow()
    regions = _count(session, select(sa.func.count()).select_from(Region))
    agencies = _count(session, select(sa.func.count()).select_from(Agency))
    coordinators = _count(
        session,
        select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.COORDINATOR.value, col(User.active).is_(True)),
    )
    last_backup = session.exec(
        select(sa.func.max(AuditEntry.at)).where(AuditEntry.action == BACKUP_ACTION)
    ).one()
    production_key = key.active and not key.development
    https = public_url.startswith("https://")
    return [
        Step("Regions", regions > 0, f"{regions} region{'s' * (regions != 1)}", "/console/regions"),
        Step(
            "Agencies",
            agencies > 0,
            f"{agencies} agenc{'ies' if agencies != 1 else 'y'}",
            "/console/agencies",
        ),
        Step(
            "Coordinators",
            coordinators > 0,
            f"{coordinators} active coordinator account{'s' * (coordinators != 1)}",
            "/console/users",
        ),
        Step(
            "Program contact",
            bool(program_contact),
            program_contact
            or "None yet: set the program's phone, email and address so verdict pages say whom "
            "to ask",
            "/console/program",
        ),
        Step(
            "A production signing key",
            production_key,
            "A real signing key signs the certifications."
            if production_key
            else (
                "The development key signs: run `registry keys rotate` on the server."
                if key.active
                else "No signing key: run `registry keys generate` on the server."
            ),
        ),
        Step(
            "Backups",
            last_backup is not None and now - last_backup <= BACKUP_FRESH,
            f"Last backup {long_datetime(last_backup, zone)}"
            + ("" if now - last_backup <= BACKUP_FRESH else ": more than 2 days ago")
            if last_backup is not None
            else "None recorded: schedule `registry backup PATH` daily, and keep the keys "
            "folder too",
        ),
        Step(
            "HTTPS",
            https,
            f"Public address {public_url}"
            + ("" if https else ": put TLS in front and set REGISTRY_PUBLIC_URL to https://…"),
        ),
    ]

"""The imports: officers (refused, skipped or updated when already registered), agencies and
class rosters, all rows or none."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import Session, select

from registry.actors import Actor
from registry.audit.service import record
from registry.coverage import schemas as coverage_schemas
from registry.coverage.service import assign
from registry.errors import InvalidInput, RegistryError
from registry.imports.reading import (
    AGENCY_REQUIRED,
    ROSTER_REQUIRED,
    CsvRow,
    Progress,
    RowError,
    cell_problems,
    error_of,
    import_each,
    is_yes,
    officer_create,
    read_csv,
    read_officers,
    savepoint,
    validation_errors,
)
from registry.people import schemas as people_schemas
from registry.people.service import (
    create_agency,
    create_officer,
    current_employment,
    officer_by_post_id_for,
    officer_region_id,
    update_officer,
)
from registry.tables.people import Agency, Officer
from registry.training import schemas as training_schemas
from registry.training.enrollment import enroll
from registry.training.service import get_class

EXISTING = ("refuse", "skip", "update")
# What an update may change, read from the file only when its column is there.
UPDATABLE = ("first_name", "last_name", "patrol_start_date", "email", "protected")


@dataclass(frozen=True)
class OfficerChange:
    """One row that touches an officer: `changes` maps a field to (before, after)."""

    line: int
    post_id: str
    name: str
    changes: dict[str, tuple[str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "post_id": self.post_id,
            "name": self.name,
            "changes": {k: {"before": b, "after": a} for k, (b, a) in self.changes.items()},
        }


@dataclass
class OfficerImport:
    """What an officer import did (or, previewed, would do)."""

    created: list[OfficerChange] = field(default_factory=list)
    updated: list[OfficerChange] = field(default_factory=list)
    skipped: list[OfficerChange] = field(default_factory=list)
    # With keep_good: the rows refused, each with its reasons (the others were saved).
    refused: list[RowError] = field(default_factory=list)

    @property
    def saved(self) -> int:
        return len(self.created) + len(self.updated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "saved": self.saved,
            "created": [c.as_dict() for c in self.created],
            "updated": [c.as_dict() for c in self.updated],
            "skipped": [c.as_dict() for c in self.skipped],
        }


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return is_yes(value)
    return "" if value is None else str(value)


def _officer_changes(
    officer: Officer, data: people_schemas.OfficerCreate, present: set[str]
) -> dict[str, tuple[str, str]]:
    """Field changes a row asks of an existing officer. A column the file lacks changes nothing,
    a blank email keeps the one on file, and protection is never lifted by a file (only on the
    officer's page, by someone who looks at the record): a file can only add it."""
    changes: dict[str, tuple[str, str]] = {}
    for name in UPDATABLE:
        if name not in present:
            continue
        before, after = getattr(officer, name), getattr(data, name)
        if name == "email" and not after:
            continue
        if name == "protected" and not after:
            continue
        if name in ("first_name", "last_name") and isinstance(after, str):
            after = after.strip()
        if before != after:
            changes[name] = (_shown(before), _shown(after))
    return changes


def import_officers(
    session: Session,
    actor: Actor,
    rows: Sequence[CsvRow],
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    source: str = "The file",
    progress: Progress | None = None,
    existing: str = "refuse",
    preview: bool = False,
    keep_good: bool = False,
) -> OfficerImport:
    """Creates one officer per row through create_officer, all rows or none (with `keep_good`,
    every row that passes, together or not at all, and the refused rows listed).

    An officer already registered (by POST id) is refused (`existing="refuse"`), skipped or
    updated through update_officer; an officer of another region is refused whatever the
    choice, exactly as before (its record is not this coordinator's to change). With `preview`
    nothing is kept: the answer says what the import would do.
    """
    if existing not in EXISTING:
        raise InvalidInput(
            f"existing is one of {', '.join(EXISTING)}.", field="existing", rule="one_of"
        )
    agencies: dict[str, Agency | None] = {}
    result = OfficerImport()

    def save(row: CsvRow) -> list[RowError]:
        data, problems = officer_create(row, agencies, session)
        if data is None:
            return problems
        post_id = data.post_id.strip().upper()
        found = (
            session.exec(select(Officer).where(Officer.post_id == post_id)).first()
            if existing != "refuse"
            else None
        )
        if found is not None and actor.can_act_in(officer_region_id(session, found.id)):
            return _existing_officer(row, found, data)
        try:
            # A savepoint per row, so a refused row leaves nothing half-made behind.
            with savepoint(session):
                officer = create_officer(session, actor, data, zone, now=now)
                if _assignment(row) is not None:
                    assign(session, actor, officer.id, _assignment(row))
            result.created.append(OfficerChange(row.line, officer.post_id, _named(officer), {}))
        except RegistryError as exc:
            problems.append(error_of(row.line, exc, "agency_ori"))
        return problems

    def _existing_officer(
        row: CsvRow, found: Officer, data: people_schemas.OfficerCreate
    ) -> list[RowError]:
        change = OfficerChange(row.line, found.post_id, _named(found), {})
        if existing == "skip":
            result.skipped.append(change)
            return []
        current = current_employment(session, found.id)
        if current is None or current.agency_id != data.agency_id:
            return [
                RowError(
                    row.line,
                    "agency_ori",
                    f"{found.post_id} serves at another agency now: record a transfer on the "
                    "officer's page; an import does not move officers.",
                )
            ]
        changes = _officer_changes(found, data, set(row.cells))
        moved = _assignment(row)
        if moved is not None and (moved.district, moved.shift) != (found.district, found.shift):
            changes["assignment"] = (
                _shown(f"{found.district or ''} {found.shift or ''}".strip()),
                f"{moved.district} {moved.shift}",
            )
        else:
            moved = None
        if not changes:
            result.skipped.append(change)
            return []
        fields = {name: getattr(data, name) for name in changes if name != "assignment"}
        try:
            with savepoint(session):
                if fields:
                    update = people_schemas.OfficerUpdate.model_validate(fields)
                    update_officer(session, actor, found.id, update, zone, now=now)
                if moved is not None:
                    assign(session, actor, found.id, moved)
        except RegistryError as exc:
            return [error_of(row.line, exc, "post_id")]
        result.updated.append(OfficerChange(row.line, found.post_id, _named(found), changes))
        return []

    outer = session.begin_nested() if preview else None
    try:
        import_each(
            session,
            actor,
            rows,
            key="post_id",
            what="POST id",
            save=save,
            action="officers.import",
            source=source,
            progress=progress,
            refused=result.refused if keep_good else None,
        )
    finally:
        if outer is not None:
            outer.rollback()
    if keep_good:
        # A row refused after its save began may have been counted; it was rolled back.
        lines = {e.line for e in result.refused}
        result.created = [c for c in result.created if c.line not in lines]
        result.updated = [c for c in result.updated if c.line not in lines]
    return result


def _assignment(row: CsvRow) -> coverage_schemas.Assignment | None:
    """The district and shift a row gives (columns `district`, `shift`); None when both are
    blank or absent: a file does not clear an assignment."""
    district = row.cells.get("district", "").strip() or None
    shift = row.cells.get("shift", "").strip() or None
    if district is None and shift is None:
        return None
    return coverage_schemas.Assignment.model_construct(district=district, shift=shift)


def _named(officer: Officer) -> str:
    return f"{officer.first_name} {officer.last_name}"


def import_officers_csv(
    session: Session,
    actor: Actor,
    data: bytes,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    source: str = "The file",
    existing: str = "refuse",
    preview: bool = False,
) -> OfficerImport:
    return import_officers(
        session,
        actor,
        read_officers(data, source),
        zone,
        now=now,
        source=source,
        existing=existing,
        preview=preview,
    )


# ---- agencies -----------------------------------------------------------------------------


def read_agencies(data: bytes, source: str = "The file") -> list[CsvRow]:
    return read_csv(data, source=source, required=AGENCY_REQUIRED)


def import_agencies(
    session: Session,
    actor: Actor,
    rows: Sequence[CsvRow],
    *,
    source: str = "The file",
    progress: Progress | None = None,
) -> int:
    """Creates one agency per row through create_agency, all of them or none."""

    def save(row: CsvRow) -> list[RowError]:
        cells = row.cells
        try:
            data = people_schemas.AgencyCreate(
                name=cells["name"], ori=cells["ori"], region=cells["region"]
            )
            with savepoint(session):
                create_agency(session, actor, data)
        except ValidationError as exc:
            return validation_errors(row.line, exc)
        except RegistryError as exc:
            return [error_of(row.line, exc, "region")]
        return []

    return import_each(
        session,
        actor,
        rows,
        key="ori",
        what="ORI",
        save=save,
        action="agencies.import",
        source=source,
        progress=progress,
    )


def import_agencies_csv(
    session: Session, actor: Actor, data: bytes, *, source: str = "The file"
) -> int:
    return import_agencies(session, actor, read_agencies(data, source), source=source)


# ---- rosters ------------------------------------------------------------------------------


def read_roster(data: bytes, source: str = "The file") -> list[CsvRow]:
    # Other columns are ignored, so that a roster export can be imported into another class.
    return read_csv(data, source=source, required=ROSTER_REQUIRED, allow_extra=True)


@dataclass(frozen=True)
class RosterImport:
    """What a roster import did: officers enrolled, rows skipped (already enrolled) and rows
    refused (each with the rule in words); the refused never stop the others."""

    saved: int
    skipped: list[RowError]
    refused: list[RowError]

    def as_dict(self) -> dict[str, Any]:
        return {
            "saved": self.saved,
            "skipped": [e.as_dict() for e in self.skipped],
            "refused": [e.as_dict() for e in self.refused],
        }


def import_roster(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    rows: Sequence[CsvRow],
    zone: ZoneInfo,
    *,
    source: str = "The file",
    progress: Progress | None = None,
) -> RosterImport:
    """Enrolls the officer named on each row through enroll(): officers already in the class
    are skipped, a refused row is named with the rule and the rest are enrolled, as the class
    page's bulk enrollment does (a roster is the coordinator's list, not a batch to reject)."""
    klass = get_class(session, actor, class_id)
    saved = 0
    skipped: list[RowError] = []
    refused: list[RowError] = []
    first_line: dict[str, int] = {}
    for row in rows:
        # Only post_id is read: other columns (and their length) do not matter here.
        problems = [p for p in cell_problems(row) if p.field == "post_id"]
        post_id = row.cells["post_id"].strip().upper()
        if not post_id:
            problems.append(RowError(row.line, "post_id", "post_id is blank."))
        elif post_id in first_line:
            skipped.append(
                RowError(
                    row.line,
                    "post_id",
                    f"POST id {post_id} appears already on line {first_line[post_id]} "
                    "of this file.",
                )
            )
        else:
            first_line[post_id] = row.line
            if not problems:
                try:
                    # An officer of another region reads as an unknown POST id (and is never
                    # checked for a certification), as in enroll() itself.
                    officer = officer_by_post_id_for(session, actor, post_id)
                    with savepoint(session):
                        enroll(
                            session,
                            actor,
                            klass.id,
                            training_schemas.EnrollmentCreate(officer_id=officer.id),
                            zone,
                        )
                    saved += 1
                except RegistryError as exc:
                    if exc.rule == "already_enrolled":
                        skipped.append(RowError(row.line, "post_id", exc.detail))
                    else:
                        problems.append(RowError(row.line, "post_id", exc.detail))
        refused.extend(problems)
        if progress is not None:
            progress(1)
    record(
        session,
        actor,
        "roster.import",
        "class",
        klass.id,
        after={
            "saved": saved,
            "skipped": len(skipped),
            "refused": len(refused),
            "source": source[:200],
        },
    )
    return RosterImport(saved, skipped, refused)


def import_roster_csv(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    data: bytes,
    zone: ZoneInfo,
    *,
    source: str = "The file",
) -> RosterImport:
    return import_roster(session, actor, class_id, read_roster(data, source), zone, source=source)


# ---- exports ------------------------------------------------------------------------------

# Excel runs a cell that starts with one of these as a formula (CSV injection).

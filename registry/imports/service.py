"""CSV imports (officers, class rosters; all rows or none) and CSV exports safe to open in Excel."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, or_, select

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.credentials.display import SUPERSEDED, VALID, shown_state
from registry.errors import InvalidInput, RegistryError, RuleViolation
from registry.people import schemas as people_schemas
from registry.people.service import (
    ORI,
    create_agency,
    create_officer,
    current_employment,
    officer_by_post_id_for,
    officer_region_id,
    update_officer,
)
from registry.reports import service as reports
from registry.tables.credentials import Credential
from registry.tables.people import Agency, Employment, Officer
from registry.tables.training import Course, TrainingClass
from registry.training import schemas as training_schemas
from registry.training.service import enroll, get_class, roster
from registry.windows import EXPIRING_MAX_DAYS

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELL = 1_000
BOM = b"\xef\xbb\xbf"

OFFICER_REQUIRED = ("post_id", "first_name", "last_name", "agency_ori", "patrol_start_date")
OFFICER_OPTIONAL = ("email", "protected")
ROSTER_REQUIRED = ("post_id",)
AGENCY_REQUIRED = ("name", "ori", "region")
YES = frozenset({"yes", "true", "1", "y"})
NO = frozenset({"no", "false", "0", "n", ""})
# create_officer names its own request fields; a CSV user knows the columns.
COLUMN_OF = {"agency_id": "agency_ori"}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    """One refused row: where it is in the file, which column, and why in words."""

    line: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: dict[str, str]


class ImportRefused(RuleViolation):
    """Some rows were refused, so none was saved; `rows` lists every refusal."""

    title = "Import refused"

    def __init__(self, errors: Sequence[RowError], total: int) -> None:
        refused = len({e.line for e in errors})
        super().__init__(
            f"{refused} of {total} rows were refused; nothing was saved. "
            "Correct the rows listed and import the whole file again.",
            field="file",
            rule="import_rows",
            rows=[e.as_dict() for e in errors],
        )
        self.errors = list(errors)
        self.total = total


class FileRefused(InvalidInput):
    """The file as a whole cannot be read as the CSV expected (encoding, header, size)."""

    title = "File refused"


# ---- reading ------------------------------------------------------------------------------


def decode(data: bytes, source: str) -> str:
    """UTF-8, with or without the byte-order mark that Excel writes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            f"{source} is UTF-16 text; save it as 'CSV UTF-8' and import it again.",
            field="file",
            rule="encoding",
        )
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"{source} is not UTF-8 text (line {line} holds a byte that is not UTF-8); "
            "save it as 'CSV UTF-8' and import it again.",
            field="file",
            rule="encoding",
        ) from None


def read_csv(
    data: bytes,
    *,
    source: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    allow_extra: bool = False,
) -> list[CsvRow]:
    """The file's data rows keyed by (lower-case) column name, with the line each starts on."""
    if len(data) > MAX_BYTES:
        raise FileRefused(
            f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it into parts.",
            field="file",
            rule="max_size",
        )
    text = decode(data, source)
    if "\x00" in text:
        raise FileRefused(
            f"{source} holds NUL characters: it is not a text CSV file.",
            field="file",
            rule="format",
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise FileRefused(
                f"{source} is empty; the first line must name the columns: "
                f"{','.join((*required, *optional))}.",
                field="file",
                rule="header",
            )
        names = [h.strip().lower() for h in header]
        _check_header(names, source, required, optional, allow_extra)
        rows: list[CsvRow] = []
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                break
            if not any(c.strip() for c in cells):
                continue  # blank lines, often at the end of a file
            if len(rows) >= MAX_ROWS:
                raise FileRefused(
                    f"{source} has more than {MAX_ROWS:,} rows; split it into parts.",
                    field="file",
                    rule="max_rows",
                )
            rows.append(_row(start, names, cells))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileRefused(
                f"{source} has a cell of far more than {MAX_CELL:,} characters near line "
                f"{reader.line_num} (often a quote that is never closed).",
                field="file",
                rule="max_cell",
            ) from None
        raise FileRefused(
            f"{source} is not a well-formed CSV file near line {reader.line_num}: {exc}.",
            field="file",
            rule="format",
        ) from None
    return rows


def _check_header(
    names: list[str],
    source: str,
    required: Sequence[str],
    optional: Sequence[str],
    allow_extra: bool,
) -> None:
    missing = [n for n in required if n not in names]
    if missing:
        raise FileRefused(
            f"{source} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"the first line must name the columns: {','.join((*required, *optional))}.",
            field="file",
            rule="header",
        )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise FileRefused(
            f"{source} names the column {', '.join(twice)} more than once.",
            field="file",
            rule="header",
        )
    unknown = [n for n in names if n not in (*required, *optional)]
    if unknown and not allow_extra:
        # A misspelt optional column would otherwise be dropped without a word.
        raise FileRefused(
            f"{source} has columns this import does not know: {', '.join(unknown)}; "
            f"the columns are {','.join((*required, *optional))}.",
            field="file",
            rule="header",
        )


def _row(line: int, names: list[str], cells: list[str]) -> CsvRow:
    values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names)}
    if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
        values["__extra__"] = f"{len(cells)} cells where the header names {len(names)} columns"
    return CsvRow(line=line, cells=values)


def _cell_problems(row: CsvRow) -> list[RowError]:
    out = []
    for name, value in row.cells.items():
        if name == "__extra__":
            out.append(RowError(row.line, "", f"The row has {value}."))
        elif len(value) > MAX_CELL:
            out.append(
                RowError(
                    row.line,
                    name,
                    f"The cell holds {len(value):,} characters (at most {MAX_CELL}).",
                )
            )
    return out


def _error_of(line: int, exc: RegistryError, default_field: str) -> RowError:
    column = COLUMN_OF.get(exc.field or "", exc.field) or default_field
    return RowError(line, column, exc.detail)


def _savepoint(session: Session) -> Any:
    return session.begin_nested()


# ---- officers -----------------------------------------------------------------------------


def read_officers(data: bytes, source: str = "The file") -> list[CsvRow]:
    return read_csv(data, source=source, required=OFFICER_REQUIRED, optional=OFFICER_OPTIONAL)


def parse_date(value: str) -> date:
    """ISO dates, and the M/D/YYYY that Excel writes when it saves a CSV in US settings."""
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    month, _, rest = value.partition("/")
    day, _, year = rest.partition("/")
    if month.isdigit() and day.isdigit() and year.isdigit() and len(year) == 4:
        return date(int(year), int(month), int(day))
    raise ValueError(value)


def _officer_create(
    row: CsvRow, agencies: dict[str, Agency | None], session: Session
) -> tuple[people_schemas.OfficerCreate | None, list[RowError]]:
    cells, line = row.cells, row.line
    errors: list[RowError] = []
    ori = cells["agency_ori"].strip().upper()
    agency = None
    if not ori:
        errors.append(RowError(line, "agency_ori", "agency_ori is blank."))
    elif not ORI.match(ori):
        errors.append(
            RowError(
                line,
                "agency_ori",
                f"{ori!r} is not an ORI: 9 characters, a two-letter state code and seven "
                "letters or digits (for example UT0180000).",
            )
        )
    else:
        if ori not in agencies:
            agencies[ori] = session.exec(select(Agency).where(Agency.ori == ori)).first()
        agency = agencies[ori]
        if agency is None:
            errors.append(RowError(line, "agency_ori", f"No agency with ORI {ori} is registered."))
    started: date | None = None
    raw_date = cells["patrol_start_date"].strip()
    try:
        started = parse_date(raw_date)
    except ValueError:
        errors.append(
            RowError(
                line,
                "patrol_start_date",
                f"{raw_date!r} is not a date; write it as YYYY-MM-DD (2019-03-31)."
                if raw_date
                else "patrol_start_date is blank.",
            )
        )
    protected_raw = cells.get("protected", "").strip().lower()
    if protected_raw not in YES | NO:
        errors.append(
            RowError(line, "protected", f"{protected_raw!r} is not yes/no (or true/false, 1/0).")
        )
    if errors or agency is None or started is None:
        return None, errors
    try:
        data = people_schemas.OfficerCreate(
            post_id=cells["post_id"],
            first_name=cells["first_name"],
            last_name=cells["last_name"],
            agency_id=agency.id,
            patrol_start_date=started,
            email=cells.get("email") or None,
            protected=protected_raw in YES,
        )
    except ValidationError as exc:
        return None, errors + _validation_errors(line, exc)
    return data, errors


def _validation_errors(line: int, exc: ValidationError) -> list[RowError]:
    """A request model's refusals as row errors naming the CSV column."""
    out = []
    for item in exc.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        out.append(RowError(line, COLUMN_OF.get(name, name), _pydantic_reason(name, item)))
    return out


def _pydantic_reason(name: str, item: Any) -> str:
    kind = item.get("type", "")
    if kind == "string_too_short":
        return f"{name} is blank."
    if kind == "string_too_long":
        return f"{name} is longer than {item.get('ctx', {}).get('max_length')} characters."
    return f"{name}: {item.get('msg', 'not valid')}."


def _import_each(
    session: Session,
    actor: Actor,
    rows: Sequence[CsvRow],
    *,
    key: str,
    what: str,
    save: Callable[[CsvRow], list[RowError]],
    action: str,
    source: str,
    progress: Progress | None,
) -> int:
    """Saves each row through `save` (which answers the row's refusals), all rows or none.

    Every row is tried even after a refusal, so that the report lists all of them at once; a
    value of the `key` column seen twice in the file is refused on its second line.
    """
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    with _savepoint(session):
        for row in rows:
            problems = _cell_problems(row)
            value = row.cells[key].strip().upper()
            if value and value in first_line:
                problems.append(
                    RowError(
                        row.line,
                        key,
                        f"{what} {value} appears already on line {first_line[value]} of this file.",
                    )
                )
            elif value:
                first_line[value] = row.line
            if not problems:
                problems = save(row)
            errors.extend(problems)
            if progress is not None:
                progress(1)
        if errors:
            raise ImportRefused(errors, len(rows))
        record(
            session,
            actor=actor.username,
            action=action,
            entity="import",
            entity_id=uuid.uuid4(),
            after={"saved": len(rows), "source": source[:200]},
        )
    return len(rows)


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
        return _yes(value)
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
    *,
    source: str = "The file",
    progress: Progress | None = None,
    existing: str = "refuse",
    preview: bool = False,
) -> OfficerImport:
    """Creates one officer per row through create_officer, all rows or none.

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
        data, problems = _officer_create(row, agencies, session)
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
            with _savepoint(session):
                officer = create_officer(session, actor, data)
            result.created.append(OfficerChange(row.line, officer.post_id, _named(officer), {}))
        except RegistryError as exc:
            problems.append(_error_of(row.line, exc, "agency_ori"))
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
        if not changes:
            result.skipped.append(change)
            return []
        update = people_schemas.OfficerUpdate.model_validate(
            {name: getattr(data, name) for name in changes}
        )
        try:
            with _savepoint(session):
                update_officer(session, actor, found.id, update)
        except RegistryError as exc:
            return [_error_of(row.line, exc, "post_id")]
        result.updated.append(OfficerChange(row.line, found.post_id, _named(found), changes))
        return []

    outer = session.begin_nested() if preview else None
    try:
        _import_each(
            session,
            actor,
            rows,
            key="post_id",
            what="POST id",
            save=save,
            action="officers.import",
            source=source,
            progress=progress,
        )
    finally:
        if outer is not None:
            outer.rollback()
    return result


def _named(officer: Officer) -> str:
    return f"{officer.first_name} {officer.last_name}"


def import_officers_csv(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    source: str = "The file",
    existing: str = "refuse",
    preview: bool = False,
) -> OfficerImport:
    return import_officers(
        session,
        actor,
        read_officers(data, source),
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
            with _savepoint(session):
                create_agency(session, actor, data)
        except ValidationError as exc:
            return _validation_errors(row.line, exc)
        except RegistryError as exc:
            return [_error_of(row.line, exc, "region")]
        return []

    return _import_each(
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
        problems = [p for p in _cell_problems(row) if p.field == "post_id"]
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
                    with _savepoint(session):
                        enroll(
                            session,
                            actor,
                            klass.id,
                            training_schemas.EnrollmentCreate(officer_id=officer.id),
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
        actor=actor.username,
        action="roster.import",
        entity="class",
        entity_id=klass.id,
        after={
            "saved": saved,
            "skipped": len(skipped),
            "refused": len(refused),
            "source": source[:200],
        },
    )
    return RosterImport(saved, skipped, refused)


def import_roster_csv(
    session: Session, actor: Actor, class_id: uuid.UUID, data: bytes, *, source: str = "The file"
) -> RosterImport:
    return import_roster(session, actor, class_id, read_roster(data, source), source=source)


# ---- exports ------------------------------------------------------------------------------

# Excel runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (without it Excel misreads accented names), CRLF lines."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return BOM + out.getvalue().encode("utf-8")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _number(value: float) -> str:
    return f"{value:g}"


ROSTER_HEADER = (
    "post_id",
    "name",
    "hours",
    "missing_modules",
    "written_exam",
    "scenario_evaluation",
    "eligible",
    "reasons",
    "credential_id",
    # A graduate's private wallet link, for coordinators who hand them out (see credentials).
    "wallet_url",
)


def roster_csv(
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    wallet_url: Callable[[Officer], str] | None = None,
) -> bytes:
    """The class roster; `wallet_url` fills in graduates' wallet links, for coordinators (not
    instructors) and only of officers who serve in their region now."""
    entries = roster(session, actor, class_id).officers
    links: dict[uuid.UUID, str] = {}
    if wallet_url is not None and actor.is_office:
        graduates = [e.officer_id for e in entries if e.credential_id]
        for officer in session.exec(select(Officer).where(col(Officer.id).in_(graduates))):
            if actor.can_act_in(officer_region_id(session, officer.id)):
                links[officer.id] = wallet_url(officer)
    return to_csv(
        ROSTER_HEADER,
        (
            (
                e.post_id,
                e.name,
                _number(e.hours),
                " ".join(e.missing_modules),
                e.written_exam or "",
                e.scenario_evaluation or "",
                _yes(e.eligible),
                " ".join(e.reasons),
                e.credential_id or "",
                links.get(e.officer_id, ""),
            )
            for e in entries
        ),
    )


CREDENTIALS_HEADER = (
    "credential_id",
    "post_id",
    "name",
    "course",
    "class",
    "issued",
    "valid_until",
    "status",
    "verify_url",
    # The officer's private wallet link, for coordinators who hand them out; blank for an
    # officer who no longer serves in the coordinator's region (their page is not theirs).
    "wallet_url",
)
PROTECTED_NAME = "(protected)"


# The export's words for the states (its columns predate the pages' words).
CSV_STATES = {VALID: "active", SUPERSEDED: "renewed"}


def _status(credential: Credential, now: datetime) -> str:
    state = shown_state(credential, now)
    return CSV_STATES.get(state, state)


def credentials_csv(
    session: Session,
    actor: Actor,
    verify_url: Callable[[str], str],
    wallet_url: Callable[[Officer], str],
    now: datetime | None = None,
) -> bytes:
    """The credentials issued in the actor's region or held by officers serving there."""
    now = now or utcnow()
    query = (
        select(Credential, Officer, Course, TrainingClass)
        .join(Officer, col(Officer.id) == Credential.officer_id)
        .join(Course, col(Course.id) == Credential.course_id)
        .join(TrainingClass, col(TrainingClass.id) == Credential.class_id)
        .order_by(col(Credential.issued_at), col(Credential.id))
    )
    if not actor.is_admin:
        serving_here = (
            select(Employment.officer_id)
            .join(Agency, col(Agency.id) == Employment.agency_id)
            .where(col(Employment.end_date).is_(None), Agency.region_id == actor.region_id)
        )
        query = query.where(
            or_(
                TrainingClass.region_id == actor.region_id,
                col(Credential.officer_id).in_(serving_here),
            )
        )
    mine = None if actor.is_admin else set(session.exec(serving_here))
    return to_csv(
        CREDENTIALS_HEADER,
        (
            (
                c.id,
                o.post_id,
                PROTECTED_NAME if o.protected else f"{o.first_name} {o.last_name}",
                course.code,
                f"{k.location} ({k.start_date.isoformat()})",
                c.issued_at.date().isoformat(),
                c.valid_until.date().isoformat(),
                _status(c, now),
                verify_url(c.id),
                wallet_url(o) if mine is None or o.id in mine else "",
            )
            for c, o, course, k in session.exec(query)
        ),
    )


COVERAGE_HEADER = (
    "region",
    "agency",
    "ori",
    "officers",
    "certified_valid",
    "share_percent",
    "expiring_90_days",
)


def coverage_csv(session: Session, actor: Actor) -> bytes:
    report = reports.coverage(session, actor, window_days=reports.EXPIRY_WINDOW_DAYS)
    return to_csv(
        COVERAGE_HEADER,
        (
            (
                r.region,
                r.name,
                r.code,
                r.officers,
                r.certified,
                f"{r.share * 100:.1f}",
                r.expiring,
            )
            for r in report.agencies
        ),
    )


EXPIRING_HEADER = (
    "credential_id",
    "post_id",
    "name",
    "email",
    "agency",
    "valid_until",
    "days_left",
)
MAX_EXPIRING_DAYS = EXPIRING_MAX_DAYS


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_EXPIRING_DAYS:
        raise InvalidInput(
            f"days is a number of days from 1 to {MAX_EXPIRING_DAYS}.", field="days", rule="range"
        )
    return days


def expiring_csv(session: Session, actor: Actor, days: int) -> bytes:
    rows = reports.expiring(session, actor, check_days(days))
    return to_csv(
        EXPIRING_HEADER,
        (
            (
                e.credential_id,
                e.post_id,
                e.name,
                e.email or "",
                e.agency or "",
                e.valid_until.date().isoformat(),
                e.days_left,
            )
            for e in rows
        ),
    )

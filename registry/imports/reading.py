"""Reading CSV files people send: decoding, the header, each row checked and its problems named
(all rows or none)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from registry.actors import Actor
from registry.audit.service import record
from registry.errors import InvalidInput, RegistryError, RuleViolation
from registry.people import schemas as people_schemas
from registry.people.service import (
    ORI,
)
from registry.tables.people import Agency

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELL = 1_000
BOM = b"\xef\xbb\xbf"

OFFICER_REQUIRED = ("post_id", "first_name", "last_name", "agency_ori", "patrol_start_date")
OFFICER_OPTIONAL = ("email", "protected", "district", "shift")
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


def check_size(data: bytes, source: str) -> None:
    if len(data) > MAX_BYTES:
        raise FileRefused(
            f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it into parts.",
            field="file",
            rule="max_size",
        )


def csv_text(data: bytes, source: str) -> str:
    """A CSV file's text: not too large, UTF-8, no NUL characters."""
    check_size(data, source)
    text = decode(data, source)
    if "\x00" in text:
        raise FileRefused(
            f"{source} holds NUL characters: it is not a text CSV file.",
            field="file",
            rule="format",
        )
    return text


def read_csv(
    data: bytes,
    *,
    source: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    allow_extra: bool = False,
) -> list[CsvRow]:
    """The file's data rows keyed by (lower-case) column name, with the line each starts on."""
    text = csv_text(data, source)
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


def cell_problems(row: CsvRow) -> list[RowError]:
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


def error_of(line: int, exc: RegistryError, default_field: str) -> RowError:
    column = COLUMN_OF.get(exc.field or "", exc.field) or default_field
    return RowError(line, column, exc.detail)


def savepoint(session: Session) -> Any:
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


def officer_create(
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
        return None, errors + validation_errors(line, exc)
    return data, errors


def validation_errors(line: int, exc: ValidationError) -> list[RowError]:
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


def import_each(
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
    refused: list[RowError] | None = None,
) -> int:
    """Saves each row through `save` (which answers the row's refusals), all rows or none.

    Every row is tried even after a refusal, so that the report lists all of them at once; a
    value of the `key` column seen twice in the file is refused on its second line. Given a
    `refused` list, a refused row no longer refuses the file: its refusals go to the list, its
    own savepoint is rolled back, and the good rows are saved (still together or not at all:
    the caller's transaction).
    """
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    with savepoint(session):
        for row in rows:
            problems = cell_problems(row)
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
                if refused is None:
                    problems = save(row)
                else:
                    with savepoint(session) as one_row:
                        problems = save(row)
                        if problems:
                            one_row.rollback()
            errors.extend(problems)
            if progress is not None:
                progress(1)
        if errors and refused is None:
            raise ImportRefused(errors, len(rows))
        saved = len(rows) - len({e.line for e in errors})
        after: dict[str, Any] = {"saved": saved, "source": source[:200]}
        if refused is not None:
            refused.extend(errors)
            after["refused"] = len(rows) - saved
        record(session, actor, action, "import", uuid.uuid4(), after=after)
    return saved


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (without it Excel misreads accented names), CRLF lines."""
    return b"".join(csv_chunks(header, rows))


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[object]], per_chunk: int = 500
) -> Iterator[bytes]:
    """The CSV a few hundred rows at a time: UTF-8 with a byte-order mark (without it Excel
    misreads accented names), CRLF lines, formulas neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    first = True
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(v) for v in row])
        if count % per_chunk == 0:
            yield (BOM if first else b"") + out.getvalue().encode("utf-8")
            first = False
            out.seek(0)
            out.truncate()
    yield (BOM if first else b"") + out.getvalue().encode("utf-8")


def is_yes(value: bool) -> str:
    return "yes" if value else "no"


def as_number(value: float) -> str:
    return f"{value:g}"

"""An agency's own spreadsheet of officers, imported: its columns mapped to the registry's fields,
every row's outcome previewed, the good rows saved together (or none of them), the refused ones
handed back as a CSV with the reason on each row."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from registry.actors import Actor
from registry.imports import mapping as columns
from registry.imports.reading import RowError, neutralise, to_csv
from registry.imports.service import OfficerImport, import_officers
from registry.imports.sheets import Sheet
from registry.people.service import get_agency_for
from registry.tables.people import Agency

TEMPLATE_EXAMPLE = (
    "UT-123456",
    "Jordan",
    "Reyes",
    "UT0180000",
    "2019-03-31",
    "jordan.reyes@example.gov",
    "no",
    "North",
    "Days",
)


def template_csv() -> bytes:
    """The officers' file as the registry reads it, with one example row."""
    return to_csv(columns.FIELDS, [TEMPLATE_EXAMPLE])


def sheet_agency(session: Session, actor: Actor, raw: str) -> Agency | None:
    """The agency a file comes from (one the actor may act in), or None: the file names each
    row's agency itself."""
    if not raw:
        return None
    try:
        agency_id = uuid.UUID(raw)
    except ValueError:
        return None
    return get_agency_for(session, actor, agency_id)


@dataclass(frozen=True)
class Outcome:
    """One row of the file: where, who, and what happens to it (or why not)."""

    line: int
    who: str
    state: str  # "new", "updated", "unchanged", "refused"
    reasons: list[str]


def run(
    session: Session,
    actor: Actor,
    sheet: Sheet,
    chosen: Mapping[str, str],
    agency: Agency | None,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    source: str,
    existing: str,
    preview: bool,
) -> OfficerImport:
    """Imports every row that passes (with `preview`, keeps nothing); saving remembers the
    mapping for the agency's next file."""
    rows = columns.apply(sheet, chosen, agency.ori if agency else None)
    result = import_officers(
        session,
        actor,
        rows,
        zone,
        now=now,
        source=source,
        existing=existing,
        preview=preview,
        keep_good=True,
    )
    if not preview and agency is not None:
        columns.remember(session, actor, agency.id, chosen)
    return result


def outcomes(sheet: Sheet, chosen: Mapping[str, str], result: OfficerImport) -> list[Outcome]:
    index = {c: i for i, c in enumerate(sheet.columns)}

    def who(cells: list[str]) -> str:
        parts = [
            cells[index[chosen[n]]].strip() for n in ("first_name", "last_name") if n in chosen
        ]
        post = cells[index[chosen["post_id"]]].strip() if "post_id" in chosen else ""
        return " ".join(p for p in parts if p) + (f" ({post})" if post else "")

    states = {c.line: "new" for c in result.created}
    states.update({c.line: "updated" for c in result.updated})
    states.update({c.line: "unchanged" for c in result.skipped})
    reasons = _reasons(result.refused)
    return [
        Outcome(
            line,
            who(cells),
            "refused" if line in reasons else states.get(line, "unchanged"),
            reasons.get(line, []),
        )
        for line, cells in sheet.rows
    ]


def _reasons(refused: list[RowError]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for error in refused:
        label = columns.LABELS.get(error.field, error.field)
        out.setdefault(error.line, []).append(f"{label}: {error.reason}" if label else error.reason)
    return out


def refused_rows(sheet: Sheet, refused: list[RowError]) -> tuple[Sheet, dict[int, str]]:
    """The refused rows alone, as the file had them, and each one's reasons in words."""
    reasons = {line: "; ".join(texts) for line, texts in _reasons(refused).items()}
    return Sheet(sheet.columns, [r for r in sheet.rows if r[0] in reasons]), reasons


def refused_csv(sheet: Sheet, reasons: Mapping[int, str]) -> bytes:
    """The refused rows with their line and reason: correct them and import this file again.
    (Every cell, the column names too, is kept from starting a formula in Excel.)"""
    return to_csv(
        [neutralise(c) for c in (*sheet.columns, "line", "reason")],
        [[*cells, line, reasons.get(line, "")] for line, cells in sheet.rows],
    )

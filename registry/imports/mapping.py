"""Mapping an agency's own column names to the registry's officer fields: suggested by name
(the agency's last mapping first, then words people use, then similar spelling), remembered per
agency when a file is saved, and applied to make the rows the officer import reads."""

from __future__ import annotations

import difflib
import json
import re
import uuid
from collections.abc import Mapping

from sqlmodel import Session

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.errors import InvalidInput
from registry.imports.reading import OFFICER_OPTIONAL, OFFICER_REQUIRED, CsvRow
from registry.imports.sheets import Sheet
from registry.tables.accounts import ImportMapping

FIELDS = (*OFFICER_REQUIRED, *OFFICER_OPTIONAL)
LABELS = {
    "post_id": "POST id",
    "first_name": "First name",
    "last_name": "Last name",
    "agency_ori": "Agency ORI",
    "patrol_start_date": "Patrol start date",
    "email": "Email",
    "protected": "Protected (yes/no)",
    "district": "District",
    "shift": "Shift",
}
# Names agencies give these columns, written as `_key` writes them.
KNOWN = {
    "post_id": ("postid", "post", "postnumber", "postno", "postcert", "certificationnumber"),
    "first_name": ("firstname", "first", "givenname", "fname", "forename"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname"),
    "agency_ori": ("agencyori", "ori", "agency", "department", "agencycode"),
    "patrol_start_date": (
        "patrolstartdate",
        "patrolstart",
        "startdate",
        "hiredate",
        "datehired",
        "hired",
        "patrolsince",
        "sworndate",
    ),
    "email": ("email", "emailaddress", "mail", "workemail"),
    "protected": ("protected", "undercover", "confidential"),
    "district": ("district", "beat", "zone", "area"),
    "shift": ("shift", "watch", "platoon"),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def suggest(columns: list[str], remembered: Mapping[str, str] | None = None) -> dict[str, str]:
    """For each field, the file's column that most likely holds it (fields with none left out);
    a column is suggested for one field at most."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for name, column in (remembered or {}).items():
        if name in FIELDS and column in columns and column not in taken:
            out[name] = column
            taken.add(column)
    keys = {c: _key(c) for c in columns if c}
    for name in FIELDS:
        if name in out:
            continue
        free = [c for c in keys if c not in taken]
        exact = [c for c in free if keys[c] in KNOWN[name] or keys[c] == _key(name)]
        # "Officer POST ID" holds "postid": a known name within the column's, five letters on.
        within = [c for c in free if any(len(k) >= 5 and k in keys[c] for k in KNOWN[name])]
        if exact or within:
            out[name] = (exact or within)[0]
            taken.add(out[name])
            continue
        scored = [
            (max(difflib.SequenceMatcher(None, keys[c], k).ratio() for k in KNOWN[name]), c)
            for c in free
        ]
        best = max(scored, default=(0.0, ""))
        if best[0] >= 0.8:
            out[name] = best[1]
            taken.add(best[1])
    return out


def chosen(form: Mapping[str, str], columns: list[str]) -> dict[str, str]:
    """The mapping a person chose (form fields `map_<field>`), checked against the file."""
    out: dict[str, str] = {}
    for name in FIELDS:
        column = form.get(f"map_{name}", "")
        if not column:
            continue
        if column not in columns:
            raise InvalidInput(
                f"The file has no column {column!r}.", field=f"map_{name}", rule="column"
            )
        if column in out.values():
            raise InvalidInput(
                f"The column {column!r} is chosen for two fields; choose it for one.",
                field=f"map_{name}",
                rule="once",
            )
        out[name] = column
    return out


def apply(sheet: Sheet, mapping: Mapping[str, str], agency_ori: str | None) -> list[CsvRow]:
    """The sheet's rows under the registry's field names. A required field the file lacks is
    refused (the agency's ORI may instead be given for the whole file); an optional one the
    file lacks is left out, as it would be from a CSV without that column."""
    missing = [
        LABELS[n]
        for n in OFFICER_REQUIRED
        if n not in mapping and not (n == "agency_ori" and agency_ori)
    ]
    if missing:
        raise InvalidInput(
            f"Choose the file's column for {', '.join(missing)}.", field="mapping", rule="required"
        )
    index = {column: i for i, column in enumerate(sheet.columns)}
    rows = []
    for line, cells in sheet.rows:
        values = {name: cells[index[column]] for name, column in mapping.items()}
        if "agency_ori" not in mapping and agency_ori:
            values["agency_ori"] = agency_ori
        rows.append(CsvRow(line=line, cells=values))
    return rows


def remembered(session: Session, agency_id: uuid.UUID | None) -> dict[str, str]:
    if agency_id is None:
        return {}
    row = session.get(ImportMapping, agency_id)
    if row is None:
        return {}
    try:
        value = json.loads(row.columns)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def remember(
    session: Session, actor: Actor, agency_id: uuid.UUID, mapping: Mapping[str, str]
) -> None:
    """Keeps the mapping for the agency's next file (audited when it changed)."""
    text = json.dumps(dict(mapping), sort_keys=True)[:4000]
    row = session.get(ImportMapping, agency_id)
    if row is not None and row.columns == text:
        return
    before = json.loads(row.columns) if row is not None else None
    if row is None:
        row = ImportMapping(agency_id=agency_id, columns=text)
    row.columns, row.updated_at = text, utcnow()
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "import.mapping",
        "agency",
        agency_id,
        before={"columns": before} if before is not None else None,
        after={"columns": dict(mapping)},
    )

"""Spreadsheets as agencies keep them: a CSV file or an Excel workbook (.xlsx, its first sheet),
read into a header and rows of text, with the work bounded (size, rows, columns, cells, and a
workbook's unpacked size, so a zip bomb is refused before it is unpacked)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from registry.imports.reading import MAX_CELL, MAX_ROWS, FileRefused, check_size, csv_text

MAX_COLUMNS = 60
# What a workbook may unpack to, in all: an .xlsx is zipped XML, ten or twenty times smaller.
MAX_UNPACKED = 64 * 1024 * 1024
MAX_MEMBERS = 500
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Sheet:
    """The file's own column names, and each data row's cells with the line (or sheet row)
    it stands on."""

    columns: list[str]
    rows: list[tuple[int, list[str]]]

    def as_json(self) -> str:
        """What the console carries from one step to the next (nothing is kept on the server
        meanwhile): the columns, and each row with its line."""
        return json.dumps({"columns": self.columns, "rows": self.rows}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Sheet:
        """A sheet carried back by a form, held to the same bounds as a file."""
        try:
            value = json.loads(text)
            names = [str(c)[:100] for c in value["columns"]][:MAX_COLUMNS]
            rows = [
                (int(line), [str(c)[: MAX_CELL + 1] for c in cells][: len(names)])
                for line, cells in value["rows"][: MAX_ROWS + 1]
            ]
        except (ValueError, TypeError, KeyError):
            raise FileRefused(
                "The file did not come back whole; upload it again.", field="file", rule="format"
            ) from None
        checked: list[tuple[int, list[str]]] = []
        for line, cells in rows:
            _add(checked, line, cells, "The file")
        return _done(names, checked, "The file")


def read_sheet(data: bytes, filename: str) -> Sheet:
    """A CSV or .xlsx file as a Sheet; anything else, or too much, is refused in words."""
    source = filename or "The file"
    check_size(data, source)
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx(data, source)
    if filename.lower().endswith(".xls"):
        raise FileRefused(
            f"{source} is an old Excel file (.xls); save it as .xlsx or CSV UTF-8.",
            field="file",
            rule="format",
        )
    return _csv(data, source)


def _csv(data: bytes, source: str) -> Sheet:
    reader = csv.reader(io.StringIO(csv_text(data, source), newline=""), strict=True)

    def lines() -> Iterator[tuple[int, list[str]]]:
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            yield start, cells

    try:
        return _collect(lines(), source)
    except csv.Error as exc:
        raise FileRefused(
            f"{source} is not a well-formed CSV file near line {reader.line_num}: {exc}.",
            field="file",
            rule="format",
        ) from None


def _collect(lines: Iterable[tuple[int, list[str]]], source: str) -> Sheet:
    """The first row that is not blank names the columns; the rest are the data."""
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    for line, cells in lines:
        if not any(c.strip() for c in cells):
            continue  # blank lines, often at the end of a file
        if header is None:
            header = _header(cells, source)
        else:
            _add(rows, line, cells, source)
    return _done(header, rows, source)


def _xlsx(data: bytes, source: str) -> Sheet:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(
            f"{source} is not an Excel workbook (.xlsx) we can read; save it again as .xlsx "
            "or as CSV UTF-8.",
            field="file",
            rule="format",
        ) from None
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED:
        raise FileRefused(
            f"{source} unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MiB; save the sheet "
            "of officers alone, or as CSV UTF-8.",
            field="file",
            rule="max_size",
        )
    try:
        # Read-only streams the sheet; data_only takes the values Excel computed, never the
        # formulas (a formula is not run here, and one never saved with its value reads blank).
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise FileRefused(
            f"{source} is damaged or is not an Excel workbook; save it again as .xlsx or as "
            "CSV UTF-8.",
            field="file",
            rule="format",
        ) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise FileRefused(f"{source} has no sheet.", field="file", rule="header")
        values = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        try:
            return _collect(
                ((n, [_text(v) for v in row]) for n, row in enumerate(values, start=1)), source
            )
        except FileRefused:
            raise
        except Exception:
            raise FileRefused(
                f"{source} is damaged; save it again as .xlsx or as CSV UTF-8.",
                field="file",
                rule="format",
            ) from None
    finally:
        book.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _header(cells: list[str], source: str) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > MAX_COLUMNS:
        raise FileRefused(
            f"{source} has more than {MAX_COLUMNS} columns; keep the officers' columns only.",
            field="file",
            rule="max_columns",
        )
    names = [c.strip()[:100] for c in cells]
    named = [n for n in names if n]
    twice = sorted({n for n in named if named.count(n) > 1})
    if twice:
        raise FileRefused(
            f"{source} names the column {', '.join(twice)} more than once.",
            field="file",
            rule="header",
        )
    return names


def _add(rows: list[tuple[int, list[str]]], line: int, cells: list[str], source: str) -> None:
    if len(rows) >= MAX_ROWS:
        raise FileRefused(
            f"{source} has more than {MAX_ROWS:,} rows; split it into parts.",
            field="file",
            rule="max_rows",
        )
    rows.append((line, [c[: MAX_CELL + 1] for c in cells]))


def _done(header: list[str] | None, rows: list[tuple[int, list[str]]], source: str) -> Sheet:
    if header is None or not any(header):
        raise FileRefused(
            f"{source} is empty; its first row must name the columns.", field="file", rule="header"
        )
    if not rows:
        raise FileRefused(
            f"{source} has column names but no rows of officers.", field="file", rule="rows"
        )
    width = len(header)
    return Sheet(header, [(line, (cells + [""] * width)[:width]) for line, cells in rows])

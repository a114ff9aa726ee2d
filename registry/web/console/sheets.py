"""Console pages to import an agency's own spreadsheet of officers (CSV or .xlsx): the template,
the columns mapped, a preview of every row, the good rows saved, the refused ones downloaded."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.response import Template
from sqlmodel import Session

from registry.accounts.guards import office
from registry.actors import Actor
from registry.errors import RegistryError
from registry.http.deps import AnyRequest, DbSession, Now, ProgramZone
from registry.http.responses import csv_file
from registry.imports import mapping as columns
from registry.imports import reading, spreadsheet
from registry.imports.service import EXISTING
from registry.imports.sheets import Sheet, read_sheet
from registry.tables.people import Agency
from registry.web.console.common import PREFIX, actor_of, form_data, page, redirect, text

IMPORT_PAGE = f"{PREFIX}/import"
# A form carries the sheet back as JSON: a little more than the file it came from.
CARRIED = 3 * reading.MAX_BYTES + 64 * 1024


@get("/import/officers-template.csv", sync_to_thread=False)
def template(request: AnyRequest) -> Response[bytes]:
    return csv_file(spreadsheet.template_csv(), "officers-template.csv")


def _context(session: Session, actor: Actor, form: FormMultiDict) -> tuple[Sheet, Agency | None]:
    sheet = Sheet.from_json(str(form.get("sheet") or ""))
    return sheet, spreadsheet.sheet_agency(session, actor, text(form, "agency"))


async def _step(
    request: AnyRequest,
    session: Session,
    work: Callable[[], Response[Any]],
) -> Response[Any]:
    """One step in a worker thread; a refusal is rolled back and said on the import page."""
    try:
        return await anyio.to_thread.run_sync(work)
    except RegistryError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return redirect(f"{IMPORT_PAGE}#sheet", exc.detail, error=True)


@post("/import/sheet", guards=[office], request_max_body_size=reading.MAX_BYTES + 64 * 1024)
async def upload_sheet(request: AnyRequest, session: DbSession) -> Response[Any]:
    """The file read, and its columns offered for mapping (the agency's last mapping first)."""
    actor = actor_of(request)
    form = await form_data(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return redirect(f"{IMPORT_PAGE}#sheet", "Choose a spreadsheet to import.", error=True)
    data = await upload.read(reading.MAX_BYTES + 1)
    await upload.close()
    filename = upload.filename[:200]

    def work() -> Response[Any]:
        sheet = read_sheet(data, filename)
        agency = spreadsheet.sheet_agency(session, actor, text(form, "agency"))
        remembered = columns.remembered(session, agency.id if agency else None)
        suggested = columns.suggest(sheet.columns, remembered)
        return _mapping_page(request, sheet, agency, filename, suggested, bool(remembered))

    return await _step(request, session, work)


def _mapping_page(
    request: AnyRequest,
    sheet: Sheet,
    agency: Agency | None,
    filename: str,
    suggested: dict[str, str],
    remembered: bool,
    *,
    error: str | None = None,
) -> Template:
    return page(
        request,
        "sheet_map.html",
        status=400 if error else 200,
        title="Match the columns",
        filename=filename,
        agency=agency,
        sheet=sheet,
        sheet_json=sheet.as_json(),
        sample=sheet.rows[:3],
        fields=[(n, columns.LABELS[n], n in reading.OFFICER_REQUIRED) for n in columns.FIELDS],
        suggested=suggested,
        remembered=remembered,
        existing_choices=EXISTING,
        error=error,
    )


async def _run(
    request: AnyRequest, session: Session, zone: ZoneInfo, now: datetime, preview: bool
) -> Response[Any]:
    """The mapped sheet imported: previewed (every row's outcome, nothing kept), or its good
    rows saved, all of them or none (this request's one transaction)."""
    actor = actor_of(request)
    form = await form_data(request)
    filename = text(form, "filename")[:200] or "The file"
    existing = text(form, "existing") or "refuse"

    def work() -> Response[Any]:
        sheet, agency = _context(session, actor, form)
        try:
            chosen = columns.chosen({k: text(form, k) for k in form}, sheet.columns)
            result = spreadsheet.run(
                session,
                actor,
                sheet,
                chosen,
                agency,
                zone,
                now=now,
                source=filename,
                existing=existing,
                preview=preview,
            )
        except RegistryError as exc:
            if not preview:
                raise
            session.rollback()
            picked = {n: text(form, f"map_{n}") for n in columns.FIELDS if text(form, f"map_{n}")}
            return _mapping_page(request, sheet, agency, filename, picked, False, error=exc.detail)
        rows, reasons = spreadsheet.refused_rows(sheet, result.refused)
        shared: dict[str, Any] = {
            "filename": filename,
            "refused": len(reasons),
            "refused_json": rows.as_json() if rows.rows else "",
            "reasons_json": json.dumps(reasons),
        }
        if not preview:
            return page(request, "sheet_saved.html", title="Import saved", result=result, **shared)
        outcomes = spreadsheet.outcomes(sheet, chosen, result)
        return page(
            request,
            "sheet_preview.html",
            title="Check the rows",
            agency=agency,
            rows=outcomes,
            good=sum(1 for r in outcomes if r.state != "refused"),
            sheet_json=sheet.as_json(),
            chosen=chosen,
            existing=existing,
            **shared,
        )

    return await _step(request, session, work)


@post("/import/sheet/preview", guards=[office], request_max_body_size=CARRIED)
async def preview_sheet(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Response[Any]:
    return await _run(request, session, zone, now, preview=True)


@post("/import/sheet/save", guards=[office], request_max_body_size=CARRIED)
async def save_sheet(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Response[Any]:
    return await _run(request, session, zone, now, preview=False)


@post("/import/sheet/refused.csv", guards=[office], request_max_body_size=CARRIED, status_code=200)
async def refused_download(request: AnyRequest) -> Response[Any]:
    """The refused rows, each with its reason, as a CSV to correct and import again."""
    form = await form_data(request)
    try:
        rows = Sheet.from_json(str(form.get("sheet") or ""))
        raw = json.loads(str(form.get("reasons") or "{}"))
        reasons = {int(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    except (RegistryError, ValueError, TypeError):
        again = "The refused rows did not come back whole; import the file again."
        return redirect(f"{IMPORT_PAGE}#sheet", again, error=True)
    name = text(form, "filename")[:100].rsplit(".", 1)[0] or "officers"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return csv_file(spreadsheet.refused_csv(rows, reasons), f"{safe}-refused.csv")


HANDLERS = [template, upload_sheet, preview_sheet, save_sheet, refused_download]

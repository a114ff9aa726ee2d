"""Console pages to upload officer and roster CSV files, and the CSV downloads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from registry.accounts.guards import office
from registry.credentials.deps import CurrentIssuer
from registry.errors import RegistryError
from registry.http.deps import AnyRequest, DbEngine, DbSession, Now, PathUUID, ProgramZone
from registry.http.responses import csv_file, csv_stream
from registry.imports import reading, service
from registry.imports.reading import FileRefused, ImportRefused
from registry.people.service import list_agencies
from registry.reports import exports
from registry.training.service import list_classes
from registry.web.console.common import PREFIX, actor_of, form_data, page, redirect, text
from registry.windows import EXPIRING_DEFAULT_DAYS

IMPORT_PAGE = f"{PREFIX}/import"


async def _upload(request: AnyRequest) -> tuple[FormMultiDict, bytes, str]:
    form = await form_data(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return form, b"", ""
    # Read one byte past the limit: enough to know the file is too large.
    data = await upload.read(reading.MAX_BYTES + 1)
    await upload.close()
    return form, data, upload.filename


def _report(
    request: AnyRequest,
    *,
    what: str,
    filename: str,
    refused: ImportRefused | None = None,
    problem: str | None = None,
) -> Template:
    return page(
        request,
        "import_report.html",
        status=422 if refused is not None else 400,
        title="Import refused",
        what=what,
        filename=filename,
        refused=refused,
        problem=problem,
    )


@get("/import", sync_to_thread=True)
def import_page(request: AnyRequest, session: DbSession) -> Template:
    actor = actor_of(request)
    return page(
        request,
        "import.html",
        title="Import and export",
        classes=list_classes(session, actor),
        may_import=actor.is_office,
        may_export_credentials=actor.is_office,
        max_rows=reading.MAX_ROWS,
        officer_columns=",".join((*reading.OFFICER_REQUIRED, *reading.OFFICER_OPTIONAL)),
        agency_columns=",".join(reading.AGENCY_REQUIRED),
        agencies=list_agencies(session, actor) if actor.is_office else [],
    )


async def _run_import(
    request: AnyRequest,
    session: DbSession,
    run: Callable[[], int],
    *,
    what: str,
    filename: str,
    done: str,
) -> Response[Any]:
    """Runs an import in a worker thread; a refused one is rolled back and reported row by row."""
    try:
        saved = await anyio.to_thread.run_sync(run)
    except ImportRefused as exc:
        # Nothing of a refused import may reach the commit at the end of the request.
        await anyio.to_thread.run_sync(session.rollback)
        return _report(request, what=what, filename=filename, refused=exc)
    except FileRefused as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return _report(request, what=what, filename=filename, problem=exc.detail)
    return redirect(IMPORT_PAGE, f"{filename}: {done.format(saved)}")


async def _import_upload(
    request: AnyRequest,
    session: DbSession,
    what: str,
    importer: Callable[..., int],
) -> Response[Any]:
    """An uploaded CSV of `what` through `importer(session, actor, data, source=...)`."""
    actor = actor_of(request)
    _, data, filename = await _upload(request)
    if not filename:
        return redirect(IMPORT_PAGE, f"Choose a CSV file of {what} to import.", error=True)

    def run() -> int:
        return importer(session, actor, data, source=filename)

    return await _run_import(
        request, session, run, what=what, filename=filename, done=f"saved {{}} {what}."
    )


def _import_officers(
    session: DbSession,
    actor: Any,
    data: bytes,
    zone: ZoneInfo,
    now: datetime,
    source: str,
    existing: str,
    preview: bool,
) -> service.OfficerImport:
    return service.import_officers_csv(
        session, actor, data, zone, now=now, source=source, existing=existing, preview=preview
    )


@post("/import/officers", guards=[office], request_max_body_size=reading.MAX_BYTES + 64 * 1024)
async def import_officers(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Response[Any]:
    """A file of officers. Refusing the officers already registered (the default) saves it at
    once; skipping or updating them shows first what would change, to confirm."""
    actor = actor_of(request)
    form, data, filename = await _upload(request)
    existing = text(form, "existing") or "refuse"
    if not filename:
        return redirect(IMPORT_PAGE, "Choose a CSV file of officers to import.", error=True)

    def run(preview: bool) -> Callable[[], Any]:
        return lambda: _import_officers(
            session, actor, data, zone, now, filename, existing, preview
        )

    if existing == "refuse":
        return await _run_import(
            request,
            session,
            lambda: run(False)().saved,
            what="officers",
            filename=filename,
            done="saved {} officers.",
        )
    try:
        plan = await anyio.to_thread.run_sync(run(True))
    except ImportRefused as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return _report(request, what="officers", filename=filename, refused=exc)
    except RegistryError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return _report(request, what="officers", filename=filename, problem=exc.detail)
    return page(
        request,
        "officer_import_preview.html",
        title="Check the officer import",
        filename=filename,
        existing=existing,
        plan=plan,
        # The file goes back with the confirmation: nothing is kept on the server meanwhile.
        csv=data.decode("utf-8-sig", errors="replace"),
    )


@post(
    "/import/officers/confirm",
    guards=[office],
    request_max_body_size=2 * reading.MAX_BYTES + 64 * 1024,
)
async def confirm_officers(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Response[Any]:
    """The previewed file, imported: checked again row by row, all rows or none."""
    actor = actor_of(request)
    form = await form_data(request)
    filename = text(form, "filename")[:200] or "The file"
    existing = text(form, "existing")
    data = str(form.get("csv") or "").encode("utf-8")
    result: list[service.OfficerImport] = []

    def work() -> int:
        result.append(_import_officers(session, actor, data, zone, now, filename, existing, False))
        return result[0].saved

    response = await _run_import(
        request, session, work, what="officers", filename=filename, done="saved {} officers."
    )
    if result:
        done = result[0]
        return redirect(
            IMPORT_PAGE,
            f"{filename}: created {len(done.created)}, updated {len(done.updated)}, "
            f"left {len(done.skipped)} unchanged.",
        )
    return response


@post("/import/agencies", guards=[office], request_max_body_size=reading.MAX_BYTES + 64 * 1024)
async def import_agencies(request: AnyRequest, session: DbSession) -> Response[Any]:
    return await _import_upload(request, session, "agencies", service.import_agencies_csv)


@post("/import/roster", guards=[office], request_max_body_size=reading.MAX_BYTES + 64 * 1024)
async def import_roster(
    request: AnyRequest, session: DbSession, zone: ProgramZone
) -> Response[Any]:
    actor = actor_of(request)
    form, data, filename = await _upload(request)
    what = "roster"
    try:
        class_id = uuid.UUID(str(form.get("class_id", "")))
    except ValueError:
        return redirect(IMPORT_PAGE, "Choose the class to enroll the officers in.", error=True)
    if not filename:
        return redirect(IMPORT_PAGE, "Choose a CSV file with a post_id column.", error=True)

    def run() -> service.RosterImport:
        return service.import_roster_csv(session, actor, class_id, data, zone, source=filename)

    try:
        result = await anyio.to_thread.run_sync(run)
    except FileRefused as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return _report(request, what=what, filename=filename, problem=exc.detail)
    except RegistryError as exc:
        await anyio.to_thread.run_sync(session.rollback)
        return redirect(IMPORT_PAGE, exc.detail, error=True)
    done = f"{filename}: enrolled {result.saved} officers in the class."
    if not result.skipped and not result.refused:
        return redirect(IMPORT_PAGE, done)
    return page(
        request,
        "roster_report.html",
        title="Roster imported",
        filename=filename,
        done=done,
        class_id=class_id,
        result=result,
    )


@get("/classes/{class_id:uuid}/roster.csv", sync_to_thread=True)
def roster_download(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    class_id: PathUUID,
    zone: ProgramZone,
) -> Response[bytes]:
    body = exports.roster_csv(session, actor_of(request), class_id, zone, issuer.wallet_url)
    return csv_file(body, f"roster-{class_id}.csv")


@get("/credentials.csv", guards=[office])
async def credentials_download(
    request: AnyRequest, engine: DbEngine, issuer: CurrentIssuer, zone: ProgramZone, now: Now
) -> Stream:
    rows = exports.streamed_credentials_csv(
        engine, actor_of(request), issuer.credential_url, issuer.wallet_url, zone
    )
    return csv_stream(rows, exports.dated_name("credentials", zone, now))


@get("/coverage.csv", sync_to_thread=True)
def coverage_download(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Response[bytes]:
    body = exports.coverage_csv(session, actor_of(request), zone, now)
    return csv_file(body, exports.dated_name("coverage", zone, now))


@get("/expiring.csv", sync_to_thread=True)
def expiring_download(
    request: AnyRequest,
    session: DbSession,
    zone: ProgramZone,
    now: Now,
    days: Annotated[
        int, QueryParameter(ge=1, le=exports.MAX_EXPIRING_DAYS)
    ] = EXPIRING_DEFAULT_DAYS,
) -> Response[bytes]:
    body = exports.expiring_csv(session, actor_of(request), days, zone)
    return csv_file(body, exports.dated_name(f"expiring-{days}d", zone, now))


HANDLERS = [
    import_page,
    import_officers,
    confirm_officers,
    import_agencies,
    import_roster,
    roster_download,
    credentials_download,
    coverage_download,
    expiring_download,
]

"""HTTP routes for CSV imports (officers, class rosters) and CSV exports."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Controller, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Stream

from registry.accounts.guards import office, staff
from registry.credentials.deps import CurrentIssuer
from registry.errors import UnsupportedMediaType
from registry.http.deps import (
    AnyRequest,
    CurrentActor,
    DbEngine,
    DbSession,
    Now,
    PathUUID,
    ProgramZone,
)
from registry.http.responses import csv_file, csv_stream
from registry.imports import reading, service
from registry.reports import exports
from registry.windows import EXPIRING_DEFAULT_DAYS

CSV_TYPES = ("text/csv", "application/csv")


async def csv_body(request: AnyRequest) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise UnsupportedMediaType(
            "Send the file as the request body with Content-Type: text/csv.",
            field="content-type",
            rule="media_type",
        )
    # The handler's request_max_body_size answers 413 before this reads past 5 MiB.
    return await request.body()


def csv_upload(path: str, summary: str) -> post:
    """A route that takes a CSV file as its body (coordinators and the administrator): up to
    the CSV reader's size, answered 200 with what was saved or refused."""
    return post(
        path,
        guards=[office],
        status_code=200,
        request_max_body_size=reading.MAX_BYTES,
        summary=summary,
    )


class ImportController(Controller):
    path = "/api/v1"
    tags = ("imports and exports",)

    @csv_upload(
        "/imports/officers",
        "Import officers from CSV (all rows or none); existing ones refused, skipped "
        "or updated; preview=true keeps nothing and says what would change",
    )
    async def officers(
        self,
        request: AnyRequest,
        session: DbSession,
        actor: CurrentActor,
        zone: ProgramZone,
        now: Now,
        existing: Annotated[
            Literal["refuse", "skip", "update"],
            QueryParameter(description="what to do with an officer already registered"),
        ] = "refuse",
        preview: Annotated[bool, QueryParameter(description="say what would change")] = False,
    ) -> dict[str, Any]:
        data = await csv_body(request)
        result = await anyio.to_thread.run_sync(
            partial(
                service.import_officers_csv,
                session,
                actor,
                data,
                zone,
                now=now,
                source="The CSV body",
                existing=existing,
                preview=preview,
            )
        )
        return {**result.as_dict(), "preview": preview}

    @csv_upload(
        "/imports/agencies",
        "Import agencies from CSV (columns name, ori, region; all rows or none)",
    )
    async def agencies(
        self, request: AnyRequest, session: DbSession, actor: CurrentActor
    ) -> dict[str, int]:
        data = await csv_body(request)
        saved = await anyio.to_thread.run_sync(
            partial(service.import_agencies_csv, session, actor, data, source="The CSV body")
        )
        return {"saved": saved}

    @csv_upload(
        "/classes/{class_id:uuid}/imports/roster",
        "Enroll officers in a class from CSV: the enrolled skipped, the refused named",
    )
    async def roster(
        self,
        request: AnyRequest,
        session: DbSession,
        actor: CurrentActor,
        class_id: PathUUID,
        zone: ProgramZone,
    ) -> dict[str, Any]:
        data = await csv_body(request)
        result = await anyio.to_thread.run_sync(
            partial(
                service.import_roster_csv,
                session,
                actor,
                class_id,
                data,
                zone,
                source="The CSV body",
            )
        )
        return result.as_dict()

    @get("/classes/{class_id:uuid}/roster.csv", guards=[staff], sync_to_thread=True)
    def roster_csv(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        class_id: PathUUID,
        zone: ProgramZone,
    ) -> Response[bytes]:
        body = exports.roster_csv(session, actor, class_id, zone, issuer.wallet_url)
        return csv_file(body, f"roster-{class_id}.csv")

    @get("/credentials.csv", guards=[office])
    async def credentials_csv(
        self,
        engine: DbEngine,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        zone: ProgramZone,
        now: Now,
    ) -> Stream:
        rows = exports.streamed_credentials_csv(
            engine, actor, issuer.credential_url, issuer.wallet_url, zone
        )
        return csv_stream(rows, exports.dated_name("credentials", zone, now))

    @get("/coverage.csv", guards=[staff], sync_to_thread=True)
    def coverage_csv(
        self, session: DbSession, actor: CurrentActor, zone: ProgramZone, now: Now
    ) -> Response[bytes]:
        body = exports.coverage_csv(session, actor, zone, now)
        return csv_file(body, exports.dated_name("coverage", zone, now))

    @get("/expiring.csv", guards=[staff], sync_to_thread=True)
    def expiring_csv(
        self,
        session: DbSession,
        actor: CurrentActor,
        zone: ProgramZone,
        now: Now,
        days: Annotated[
            int, QueryParameter(ge=1, le=exports.MAX_EXPIRING_DAYS, description="window in days")
        ] = EXPIRING_DEFAULT_DAYS,
    ) -> Response[bytes]:
        body = exports.expiring_csv(session, actor, days, zone)
        return csv_file(body, exports.dated_name(f"expiring-{days}d", zone, now))

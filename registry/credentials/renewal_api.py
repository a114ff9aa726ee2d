"""HTTP routes for renewing a certification and listing those about to expire."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter

from registry.accounts.guards import office
from registry.credentials import renewal, schemas
from registry.credentials.deps import CurrentIssuer
from registry.http.deps import CurrentActor, DbSession, ProgramZone
from registry.reports import service as reports
from registry.windows import EXPIRING_DEFAULT_DAYS, EXPIRING_MAX_DAYS


class RenewalController(Controller):
    path = "/api/v1"
    tags = ("credentials",)

    @post("/credentials/{credential_id:str}/renew", guards=[office], sync_to_thread=True)
    def renew(
        self,
        session: DbSession,
        actor: CurrentActor,
        issuer: CurrentIssuer,
        credential_id: FromPath[str],
        zone: ProgramZone,
    ) -> schemas.RenewalResult:
        credential = renewal.renew(session, actor, issuer, credential_id, zone)
        return renewal.renewal_result(session, issuer, credential)

    @get("/expiring", guards=[office], sync_to_thread=True)
    def expiring(
        self,
        session: DbSession,
        actor: CurrentActor,
        days: Annotated[
            int, QueryParameter(ge=1, le=EXPIRING_MAX_DAYS, description="window in days from now")
        ] = EXPIRING_DEFAULT_DAYS,
    ) -> list[reports.Expiring]:
        """Credentials in force that expire within `days`, soonest first (renewed ones left out)."""
        return reports.expiring(session, actor, days)

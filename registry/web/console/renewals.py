"""Console forms on the officer page: record continuing education, renew a certification."""

from __future__ import annotations

import uuid

import anyio.to_thread
from litestar import post
from litestar.params import FromPath
from litestar.response import Redirect

from registry.accounts.guards import office
from registry.credentials import renewal
from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import get_credential_for
from registry.dates import long_date
from registry.http.deps import AnyRequest, DbSession, Now, PathUUID, ProgramZone
from registry.training import ce
from registry.web.console.common import attempt, build, posted, text
from registry.web.console.once import once


@post("/officers/{officer_id:uuid}/ce", guards=[office], name="console-add-ce")
async def add_ce(
    request: AnyRequest, session: DbSession, officer_id: PathUUID, zone: ProgramZone, now: Now
) -> Redirect:
    data, actor = await posted(request)
    back = f"/console/officers/{officer_id}"
    values = {
        "title": text(data, "title"),
        "hours": text(data, "hours"),
        "completed_on": text(data, "completed_on"),
    }

    def work() -> str:
        r = ce.record_ce(session, actor, officer_id, build(ce.CECreate, values), zone, now=now)
        return f"Recorded {r.hours:g} hours of continuing education."

    return await attempt(session, once(session, actor, data, work, back), back=back)


@post("/credentials/{credential_id:str}/renew", guards=[office], name="console-renew")
async def renew(
    request: AnyRequest,
    issuer: CurrentIssuer,
    session: DbSession,
    credential_id: FromPath[str],
    zone: ProgramZone,
) -> Redirect:
    _, actor = await posted(request)

    def holder() -> uuid.UUID:
        return get_credential_for(session, actor, credential_id).officer_id

    back = f"/console/officers/{await anyio.to_thread.run_sync(holder)}"

    def work() -> str:
        c = renewal.renew(session, actor, issuer, credential_id, zone)
        return f"Renewed: new credential {c.id}, valid until {long_date(c.valid_until, zone)}."

    return await attempt(session, work, back=back)


HANDLERS = [add_ce, renew]

"""The printable certificate's routes: one US Letter page of facts, with a QR code to live
verification (facts in certificate_facts.py, drawing in certificate_render.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath
from sqlmodel import Session

from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import Issuer, get_public_credential
from registry.http.deps import DbSession
from registry.tables.credentials import Credential
from registry.web.certificate_facts import certificate_facts


@get(
    "/c/{credential_id:str}/certificate.pdf",
    public=True,
    tags=["public"],
    sync_to_thread=True,
    summary="A printable certificate (PDF) with a QR code to live verification",
)
def certificate_pdf(
    request: Request[Any, Any, Any],
    session: DbSession,
    issuer: CurrentIssuer,
    credential_id: FromPath[str],
) -> Response[bytes]:
    """Not for a holder whose record is protected now: 404, as for an unknown id (the officer
    prints it from the wallet)."""
    return certificate_download(
        request, session, issuer, get_public_credential(session, credential_id)
    )


def certificate_download(
    request: Request[Any, Any, Any],
    session: Session,
    issuer: Issuer,
    credential: Credential,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    facts = certificate_facts(
        session,
        request.app.state.verifier,
        issuer.name,
        issuer.credential_url(credential.id),
        credential,
    )
    from registry.web.certificate_render import render_certificate

    return Response(
        render_certificate(facts),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="cit-certificate-{credential.id}.pdf"',
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )

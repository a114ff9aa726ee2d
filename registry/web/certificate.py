"""The printable certificate's routes: one US Letter page of facts, with a QR code to live
verification (facts in certificate_facts.py, drawing in certificate_render.py)."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from registry.credentials.deps import CurrentIssuer
from registry.credentials.service import get_public_credential
from registry.http.deps import DbSession, ProgramZone
from registry.verification.deps import CurrentVerifier
from registry.web.certificate_file import certificate_download


@get(
    "/c/{credential_id:str}/certificate.pdf",
    public=True,
    tags=["public"],
    sync_to_thread=True,
    summary="A printable certificate (PDF) with a QR code to live verification",
)
def certificate_pdf(
    session: DbSession,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    zone: ProgramZone,
    credential_id: FromPath[str],
) -> Response[bytes]:
    """Not for a holder whose record is protected now: 404, as for an unknown id (the officer
    prints it from the wallet)."""
    return certificate_download(
        verifier, session, issuer, get_public_credential(session, credential_id), zone
    )

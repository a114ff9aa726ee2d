"""The printable certificate as a download: its facts (certificate_facts.py) drawn on one US
Letter page (certificate_render.py, imported when the first certificate is asked for)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from litestar import Response
from sqlmodel import Session

from registry.credentials.service import Issuer
from registry.tables.credentials import Credential
from registry.verification.service import Verifier
from registry.web.certificate_facts import certificate_facts


def certificate_download(
    verifier: Verifier,
    session: Session,
    issuer: Issuer,
    credential: Credential,
    zone: ZoneInfo,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    facts = certificate_facts(
        session,
        verifier,
        issuer.name,
        issuer.credential_url(credential.id),
        credential,
    )
    from registry.web.certificate_render import render_certificate

    return Response(
        render_certificate(facts, zone),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="cit-certificate-{credential.id}.pdf"',
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )

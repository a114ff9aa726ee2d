"""Public pages and small public endpoints: health, home, course descriptions, the officer's
wallet (its page, the full-screen QR view and the web app manifest)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Response, Router, get
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session, col, select

from registry.common import utcnow
from registry.credentials.deps import CurrentIssuer
from registry.credentials.display import display_state
from registry.credentials.documents import holder_document
from registry.credentials.renewal import outlook
from registry.credentials.service import Issuer, holder_name, whole
from registry.errors import NotFound
from registry.http.content import VC_JWT, best_of
from registry.http.deps import AnyRequest, DbEngine, DbSession, ProgramZone
from registry.http.responses import CAPABILITY_HEADERS, download, public_page
from registry.people.service import officer_region_id
from registry.tables.credentials import Credential
from registry.tables.people import Officer, Region
from registry.tables.training import Course
from registry.training.service import course_public
from registry.vc import dataintegrity
from registry.verification.deps import CurrentVerifier
from registry.verification.service import Verifier
from registry.wallets.copies import copies_of
from registry.wallets.holders import officer_by_key, own_credential
from registry.web.certificate_file import certificate_download


@get("/", public=True, include_in_schema=False)
async def home(issuer: CurrentIssuer) -> Template:
    return Template(template_name="home.html", context={"issuer_name": issuer.name})


@get("/courses/{code:str}", public=True, tags=["public"], sync_to_thread=True)
def course(
    request: AnyRequest, session: DbSession, issuer: CurrentIssuer, code: FromPath[str]
) -> Response[dict[str, Any]] | Template:
    """The achievement a credential names: what the course is and what it takes to pass. A page
    for a browser, JSON (the same shape as always) for anything else."""
    row = session.exec(select(Course).where(Course.code == code.upper()[:32])).first()
    if row is None:
        raise NotFound("No course with this code.", field="code")
    public = course_public(session, row).model_dump(mode="json")
    public["criteria"] = row.criteria
    vary = {"Vary": "Accept"}
    if best_of(request.headers.get("accept", ""), AS_PAGE, "json") == "page":
        return public_page("course.html", issuer.name, {"course": public}, headers=vary)
    return Response(public, headers=vary)


# The course URL is the achievement's id: JSON unless a browser ranks a page first.
AS_PAGE = {"text/html": "page", "application/json": "json"}


# How each state reads on the wallet: icon, word and sentence, so it reads without colour too.
WALLET_STATES = {
    "valid": ("\u2713", "Valid", "In force: genuine and current."),
    "revoked": ("\u2715", "Revoked", "Revoked by the state program: not valid."),
    "suspended": ("\u2016", "Suspended", "Suspended: not valid at present."),
    "expired": ("\u231b", "Expired", "Past its expiry date: not in force."),
    "superseded": ("\u21bb", "Superseded", "Replaced by a renewed certification: show that one."),
    "invalid": ("!", "Not valid", "Could not be verified: ask your regional coordinator."),
}
# The URL itself is the officer's secret: never cached, never sent on as a Referer.
WALLET_HEADERS = CAPABILITY_HEADERS
WALLET_ICONS = [
    ("/static/wallet-icon-192.png", "192x192"),
    ("/static/wallet-icon-512.png", "512x512"),
]
THEME = "#14213d"


def _missing(issuer: Issuer) -> Template:
    return public_page("wallet_missing.html", issuer.name, status=404, headers=WALLET_HEADERS)


def _wallet_item(
    verifier: Verifier, session: Session, c: Credential, zone: ZoneInfo
) -> dict[str, Any]:
    verdict = verifier.verify_stored(session, c)
    state = display_state(verdict.verdict, c.superseded_by is not None)
    mark, word, sentence = WALLET_STATES.get(state, WALLET_STATES["invalid"])
    course = session.get(Course, c.course_id)
    achievement = verdict.credential.achievement if verdict.credential else None
    ahead = outlook(session, c, zone)
    return {
        "id": c.id,
        "state": state,
        "mark": mark,
        "word": word,
        "sentence": sentence,
        "achievement": achievement or (course.achievement_name if course else "CIT certification"),
        "hours": whole(c.hours),
        "issued": c.issued_at,
        "valid_until": c.valid_until,
        "status_changed": c.status_changed_at,
        # What to do next, for an expired certification (plain values: rendered after commit).
        "ce_required": ahead.ce.required,
        "ce_missing": ahead.ce.missing,
        "renew_by": ahead.renew_by,
        "renewal_closed": ahead.closed(utcnow()),
    }


def _holder(session: Session, officer: Officer) -> dict[str, str | None]:
    region_id = officer_region_id(session, officer.id)
    region = session.get(Region, region_id) if region_id else None
    contact = {"region": region.name if region else None}
    if officer.protected:
        return {"name": None, "post_id": None, **contact}
    return {"name": holder_name(officer), "post_id": officer.post_id, **contact}


def _count(raw: str | None) -> int:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) < 4 else 0


@get("/{key:str}", public=True, include_in_schema=False, sync_to_thread=True)
def wallet_page(
    request: AnyRequest,
    session: DbSession,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    key: FromPath[str],
    zone: ProgramZone,
) -> Template:
    """The officer's own page: every credential with its live status and QR code."""
    officer = officer_by_key(session, key)
    if officer is None:
        return _missing(issuer)
    credentials = session.exec(
        select(Credential)
        .where(Credential.officer_id == officer.id)
        .order_by(col(Credential.issued_at).desc())
    ).all()
    mine = {
        "key": key,
        "theme": THEME,
        "items": [_wallet_item(verifier, session, c, zone) for c in credentials],
        "copies": copies_of(session, officer.id),
        "withdrawn": _count(request.query_params.get("withdrawn")),
        **_holder(session, officer),
    }
    return public_page("wallet.html", issuer.name, mine, headers=WALLET_HEADERS)


@get(
    "/{key:str}/show/{credential_id:str}", public=True, include_in_schema=False, sync_to_thread=True
)
def wallet_show(
    session: DbSession,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    key: FromPath[str],
    credential_id: FromPath[str],
    zone: ProgramZone,
) -> Template:
    """One credential's QR code as large as the screen allows, to hold up to someone."""
    found = own_credential(session, key, credential_id)
    if found is None:
        return _missing(issuer)
    officer, credential = found
    shown = {
        "key": key,
        "theme": THEME,
        "item": _wallet_item(verifier, session, credential, zone),
        **_holder(session, officer),
    }
    return public_page("wallet_show.html", issuer.name, shown, headers=WALLET_HEADERS)


@get(
    "/{key:str}/c/{credential_id:str}/credential.jwt",
    public=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def wallet_jwt(
    session: DbSession, key: FromPath[str], credential_id: FromPath[str]
) -> Response[bytes]:
    """The officer's own signed credential, protected record or not (the public copy at
    /c/{id}/credential.jwt is for unprotected holders only)."""
    found = own_credential(session, key, credential_id)
    if found is None:
        raise NotFound("This wallet link is not valid.")
    credential = found[1]
    return download(credential.token.encode(), VC_JWT, f"cit-{credential.id}.jwt", WALLET_HEADERS)


@get(
    "/{key:str}/c/{credential_id:str}/certificate.pdf",
    public=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def wallet_certificate(
    session: DbSession,
    issuer: CurrentIssuer,
    verifier: CurrentVerifier,
    zone: ProgramZone,
    key: FromPath[str],
    credential_id: FromPath[str],
) -> Response[bytes]:
    """The officer's own printable certificate; for a protected record it prints no name or
    POST id, as the page its QR code opens shows none."""
    found = own_credential(session, key, credential_id)
    if found is None:
        raise NotFound("This wallet link is not valid.")
    return certificate_download(verifier, session, issuer, found[1], zone, WALLET_HEADERS)


@get(
    "/{key:str}/manifest.webmanifest",
    public=True,
    include_in_schema=False,
    sync_to_thread=True,
    media_type="application/manifest+json",
)
def wallet_manifest(
    session: DbSession, issuer: CurrentIssuer, key: FromPath[str]
) -> Response[dict[str, Any]]:
    """Lets a phone add the wallet to its home screen, opening straight at the officer's page."""
    officer = officer_by_key(session, key)
    if officer is None:
        raise NotFound("This wallet link is not valid.")
    url = issuer.wallet_url(officer)
    manifest = {
        "name": f"{issuer.name}: my CIT certifications",
        "short_name": "CIT wallet",
        "description": "Your CIT certifications, with live status and QR codes.",
        "id": url,
        "start_url": url,
        "scope": url,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": [
            {"src": src, "sizes": sizes, "type": "image/png", "purpose": "any"}
            for src, sizes in WALLET_ICONS
        ],
    }
    return Response(manifest, media_type="application/manifest+json", headers=WALLET_HEADERS)


@cache
def _service_worker() -> bytes:
    return (Path(__file__).parent / "static" / "wallet-sw.js").read_bytes()


@get("/{key:str}/sw.js", public=True, include_in_schema=False, sync_to_thread=True)
def wallet_service_worker(session: DbSession, key: FromPath[str]) -> Response[bytes]:
    """The service worker that keeps this officer's page for offline use; served under the
    wallet's own address and allowed that address as its scope, and nothing wider."""
    if officer_by_key(session, key) is None:
        raise NotFound("This wallet link is not valid.")
    return Response(
        _service_worker(),
        media_type="text/javascript",
        headers={**WALLET_HEADERS, "Service-Worker-Allowed": f"/wallet/{key}"},
    )


@get(
    "/{key:str}/c/{credential_id:str}/credential.json",
    public=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def wallet_credential_json(
    engine: DbEngine,
    session: DbSession,
    issuer: CurrentIssuer,
    key: FromPath[str],
    credential_id: FromPath[str],
) -> Response[bytes]:
    """The holder's credential in its Data Integrity form, for a wallet app to fetch as JSON
    (also for a protected holder, whose public credential.json is a 404)."""
    officer = officer_by_key(session, key)
    if officer is None:
        raise NotFound("This wallet link is not valid.")
    text = holder_document(engine, issuer, officer, credential_id)
    name = f"cit-{credential_id.strip().upper()}.json"  # an id that matched: [0-9A-Z] only
    return Response(
        text.encode("utf-8"),
        media_type=dataintegrity.MEDIA_TYPE,
        headers={
            **WALLET_HEADERS,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


wallet = Router(
    path="/wallet",
    route_handlers=[
        wallet_page,
        wallet_show,
        wallet_jwt,
        wallet_certificate,
        wallet_manifest,
        wallet_service_worker,
        wallet_credential_json,
    ],
)

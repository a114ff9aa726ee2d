"""The verdict page for people: what a QR scan, a typed id and a pasted token all open, made
from the verdict and what the registry's record adds."""

from __future__ import annotations

from typing import Any

from litestar.response import Template
from sqlmodel import Session

from registry.credentials.service import Issuer
from registry.credentials.vouching import Listing
from registry.tables.credentials import Credential
from registry.verification.stored import PageFacts, page_facts

HEADERS = {"Cache-Control": "no-store", "Vary": "Accept"}

# What each check means, said plainly, when it passed; a failed check says its own detail.
PLAIN = {
    "signature": "Signed by the state CIT program, and not altered since.",
    "issuer": "Issued by this registry's program.",
    "time": "Within its dates of validity.",
    "status": "Not revoked and not suspended, per the live status list.",
}
FAILED = {
    "signature": "The signature does not check out: this is not the program's credential.",
    "issuer": "Not issued by this registry's program.",
    "time": "Outside its dates of validity.",
    "status": "Revoked or suspended by the state program.",
}


def plain_checks(verdict: dict[str, Any]) -> list[tuple[bool, str]]:
    """The checks that matter to a person, in words, in the order they were made."""
    out = []
    for check in verdict.get("checks", []):
        name = check.get("name", "")
        if name in PLAIN:
            ok = bool(check.get("ok"))
            out.append((ok, PLAIN[name] if ok else FAILED[name]))
    if not out and verdict.get("verdict") == "invalid":
        out.append((False, "The credential could not be read or its signature did not check out."))
    return out


def verdict_page(
    session: Session,
    issuer: Issuer,
    verdict: dict[str, Any],
    credential: Credential | None,
    protected: bool | None = None,
) -> Template:
    """The one template for a verdict, whichever way the credential arrived; `protected` is
    whether its holder is, when the caller already knows."""
    facts = page_facts(session, credential, protected) if credential is not None else None
    return render_verdict(issuer, verdict, facts)


def render_verdict(issuer: Issuer, verdict: dict[str, Any], facts: PageFacts | None) -> Template:
    """The verdict page from the verdict and what is on record (nothing: a token of ours that
    is not, or not ours at all). Reads nothing."""
    summary = verdict.get("credential") or {}
    successor = facts.successor if facts is not None else None
    return Template(
        template_name="credential.html",
        context={
            "v": verdict,
            "credential_id": facts.credential_id if facts else summary.get("credential_id"),
            "issuer_name": issuer.name,
            "verify_url": issuer.credential_url(facts.credential_id) if facts else None,
            # The date the status changed, for a revoked or suspended credential (not its
            # reason: that is the program's record, not the public's).
            "status_date": facts.status_date if facts else None,
            # From the record alone: never inferred from a certification that names no one.
            "protected": facts is not None and facts.protected,
            # The signed token and PDF are not handed out for a protected holder (404 there).
            "downloadable": facts is not None and facts.downloadable,
            "plain": plain_checks(verdict),
            "successor": {"valid_until": successor[1]} if successor else None,
            "successor_url": issuer.credential_url(successor[0]) if successor else None,
            # Who vouches for the issuer: the issuer registries that list its DID (on the page
            # only: API.md's verdict has no field for it).
            "vouched_by": _vouched_by(issuer, summary),
        },
        headers=HEADERS,
    )


def _vouched_by(issuer: Issuer, summary: dict[str, Any]) -> list[Listing]:
    """The listings of the credential's issuer; ours by its DID, whichever id it signed under."""
    if not summary:
        return []
    named = str((summary.get("issuer") or {}).get("id") or "")
    return issuer.vouching.listings(issuer.did if named in issuer.ids else named)


# Crockford base32 as people type it from paper: O for 0, I and L for 1, spaces and dashes.

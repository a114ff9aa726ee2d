"""Verifies a signed credential (vc+jwt) and its live status: pure, no HTTP and no database.
The verdict's shape is verdict.py, the claims claims.py, the status status.py."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from registry.vc import jws, jwtvc
from registry.vc.jws import JWSError
from registry.vc.keys import KeySet, PublicKey
from registry.verification.claims import (
    Claims,
    Registry,
    check_claims,
    check_time,
    did_of,
    post_id_of,
    registry_of,
    text_of,
    types_of,
)
from registry.verification.status import StatusEntry, StatusSource, read_status, status_entries
from registry.verification.verdict import (
    EXPIRED,
    INVALID,
    REVOKED,
    SUSPENDED,
    VALID,
    Check,
    CredentialSummary,
    Holder,
    IssuerRef,
    Verdict,
)

# A stage refused the credential: (check, detail), the same shape the JWS module raises.
_Failed = JWSError
_show = jws.show


# An http(s) URL of plain ASCII with no query, fragment or IP literal: its path is what follows
# the authority, as urlsplit would say (which reads any other URL).
_PLAIN_HTTP_URL = re.compile(
    r"https?://[A-Za-z0-9._~:@!$&'()*+,;=%-]*(/[A-Za-z0-9._~:@!$&'()*+,;=%/-]*)?"
)


def _path_of(url: str) -> str:
    """urlsplit(url).path, without urlsplit's cost for the common URL (it keeps 128 in memory:
    a verifier sees many more)."""
    plain = _PLAIN_HTTP_URL.fullmatch(url)
    if plain is not None:
        return plain[1] or ""
    return urlsplit(url).path


def _summary(payload: dict[str, Any], issuer_id: str) -> CredentialSummary:
    subject = payload.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    # Whether a holder is protected is the registry's record to say (Verifier.honour_protection),
    # never something read from a missing name.
    name = text_of(subject.get("name"))
    post_id = post_id_of(subject)
    achievement = subject.get("achievement")
    hours = subject.get("creditsEarned")
    issuer = payload.get("issuer")
    url = text_of(payload.get("id"))
    credential_id = _path_of(url).rstrip("/").rsplit("/", 1)[-1] if url else ""
    return CredentialSummary(
        credential_id=credential_id or None,
        holder=Holder(name=name, post_id=post_id),
        achievement=text_of(achievement.get("name")) if isinstance(achievement, dict) else None,
        hours=hours if isinstance(hours, int | float) and not isinstance(hours, bool) else None,
        issued=text_of(payload.get("validFrom")),
        valid_until=text_of(payload.get("validUntil")),
        issuer=IssuerRef(
            id=issuer_id, name=text_of(issuer.get("name")) if isinstance(issuer, dict) else None
        ),
    )


# -- the issuer and what it issues


def _check_key_binding(header_kid: str, issuer_id: str) -> None:
    """A key named by a DID URL speaks for that DID only: the credential must be its."""
    if header_kid.startswith("did:"):
        did = header_kid.partition("#")[0]
        if did != issuer_id:
            raise _Failed(
                "issuer",
                f"signed by a key of {_show(did, quote=False)}, "
                f"but issued by {_show(issuer_id, quote=False)}",
            )


def _check_certification(
    payload: dict[str, Any], registry: Registry, courses: Container[str] | None
) -> tuple[str, list[StatusEntry]]:
    """The certification check's detail and the status entries to read when this is a CIT
    certification naming a holder; raises otherwise, saying what the credential is instead."""
    types = types_of(payload.get("type"))
    if "BitstringStatusListCredential" in types:
        raise _Failed("certification", "this is a status list, not a certification")
    if "OpenBadgeCredential" not in types:
        shown = ", ".join(str(t) for t in types if isinstance(t, str)) or "no type"
        raise _Failed(
            "certification",
            f"this is a credential of type {_show(shown, quote=False)}, not an OpenBadgeCredential",
        )
    subject = payload["credentialSubject"]
    achievement = subject.get("achievement")
    achievement_id = achievement.get("id") if isinstance(achievement, dict) else None
    if not isinstance(achievement_id, str):
        raise _Failed("certification", "it names no achievement")
    if courses is not None:
        known = achievement_id in courses
    else:  # trusting by key alone: a course of the credential's own registry
        prefix = f"{registry.url}/courses/" if registry.url else None
        rest = achievement_id[len(prefix) :] if prefix and achievement_id.startswith(prefix) else ""
        known = bool(re.fullmatch(r"[A-Za-z0-9._-]+", rest))
    if not known:
        raise _Failed(
            "certification",
            f"its achievement {_show(achievement_id)} is not a course of this registry",
        )
    name = subject.get("name")
    post_id = post_id_of(subject)
    if not (isinstance(name, str) and name.strip()) and post_id is None:
        raise _Failed("certification", "it names no holder (no name and no POST id)")
    # Every certification this registry issues carries one: without it, "not revoked" would be
    # said of a credential whose revocation nobody could read (fail closed).
    entries = status_entries(payload, registry)
    if not any(e.purpose == "revocation" for e in entries):
        raise _Failed("certification", "it carries no revocation status entry that can be read")
    return f"a certification of {achievement_id}", entries


def differs_from_issued(signed: dict[str, Any], issued: dict[str, Any]) -> str | None:
    """What a credential of ours says otherwise than the one the registry issued under the same
    id (its dates, holder, POST id, achievement, hours, status entries), or None. A holder's copy
    adds only the holder's DID, so it says nothing otherwise."""

    def facts(payload: dict[str, Any]) -> dict[str, Any]:
        subject = payload.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        achievement = subject.get("achievement")
        hours = subject.get("creditsEarned")
        return {
            "validFrom": payload.get("validFrom"),
            "validUntil": payload.get("validUntil"),
            "the holder's name": subject.get("name"),
            "the POST id": post_id_of(subject),
            "the achievement": achievement.get("id") if isinstance(achievement, dict) else None,
            "the hours": float(hours) if isinstance(hours, int | float) else hours,
            "the status entries": sorted(
                (e.purpose, e.url, e.index) for e in status_entries(payload, Registry(None, ""))
            ),
        }

    ours, theirs = facts(issued), facts(signed)
    for name, value in ours.items():
        if theirs[name] != value:
            return name
    return None


# -- status


# -- the verdict

_REASONS: dict[str, str] = {
    "size": "The token is too large to be a credential: {detail}.",
    "shape": "The token is not a well-formed signed credential: {detail}.",
    "header": "The token's header is not acceptable: {detail}.",
    "signature": "The signature is not valid: {detail}.",
    "claims": "The credential's contents are not valid: {detail}.",
    "issuer": "The credential is not from the trusted issuer: {detail}.",
    "certification": "The credential is not a CIT certification of this registry: {detail}.",
    "status": "The credential's status could not be confirmed: {detail}.",
}


def verify(
    token: str | bytes,
    keys: KeySet,
    status_source: StatusSource | None,
    now: datetime,
    *,
    issuer: str | None = None,
    courses: Container[str] | None = None,
    check_status: bool = True,
    clock_skew: timedelta = timedelta(seconds=60),
    parsed: jws.Parsed | None = None,
) -> Verdict:
    """The verdict on a compact JWS credential; never raises.

    `keys` is the trust anchor: any issuer whose signature verifies with them is accepted unless
    `issuer` names the trusted registry by its public URL (its DID is derived from it; credentials
    issued before the DID name the URL itself). `courses` holds the achievement ids of the
    registry's courses; without it, a course URL of the credential's own registry is accepted.
    `parsed` is the token as `jws.read` read it, when the caller already has (see `jws.verify`).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    checks: list[Check] = []
    try:
        try:
            payload, key_id = check_signature(token, keys, issuer, checks, parsed)
        except _Failed as failed:
            return _invalid(checks, failed, now)
        policy = Policy(issuer, courses, check_status, clock_skew)
        return check_payload(payload, key_id, keys, status_source, now, policy, checks)
    except Exception:
        return unexpected_failure(checks, now, "token")


def check_signature(
    token: str | bytes,
    keys: KeySet,
    issuer: str | None,
    checks: list[Check],
    parsed: jws.Parsed | None = None,
) -> tuple[dict[str, Any], str]:
    """The payload of a compact JWS credential whose signature verifies with `keys`, and the key
    id its header names; appends the checks passed to `checks`; raises JWSError. See `verify`
    for `issuer` and `parsed`."""
    trusted_did = did_of(issuer) if issuer is not None else None

    def find_key(kid: str) -> PublicKey | None:
        # Trusting by key alone, a DID URL is resolved under its own DID: the payload's
        # issuer must then be that DID (see _check_key_binding).
        did = trusted_did if trusted_did is not None else kid.partition("#")[0]
        return keys.resolve(kid, did)

    verified, _ = jws.verify(
        token,
        find_key,
        lambda n, d: checks.append(Check(n, True, d)),
        (jws.VC_JWT, jws.JWT),
        parsed,
    )
    payload = verified.parsed.payload
    if verified.parsed.header["typ"].lower() == jws.JWT.lower():
        # A holder's copy in the VC 1.1 encoding (jwt_vc_json): the VC 2.0 credential it
        # carries goes through the same stages.
        try:
            payload = jwtvc.lift(payload)
        except jwtvc.NotJwtVc as exc:
            raise _Failed("claims", str(exc)) from None
    return payload, verified.key_id


def unexpected_failure(checks: list[Check], now: datetime, what: str) -> Verdict:
    """The verdict when verification itself broke. Unreachable by design: a verifier must still
    answer, and answer invalid, rather than fail open or crash."""
    checks.append(Check("error", False, "an unexpected error stopped the verification"))
    return Verdict(INVALID, [f"The {what} could not be verified."], checks, now)


def _invalid(
    checks: list[Check], failed: JWSError, now: datetime, payload: dict[str, Any] | None = None
) -> Verdict:
    checks.append(Check(failed.check, False, failed.detail))
    reason = _REASONS.get(failed.check, "{detail}").format(detail=failed.detail)
    return Verdict(INVALID, [reason], checks, now, None, payload)


@dataclass(frozen=True)
class Policy:
    """What a verification trusts and checks beyond its keys (see `verify`)."""

    issuer: str | None = None
    courses: Container[str] | None = None
    check_status: bool = True
    clock_skew: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class Certified:
    """What the stages after the signature and before time find of a payload: a function of the
    payload, the key id and the policy alone, so a stored credential's checked signature keeps
    it (`certified_once`). `summary` is the verdict's credential, when made already."""

    claims: Claims
    registry: Registry
    checks: tuple[Check, ...]  # claims, issuer, certification: each passed
    entries: tuple[StatusEntry, ...]  # the status bits to read
    summary: CredentialSummary | None = None


def check_certified(
    payload: dict[str, Any], header_kid: str, policy: Policy, checks: list[Check]
) -> Certified:
    """Claims, issuer, that it is a CIT certification: appends each check passed to `checks`
    and raises at the first that fails (see `check_payload`)."""
    issuer, courses = policy.issuer, policy.courses
    start = len(checks)
    claims = check_claims(payload)
    checks.append(Check("claims", True, "a VC 2.0 credential with consistent claims"))
    _check_key_binding(header_kid, claims.issuer_id)
    registry = registry_of(payload, claims.issuer_id, issuer)
    if issuer is not None and not registry.named(claims.issuer_id):
        raise _Failed(
            "issuer",
            f"issued by {_show(claims.issuer_id, quote=False)}, not {registry.did} ({issuer})",
        )
    trust = "the trusted issuer" if issuer is not None else "trusted by its key"
    checks.append(Check("issuer", True, f"issued by {claims.issuer_id} ({trust})"))
    detail, entries = _check_certification(payload, registry, courses)
    checks.append(Check("certification", True, detail))
    return Certified(claims, registry, tuple(checks[start:]), tuple(entries))


def certified_once(payload: dict[str, Any], header_kid: str, policy: Policy) -> Certified | None:
    """`check_certified` with the verdict's summary, for a payload whose signature was checked
    and is kept; None when a stage refuses it (or breaks): `check_payload` then says why, on
    every verification, as for any other."""
    try:
        certified = check_certified(payload, header_kid, policy, [])
        summary = _summary(payload, certified.claims.issuer_id)
    except Exception:
        return None
    return replace(certified, summary=summary)


def check_payload(
    payload: dict[str, Any],
    header_kid: str,
    keys: KeySet,
    status_source: StatusSource | None,
    now: datetime,
    policy: Policy,
    checks: list[Check] | None = None,
    certified: Certified | None = None,
) -> Verdict:
    """The stages after the signature, shared by every securing form: claims, issuer, that it is
    a CIT certification, time, status. `payload` is the credential whose signature or proof
    verified with the key `header_kid` names (a JWS kid or a Data Integrity verificationMethod);
    `checks` holds the checks passed so far; `certified`, what `certified_once` found of this
    payload, key id and policy before (its stages are not run again). See `verify` for the
    other arguments."""
    checks = checks if checks is not None else []
    if certified is None:
        try:
            certified = check_certified(payload, header_kid, policy, checks)
        except _Failed as failed:
            return _invalid(checks, failed, now, payload)
    else:
        checks.extend(certified.checks)
    claims, registry = certified.claims, certified.registry

    reasons: list[str] = []
    expired = False
    try:
        checks.append(Check("time", True, check_time(claims, payload, now, policy.clock_skew)))
    except _Failed as failed:
        expired = True
        checks.append(Check("time", False, failed.detail))
        verb = "" if failed.detail.startswith("expired") else "is "
        reasons.append(f"The credential {verb}{failed.detail}.")

    status: str | None = None
    if not policy.check_status or status_source is None:
        checks.append(Check("status", True, "not checked"))
    else:
        try:
            status, detail = read_status(
                payload,
                claims.issuer_id,
                registry,
                keys,
                status_source,
                now,
                policy.clock_skew,
                certified.entries,
            )
        except _Failed as failed:
            checks.append(Check("status", False, failed.detail))
            reasons.append(_REASONS["status"].format(detail=failed.detail))
            return Verdict(INVALID, reasons, checks, now, None, payload)
        checks.append(Check("status", status is None, detail))
        if status == REVOKED:
            reasons.append("The credential has been revoked by its issuer.")
        elif status == SUSPENDED:
            reasons.append("The credential is suspended by its issuer.")

    verdict = status or (EXPIRED if expired else VALID)
    summary = certified.summary
    if summary is None:
        summary = _summary(payload, claims.issuer_id)
    return Verdict(verdict, reasons, checks, now, summary, payload)

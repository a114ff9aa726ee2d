"""Verifies a signed credential (vc+jwt) and its live status: pure, no HTTP and no database."""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Container
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec

from registry.vc import jws, statuslist
from registry.vc.did import did_web
from registry.vc.jws import JWSError
from registry.vc.keys import KeySet, PublicKey
from registry.vc.payload import format_datetime

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VALID, REVOKED, SUSPENDED, EXPIRED, INVALID = "valid", "revoked", "suspended", "expired", "invalid"

_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_INDEX = re.compile(r"[0-9]{1,12}")
_PURPOSES = ("revocation", "suspension")
# A stage refused the credential: (check, detail), the same shape the JWS module raises.
_Failed = JWSError
_show = jws.show


class StatusUnavailable(Exception):
    """A status list could not be obtained."""


@dataclass(frozen=True)
class VerifiedList:
    """A status list credential whose signature verified with the key set of `fingerprint`,
    resolved under `did`. A source may hand one over instead of the token: the verifier takes it
    as verified when its own key set and DID are the same, and verifies `token` again if not."""

    token: str
    payload: dict[str, Any]
    bits: bytes
    fingerprint: str
    did: str
    claims: _Claims  # its claims, checked once: they do not change with the request


class StatusSource(Protocol):
    def fetch(self, url: str) -> str | VerifiedList:
        """The status list credential at `url`, as its compact JWS or already verified;
        raises StatusUnavailable."""
        ...


class Check(msgspec.Struct, frozen=True):
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


class Holder(msgspec.Struct, frozen=True):
    name: str | None
    post_id: str | None


class IssuerRef(msgspec.Struct, frozen=True):
    id: str
    name: str | None


class CredentialSummary(msgspec.Struct, frozen=True):
    credential_id: str | None
    holder: Holder
    achievement: str | None
    hours: int | float | None
    issued: str | None
    valid_until: str | None
    issuer: IssuerRef

    def to_dict(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "holder": {"name": self.holder.name, "post_id": self.holder.post_id},
            "achievement": self.achievement,
            "hours": self.hours,
            "issued": self.issued,
            "valid_until": self.valid_until,
            "issuer": {"id": self.issuer.id, "name": self.issuer.name},
        }


@dataclass
class Verdict:
    verdict: str
    reasons: list[str]
    checks: list[Check]
    checked_at: datetime
    credential: CredentialSummary | None = None
    payload: dict[str, Any] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The verdict JSON of API.md (the payload is not part of it)."""
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "checks": [c.to_dict() for c in self.checks],
            "checked_at": _format_utc(self.checked_at),
        }
        if self.credential is not None:
            out["credential"] = self.credential.to_dict()
        return out

    def redacted(self) -> Verdict:
        """A copy without the holder's name and POST id, for holders protected after issuance."""
        credential = self.credential
        if credential is not None:
            credential = msgspec.structs.replace(credential, holder=Holder(name=None, post_id=None))
        payload = self.payload
        if payload is not None:
            payload = copy.deepcopy(payload)
            subject = payload.get("credentialSubject")
            if isinstance(subject, dict):
                subject.pop("name", None)
                subject.pop("identifier", None)
        return replace(
            self,
            reasons=list(self.reasons),
            checks=list(self.checks),
            credential=credential,
            payload=payload,
        )


class _Claims(msgspec.Struct, frozen=True):
    issuer_id: str
    valid_from: datetime
    valid_until: datetime | None
    not_before: float | None


def _format_utc(value: datetime) -> str:
    """RFC 3339 in UTC to the second (naive values are taken as UTC)."""
    return format_datetime(value if value.tzinfo is not None else value.replace(tzinfo=UTC))


def _parse_datetime(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise _Failed("claims", f"{name} is not a date-time with a time zone")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _Failed("claims", f"{name} is not a valid date-time") from None


def _numeric_date(payload: dict[str, Any], name: str) -> float | None:
    if name not in payload:
        return None
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Failed("claims", f"{name} is not a NumericDate")
    return float(value)


def _types(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _issuer_id(payload: dict[str, Any]) -> str:
    issuer = payload.get("issuer")
    if isinstance(issuer, str) and issuer:
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str) and issuer["id"]:
        return str(issuer["id"])
    raise _Failed("claims", "issuer is neither a URL nor an object with an id")


def _check_claims(payload: dict[str, Any]) -> _Claims:
    for claim in ("vc", "vp"):
        if claim in payload:
            raise _Failed("claims", f'a "{claim}" claim is not allowed in a VC 2.0 credential')
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise _Failed("claims", f'"@context" does not start with {VC_V2_CONTEXT}')
    if "VerifiableCredential" not in _types(payload.get("type")):
        raise _Failed("claims", 'type does not include "VerifiableCredential"')
    issuer_id = _issuer_id(payload)
    if "iss" in payload and payload["iss"] != issuer_id:
        raise _Failed(
            "claims", f"iss {_show(payload['iss'])} differs from the issuer {_show(issuer_id)}"
        )
    if not isinstance(payload.get("credentialSubject"), dict):
        raise _Failed("claims", "credentialSubject is not an object")
    if "validFrom" not in payload:
        raise _Failed("claims", "validFrom is missing")
    valid_from = _parse_datetime(payload["validFrom"], "validFrom")
    valid_until = None
    if "validUntil" in payload:
        valid_until = _parse_datetime(payload["validUntil"], "validUntil")
    iat, exp, nbf = (_numeric_date(payload, n) for n in ("iat", "exp", "nbf"))
    if iat is not None and abs(iat - valid_from.timestamp()) > 1:
        raise _Failed("claims", "iat does not agree with validFrom")
    if exp is not None:
        if valid_until is None:
            try:
                valid_until = datetime.fromtimestamp(exp, UTC)
            except (OverflowError, OSError, ValueError):
                raise _Failed("claims", "exp is out of range") from None
        elif abs(exp - valid_until.timestamp()) > 1:
            raise _Failed("claims", "exp does not agree with validUntil")
    return _Claims(issuer_id, valid_from, valid_until, nbf)


def _check_time(claims: _Claims, payload: dict[str, Any], now: datetime, skew: timedelta) -> str:
    """The time check's detail when the credential is within its validity; raises otherwise."""
    # now ± skew rather than the credential's dates ± skew: those may sit at datetime's limits.
    if now + skew < claims.valid_from:
        raise _Failed("time", f"not valid before {payload['validFrom']}")
    if claims.not_before is not None and now.timestamp() < claims.not_before - skew.total_seconds():
        raise _Failed("time", f"not valid before {_numeric_text(claims.not_before)}")
    if claims.valid_until is not None and now - skew >= claims.valid_until:
        shown = payload.get("validUntil") or _format_utc(claims.valid_until)
        raise _Failed("time", f"expired on {shown}")
    until = payload.get("validUntil") if claims.valid_until is not None else None
    return f"valid from {payload['validFrom']}" + (f" until {until}" if until else "")


def _numeric_text(value: float) -> str:
    try:
        return _format_utc(datetime.fromtimestamp(value, UTC))
    except (OverflowError, OSError, ValueError):
        return str(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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
    name = _text(subject.get("name"))
    post_id = _post_id(subject)
    achievement = subject.get("achievement")
    hours = subject.get("creditsEarned")
    issuer = payload.get("issuer")
    url = _text(payload.get("id"))
    credential_id = _path_of(url).rstrip("/").rsplit("/", 1)[-1] if url else ""
    return CredentialSummary(
        credential_id=credential_id or None,
        holder=Holder(name=name, post_id=post_id),
        achievement=_text(achievement.get("name")) if isinstance(achievement, dict) else None,
        hours=hours if isinstance(hours, int | float) and not isinstance(hours, bool) else None,
        issued=_text(payload.get("validFrom")),
        valid_until=_text(payload.get("validUntil")),
        issuer=IssuerRef(
            id=issuer_id, name=_text(issuer.get("name")) if isinstance(issuer, dict) else None
        ),
    )


# -- the issuer and what it issues


class Registry(msgspec.Struct, frozen=True):
    """The registry a credential comes from, under both of its names: the did:web DID it issues
    under now, and the public URL it issued under before (and where its lists and courses are)."""

    url: str | None
    did: str

    def named(self, issuer_id: str) -> bool:
        return issuer_id == self.did or (self.url is not None and issuer_id == self.url)


@functools.lru_cache(maxsize=256)
def _did_of(url: str) -> str:
    # Cached: one registry's URL is asked for on every verification.
    try:
        return did_web(url)
    except ValueError:
        return ""


def _is_web_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def registry_of(payload: dict[str, Any], issuer_id: str, trusted_url: str | None) -> Registry:
    """The trusted registry, or (trusting by key alone) the one the credential names itself:
    a did:web issuer whose `issuer.url` is the URL of that DID, or an http(s) issuer id."""
    if trusted_url is not None:
        return Registry(trusted_url, _did_of(trusted_url))
    if issuer_id.startswith("did:"):
        issuer = payload.get("issuer")
        url = issuer.get("url") if isinstance(issuer, dict) else None
        if _is_web_url(url) and _did_of(str(url).rstrip("/")) == issuer_id:
            return Registry(str(url).rstrip("/"), issuer_id)
        return Registry(None, issuer_id)
    if _is_web_url(issuer_id):
        return Registry(issuer_id.rstrip("/"), _did_of(issuer_id.rstrip("/")))
    return Registry(None, "")


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
) -> str:
    """The certification check's detail when this is a CIT certification naming a holder;
    raises otherwise, saying what the credential is instead."""
    types = _types(payload.get("type"))
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
    post_id = _post_id(subject)
    if not (isinstance(name, str) and name.strip()) and post_id is None:
        raise _Failed("certification", "it names no holder (no name and no POST id)")
    # Every certification this registry issues carries one: without it, "not revoked" would be
    # said of a credential whose revocation nobody could read (fail closed).
    if not any(e.purpose == "revocation" for e in _status_entries(payload, registry)):
        raise _Failed("certification", "it carries no revocation status entry that can be read")
    return f"a certification of {achievement_id}"


def _post_id(subject: dict[str, Any]) -> str | None:
    for ident in subject.get("identifier") or []:
        if (
            isinstance(ident, dict)
            and ident.get("identityType") == "identifier"
            and ident.get("hashed") is False
            and isinstance(ident.get("identityHash"), str)
            and ident["identityHash"].strip()
        ):
            return str(ident["identityHash"])
    return None


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
            "the POST id": _post_id(subject),
            "the achievement": achievement.get("id") if isinstance(achievement, dict) else None,
            "the hours": float(hours) if isinstance(hours, int | float) else hours,
            "the status entries": sorted(
                (e.purpose, e.url, e.index) for e in _status_entries(payload, Registry(None, ""))
            ),
        }

    ours, theirs = facts(issued), facts(signed)
    for name, value in ours.items():
        if theirs[name] != value:
            return name
    return None


# -- status


class _StatusEntry(msgspec.Struct, frozen=True):
    purpose: str
    url: str
    index: int


def _status_entries(payload: dict[str, Any], registry: Registry) -> list[_StatusEntry]:
    """The status bits to read, with the parallel suspension bit of our own revocation lists."""
    raw = payload.get("credentialStatus")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    entries: list[_StatusEntry] = []
    for item in items:
        if not isinstance(item, dict) or "BitstringStatusListEntry" not in _types(item.get("type")):
            continue
        purposes = [p for p in _types(item.get("statusPurpose")) if p in _PURPOSES]
        if not purposes:
            continue
        url = item.get("statusListCredential")
        if not isinstance(url, str) or not url:
            raise _Failed("status", "the status entry names no status list")
        index = item.get("statusListIndex")
        if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
            index = str(index)
        if not isinstance(index, str) or not _INDEX.fullmatch(index):
            raise _Failed("status", f"statusListIndex {_show(index)} is not a non-negative integer")
        if item.get("statusSize", 1) not in (1, "1"):
            raise _Failed("status", "status entries wider than one bit are not supported")
        for purpose in purposes:
            entries.append(_StatusEntry(purpose, url, int(index)))
            prefix = f"{registry.url}/status/revocation/"
            if purpose == "revocation" and registry.url is not None and url.startswith(prefix):
                parallel = f"{registry.url}/status/suspension/{url[len(prefix) :]}"
                entries.append(_StatusEntry("suspension", parallel, int(index)))
    unique: list[_StatusEntry] = []
    for entry in entries:
        if entry not in unique:
            unique.append(entry)
    return unique


def verify_list(token: str, keys: KeySet, did: str) -> VerifiedList:
    """A status list credential's JWS verified with `keys` (resolved under `did`) and decoded;
    raises the status check's failure when it is not an acceptable list."""
    try:
        verified_jws, _ = jws.verify(token, lambda kid: keys.resolve(kid, did))
    except _Failed as failed:
        raise _Failed("status", f"its {failed.check} is not acceptable: {failed.detail}") from None
    payload = verified_jws.parsed.payload
    if "BitstringStatusListCredential" not in _types(payload.get("type")):
        raise _Failed("status", "it is not a BitstringStatusListCredential")
    subject = payload.get("credentialSubject")
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    try:
        bits = statuslist.decode(encoded) if isinstance(encoded, str) else None
    except ValueError as exc:
        raise _Failed("status", f"its encodedList is malformed ({exc})") from None
    if bits is None:
        raise _Failed("status", "it has no encodedList")
    return VerifiedList(token, payload, bits, keys.fingerprint, did, _check_claims(payload))


def _verified(fetched: object, keys: KeySet, did: str, url: str) -> VerifiedList:
    if isinstance(fetched, VerifiedList):
        if fetched.fingerprint == keys.fingerprint and fetched.did == did:
            return fetched
        return verify_list(fetched.token, keys, did)
    if isinstance(fetched, str):
        return verify_list(fetched, keys, did)
    raise _Failed("status", f"the source gave no token for {url}")


def _read_status_bit(
    entry: _StatusEntry,
    credential_issuer: str,
    registry: Registry,
    keys: KeySet,
    source: StatusSource,
    now: datetime,
    skew: timedelta,
) -> bool:
    try:
        fetched = source.fetch(entry.url)
    except Exception as exc:  # any failure of the source means the status is unknown
        raise _Failed(
            "status",
            f"cannot fetch {entry.url} ({_show(str(exc) or type(exc).__name__, quote=False)})",
        ) from None
    try:
        verified = _verified(fetched, keys, registry.did, entry.url)
        payload = verified.payload
        claims = verified.claims
        if "id" in payload and payload["id"] != entry.url:
            raise _Failed("status", f"it says it is {_show(payload['id'])}")
        # A list signed since the DID names the DID, while credentials issued before it name
        # the URL: both are this registry.
        same = claims.issuer_id == credential_issuer or (
            registry.named(claims.issuer_id) and registry.named(credential_issuer)
        )
        if not same:
            raise _Failed("status", f"it was issued by {_show(claims.issuer_id)}, not the issuer")
        subject = payload["credentialSubject"]
        if "BitstringStatusList" not in _types(subject.get("type")):
            raise _Failed("status", "its subject is not a BitstringStatusList")
        if entry.purpose not in _types(subject.get("statusPurpose")):
            raise _Failed("status", f"it is not a {entry.purpose} list")
        _check_time(claims, payload, now, skew)
        bits = verified.bits
        if len(bits) * 8 < statuslist.MIN_ENTRIES:
            raise _Failed("status", f"it is shorter than {statuslist.MIN_ENTRIES} entries")
        if entry.index >= len(bits) * 8:
            raise _Failed("status", f"index {entry.index} is beyond its {len(bits) * 8} entries")
        return statuslist.get_bit(bits, entry.index)
    except _Failed as failed:
        detail = failed.detail
        if failed.check == "time":
            detail = f"it is {detail}"
        raise _Failed("status", f"status list {entry.url}: {detail}") from None


def _check_status(
    payload: dict[str, Any],
    issuer_id: str,
    registry: Registry,
    keys: KeySet,
    source: StatusSource,
    now: datetime,
    skew: timedelta,
) -> tuple[str | None, str]:
    """(REVOKED, SUSPENDED or None, detail); raises _Failed when the status cannot be confirmed."""
    entries = _status_entries(payload, registry)
    if not entries:
        return None, "no revocation or suspension status entry"
    set_purposes: list[str] = []
    notes: list[str] = []
    for entry in entries:
        is_set = _read_status_bit(entry, issuer_id, registry, keys, source, now, skew)
        if is_set:
            set_purposes.append(entry.purpose)
        state = {"revocation": "revoked", "suspension": "suspended"}[entry.purpose]
        notes.append(f"{'' if is_set else 'not '}{state} ({entry.url}, index {entry.index})")
    detail = "; ".join(notes)
    if "revocation" in set_purposes:
        return REVOKED, detail
    if "suspension" in set_purposes:
        return SUSPENDED, detail
    return None, detail


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
) -> Verdict:
    """The verdict on a compact JWS credential; never raises.

    `keys` is the trust anchor: any issuer whose signature verifies with them is accepted unless
    `issuer` names the trusted registry by its public URL (its DID is derived from it; credentials
    issued before the DID name the URL itself). `courses` holds the achievement ids of the
    registry's courses; without it, a course URL of the credential's own registry is accepted.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    checks: list[Check] = []
    try:
        try:
            payload, key_id = check_signature(token, keys, issuer, checks)
        except _Failed as failed:
            return _invalid(checks, failed, now)
        return check_payload(
            payload,
            key_id,
            keys,
            status_source,
            now,
            issuer=issuer,
            courses=courses,
            check_status=check_status,
            clock_skew=clock_skew,
            checks=checks,
        )
    except Exception:
        return unexpected_failure(checks, now, "token")


def check_signature(
    token: str | bytes, keys: KeySet, issuer: str | None, checks: list[Check]
) -> tuple[dict[str, Any], str]:
    """The payload of a compact JWS credential whose signature verifies with `keys`, and the key
    id its header names; appends the checks passed to `checks`; raises JWSError. See `verify`
    for `issuer`."""
    trusted_did = _did_of(issuer) if issuer is not None else None

    def find_key(kid: str) -> PublicKey | None:
        # Trusting by key alone, a DID URL is resolved under its own DID: the payload's
        # issuer must then be that DID (see _check_key_binding).
        did = trusted_did if trusted_did is not None else kid.partition("#")[0]
        return keys.resolve(kid, did)

    verified, _ = jws.verify(token, find_key, lambda n, d: checks.append(Check(n, True, d)))
    return verified.parsed.payload, verified.key_id


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


def check_payload(
    payload: dict[str, Any],
    header_kid: str,
    keys: KeySet,
    status_source: StatusSource | None,
    now: datetime,
    *,
    issuer: str | None = None,
    courses: Container[str] | None = None,
    check_status: bool = True,
    clock_skew: timedelta = timedelta(seconds=60),
    checks: list[Check] | None = None,
) -> Verdict:
    """The stages after the signature, shared by every securing form: claims, issuer, that it is
    a CIT certification, time, status. `payload` is the credential whose signature or proof
    verified with the key `header_kid` names (a JWS kid or a Data Integrity verificationMethod);
    `checks` holds the checks passed so far. See `verify` for the other arguments."""
    checks = checks if checks is not None else []
    skew = clock_skew
    try:
        claims = _check_claims(payload)
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
        detail = _check_certification(payload, registry, courses)
        checks.append(Check("certification", True, detail))
    except _Failed as failed:
        return _invalid(checks, failed, now, payload)

    reasons: list[str] = []
    expired = False
    try:
        checks.append(Check("time", True, _check_time(claims, payload, now, skew)))
    except _Failed as failed:
        expired = True
        checks.append(Check("time", False, failed.detail))
        verb = "" if failed.detail.startswith("expired") else "is "
        reasons.append(f"The credential {verb}{failed.detail}.")

    status: str | None = None
    if not check_status or status_source is None:
        checks.append(Check("status", True, "not checked"))
    else:
        try:
            status, detail = _check_status(
                payload, claims.issuer_id, registry, keys, status_source, now, skew
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
    return Verdict(verdict, reasons, checks, now, _summary(payload, claims.issuer_id), payload)

"""Verifies a signed credential (vc+jwt) and its live status: pure, no HTTP and no database."""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from registry.credentials import statuslist
from registry.credentials.keys import KeySet, PublicKey

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MAX_TOKEN_BYTES = 16 * 1024
ALLOWED_ALGS = frozenset({"EdDSA", "Ed25519", "ES256"})
# Header parameters that point at keys; an attacker controls them, so they are never used.
IGNORED_KEY_PARAMS = ("jwk", "jku", "x5u", "x5c")
VALID, REVOKED, SUSPENDED, EXPIRED, INVALID = "valid", "revoked", "suspended", "expired", "invalid"

_B64URL_PART = re.compile(r"[A-Za-z0-9_-]*")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_INDEX = re.compile(r"[0-9]{1,12}")


class StatusUnavailable(Exception):
    """A status list could not be obtained."""


class StatusSource(Protocol):
    def fetch(self, url: str) -> str:
        """The compact JWS of the status list credential at `url`; raises StatusUnavailable."""
        ...


@dataclass(frozen=True)
class _VerifiedList:
    payload: dict[str, Any]
    bits: bytes


class CachingStatusSource:
    """Wraps a StatusSource: list tokens are kept for `ttl`, and a list whose token was already
    verified against the same key set is not verified or decoded again."""

    def __init__(
        self,
        inner: StatusSource,
        ttl: timedelta = timedelta(minutes=5),
        *,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.ttl = ttl.total_seconds()
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._verified: OrderedDict[tuple[str, str], _VerifiedList] = OrderedDict()

    def fetch(self, url: str) -> str:
        now = self._clock()
        with self._lock:
            hit = self._tokens.get(url)
            if hit is not None and now - hit[0] < self.ttl:
                return hit[1]
        # Fetched outside the lock so one slow list does not hold up the others.
        token = self.inner.fetch(url)
        with self._lock:
            self._tokens[url] = (now, token)
            self._tokens.move_to_end(url)
            while len(self._tokens) > self.max_entries:
                self._tokens.popitem(last=False)
        return token

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._verified.clear()

    @staticmethod
    def _key(token: str, keys: KeySet) -> tuple[str, str]:
        return hashlib.sha256(token.encode("utf-8")).hexdigest(), keys.fingerprint

    def verified(self, token: str, keys: KeySet) -> _VerifiedList | None:
        with self._lock:
            return self._verified.get(self._key(token, keys))

    def remember(self, token: str, keys: KeySet, verified: _VerifiedList) -> None:
        key = self._key(token, keys)
        with self._lock:
            self._verified[key] = verified
            self._verified.move_to_end(key)
            while len(self._verified) > self.max_entries:
                self._verified.popitem(last=False)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Holder:
    name: str | None
    post_id: str | None


@dataclass(frozen=True)
class IssuerRef:
    id: str
    name: str | None


@dataclass(frozen=True)
class CredentialSummary:
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
            credential = replace(credential, holder=Holder(name=None, post_id=None))
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


class _Failed(Exception):
    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check = check
        self.detail = detail


@dataclass(frozen=True)
class CompactJws:
    """A compact JWS taken apart, its signature not yet checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    size: int


@dataclass(frozen=True)
class _Claims:
    issuer_id: str
    valid_from: datetime
    valid_until: datetime | None
    not_before: float | None


def _format_utc(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _show(value: Any, *, quote: bool = True, limit: int = 80) -> str:
    """A value from the token for a detail message, cut short: details echo untrusted input."""
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _b64url_decode(part: str) -> bytes:
    if len(part) % 4 == 1:
        raise ValueError("impossible base64url length")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers could read a repeated member differently; a signed document must be unambiguous.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {_show(key)}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Failed("shape", f"the {what} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise _Failed("shape", f"the {what} is not a JSON object")
    return value


def _token_bytes(token: Any) -> bytes:
    if isinstance(token, str):
        if len(token) > MAX_TOKEN_BYTES:
            raise _Failed("size", f"the token is over {MAX_TOKEN_BYTES} bytes")
        try:
            data = token.encode("utf-8")
        except UnicodeEncodeError:
            raise _Failed("shape", "the token is not text") from None
    elif isinstance(token, bytes | bytearray | memoryview):
        data = bytes(token[: MAX_TOKEN_BYTES + 1])
    else:
        raise _Failed("shape", f"the token is a {type(token).__name__}, not text")
    if len(data) > MAX_TOKEN_BYTES:
        raise _Failed("size", f"the token is over {MAX_TOKEN_BYTES} bytes")
    return data


def _parse(data: bytes) -> CompactJws:
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise _Failed("shape", "the token contains characters outside base64url") from None
    parts = text.split(".")
    if len(parts) != 3:
        raise _Failed("shape", f"a compact JWS has 3 dot-separated parts, not {len(parts)}")
    if not all(_B64URL_PART.fullmatch(p) for p in parts) or not parts[0] or not parts[1]:
        raise _Failed("shape", "the token's parts are not base64url without padding")
    try:
        header_raw, payload_raw, signature = (_b64url_decode(p) for p in parts)
    except (binascii.Error, ValueError):
        raise _Failed("shape", "the token's parts are not base64url without padding") from None
    header = _json_object(header_raw, "header")
    payload = _json_object(payload_raw, "payload")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return CompactJws(header, payload, signing_input, signature, len(data))


def split_jws(token: Any, max_bytes: int = MAX_TOKEN_BYTES) -> CompactJws:
    """Takes apart a compact JWS with JSON header and payload (the codec the credential's own
    verification uses, for other JWTs such as OpenID4VCI key proofs); ValueError says why not."""
    if isinstance(token, str) and len(token) > max_bytes:
        raise ValueError(f"the token is over {max_bytes} bytes")
    try:
        return _parse(_token_bytes(token))
    except _Failed as exc:
        raise ValueError(exc.detail) from None


def _media_type_is(value: Any, expected: str) -> bool:
    # Media types compare case-insensitively and RFC 7515 allows omitting "application/".
    if not isinstance(value, str):
        return False
    value = value.lower()
    return value in (expected, f"application/{expected}")


def _check_header(header: dict[str, Any], keys: KeySet) -> tuple[PublicKey, str]:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
        raise _Failed(
            "header", f"algorithm {_show(alg)} is not accepted (only EdDSA, Ed25519, ES256)"
        )
    if "typ" not in header:
        raise _Failed("header", 'typ is missing; a credential has typ "vc+jwt"')
    if not _media_type_is(header["typ"], "vc+jwt"):
        raise _Failed("header", f'typ {_show(header["typ"])} is not "vc+jwt"')
    if "cty" in header and not _media_type_is(header["cty"], "vc"):
        raise _Failed("header", f'cty {_show(header["cty"])} is not "vc"')
    if "crit" in header:
        raise _Failed(
            "header", f"critical header parameters {_show(header['crit'])} are not understood"
        )
    if "b64" in header and header["b64"] is not True:
        raise _Failed("header", "an unencoded payload (b64) is not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _Failed("header", "the key id (kid) is missing")
    key = keys.get(kid)
    if key is None:
        raise _Failed("header", f"key {_show(kid)} is not one of the trusted keys")
    if not key.accepts(alg):
        raise _Failed("header", f"algorithm {alg} does not fit key {kid} ({key.alg})")
    return key, alg


def _verify_jws(token: Any, keys: KeySet, record: Callable[[Check], None]) -> CompactJws:
    """Size, shape, header and signature; records each passed check, raises _Failed on the first
    that fails. Nothing of the payload may be trusted unless this returns."""
    data = _token_bytes(token)
    record(Check("size", True, f"{len(data)} bytes, within {MAX_TOKEN_BYTES}"))
    parsed = _parse(data)
    record(Check("shape", True, "compact JWS with a JSON header and payload"))
    key, alg = _check_header(parsed.header, keys)
    ignored = [p for p in IGNORED_KEY_PARAMS if p in parsed.header]
    note = f"; ignored {', '.join(ignored)}" if ignored else ""
    record(Check("header", True, f"typ vc+jwt, alg {alg}, trusted kid {key.kid}{note}"))
    if not key.verify(alg, parsed.signing_input, parsed.signature):
        raise _Failed("signature", f"the signature does not verify with key {key.kid}")
    record(Check("signature", True, f"signed by key {key.kid} ({alg})"))
    return parsed


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


def _summary(payload: dict[str, Any], issuer_id: str) -> CredentialSummary:
    subject = payload.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    name = _text(subject.get("name"))
    post_id = None
    if name is not None:  # no name means a protected holder: show no POST id either
        for ident in subject.get("identifier") or []:
            if (
                isinstance(ident, dict)
                and ident.get("identityType") == "identifier"
                and ident.get("hashed") is False
                and isinstance(ident.get("identityHash"), str)
            ):
                post_id = ident["identityHash"]
                break
    achievement = subject.get("achievement")
    hours = subject.get("creditsEarned")
    issuer = payload.get("issuer")
    url = _text(payload.get("id"))
    credential_id = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] if url else ""
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


# -- status


@dataclass(frozen=True)
class _StatusEntry:
    purpose: str
    url: str
    index: int


def _status_entries(payload: dict[str, Any], issuer_id: str) -> list[_StatusEntry]:
    """The status bits to read, with the parallel suspension bit of our own revocation lists."""
    raw = payload.get("credentialStatus")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    entries: list[_StatusEntry] = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "BitstringStatusListEntry":
            continue
        purpose = item.get("statusPurpose")
        if purpose not in ("revocation", "suspension"):
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
        entries.append(_StatusEntry(purpose, url, int(index)))
        prefix = f"{issuer_id.rstrip('/')}/status/revocation/"
        if purpose == "revocation" and url.startswith(prefix):
            parallel = f"{issuer_id.rstrip('/')}/status/suspension/{url[len(prefix) :]}"
            entries.append(_StatusEntry("suspension", parallel, int(index)))
    unique: list[_StatusEntry] = []
    for entry in entries:
        if entry not in unique:
            unique.append(entry)
    return unique


def _load_list(token: str, keys: KeySet, source: StatusSource) -> _VerifiedList:
    cache = source if isinstance(source, CachingStatusSource) else None
    if cache is not None:
        hit = cache.verified(token, keys)
        if hit is not None:
            return hit
    try:
        parsed = _verify_jws(token, keys, lambda check: None)
    except _Failed as failed:
        raise _Failed("status", f"its {failed.check} is not acceptable: {failed.detail}") from None
    if "BitstringStatusListCredential" not in _types(parsed.payload.get("type")):
        raise _Failed("status", "it is not a BitstringStatusListCredential")
    subject = parsed.payload.get("credentialSubject")
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    try:
        bits = statuslist.decode(encoded) if isinstance(encoded, str) else None
    except ValueError as exc:
        raise _Failed("status", f"its encodedList is malformed ({exc})") from None
    if bits is None:
        raise _Failed("status", "it has no encodedList")
    verified = _VerifiedList(parsed.payload, bits)
    if cache is not None:
        cache.remember(token, keys, verified)
    return verified


def _read_status_bit(
    entry: _StatusEntry,
    credential_issuer: str,
    keys: KeySet,
    source: StatusSource,
    now: datetime,
    skew: timedelta,
) -> bool:
    try:
        token = source.fetch(entry.url)
    except Exception as exc:  # any failure of the source means the status is unknown
        raise _Failed(
            "status",
            f"cannot fetch {entry.url} ({_show(str(exc) or type(exc).__name__, quote=False)})",
        ) from None
    if not isinstance(token, str):
        raise _Failed("status", f"the source gave no token for {entry.url}")
    try:
        verified = _load_list(token, keys, source)
        payload = verified.payload
        claims = _check_claims(payload)
        if "id" in payload and payload["id"] != entry.url:
            raise _Failed("status", f"it says it is {_show(payload['id'])}")
        if claims.issuer_id != credential_issuer:
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
    keys: KeySet,
    source: StatusSource,
    now: datetime,
    skew: timedelta,
) -> tuple[str | None, str]:
    """(REVOKED, SUSPENDED or None, detail); raises _Failed when the status cannot be confirmed."""
    entries = _status_entries(payload, issuer_id)
    if not entries:
        return None, "no revocation or suspension status entry"
    set_purposes: list[str] = []
    notes: list[str] = []
    for entry in entries:
        is_set = _read_status_bit(entry, issuer_id, keys, source, now, skew)
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
    "status": "The credential's status could not be confirmed: {detail}.",
    "error": "The token could not be verified.",
}


def verify(
    token: str | bytes,
    keys: KeySet,
    status_source: StatusSource | None,
    now: datetime,
    *,
    issuer: str | None = None,
    check_status: bool = True,
    clock_skew: timedelta = timedelta(seconds=60),
) -> Verdict:
    """The verdict on a compact JWS credential; never raises.

    `keys` is the trust anchor: any issuer whose signature verifies with them is accepted unless
    `issuer` names the one trusted issuer id.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    checks: list[Check] = []
    try:
        return _verify(token, keys, status_source, now, issuer, check_status, clock_skew, checks)
    except Exception:
        # Unreachable by design; a verifier must still answer rather than fail open or crash.
        checks.append(Check("error", False, "an unexpected error stopped the verification"))
        return Verdict(INVALID, [_REASONS["error"]], checks, now)


def _verify(
    token: str | bytes,
    keys: KeySet,
    source: StatusSource | None,
    now: datetime,
    trusted_issuer: str | None,
    check_status: bool,
    skew: timedelta,
    checks: list[Check],
) -> Verdict:
    def invalid(failed: _Failed, payload: dict[str, Any] | None = None) -> Verdict:
        checks.append(Check(failed.check, False, failed.detail))
        reason = _REASONS[failed.check].format(detail=failed.detail)
        return Verdict(INVALID, [reason], checks, now, None, payload)

    try:
        parsed = _verify_jws(token, keys, checks.append)
    except _Failed as failed:
        return invalid(failed)
    payload = parsed.payload
    try:
        claims = _check_claims(payload)
        checks.append(Check("claims", True, "a VC 2.0 credential with consistent claims"))
        if trusted_issuer is not None and claims.issuer_id != trusted_issuer:
            raise _Failed(
                "issuer", f"issued by {_show(claims.issuer_id, quote=False)}, not {trusted_issuer}"
            )
        trust = "the trusted issuer" if trusted_issuer is not None else "trusted by its key"
        checks.append(Check("issuer", True, f"issued by {claims.issuer_id} ({trust})"))
    except _Failed as failed:
        return invalid(failed, payload)

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
    if not check_status or source is None:
        checks.append(Check("status", True, "not checked"))
    else:
        try:
            status, detail = _check_status(payload, claims.issuer_id, keys, source, now, skew)
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

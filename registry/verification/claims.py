"""A credential's claims read and checked (VC-JOSE-COSE's rules, its dates), and the registry it
names: pure."""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from registry.vc import jws
from registry.vc.did import did_web
from registry.vc.jws import JWSError
from registry.verification.verdict import format_utc

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
# A stage refused the credential: (check, detail), the same shape the JWS module raises.
_Failed = JWSError
_show = jws.show


_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


class Claims(msgspec.Struct, frozen=True):
    issuer_id: str
    valid_from: datetime
    valid_until: datetime | None
    not_before: float | None


def parse_datetime(value: Any, name: str) -> datetime:
    parsed = _datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _Failed("claims", f"{name} is not a date-time with a time zone")
    if parsed is _INVALID:
        raise _Failed("claims", f"{name} is not a valid date-time")
    return parsed


_INVALID = datetime.min


@functools.lru_cache(maxsize=4096)
def _datetime(value: str) -> datetime | None:
    """The date-time `value` spells; None when it has not the form, _INVALID when the form
    holds no date (a 30th of February). Kept: a registry's credentials share their dates (a
    class certified at once), and every verification reads two."""
    if not _DATETIME.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return _INVALID


def _numeric_date(payload: dict[str, Any], name: str) -> float | None:
    if name not in payload:
        return None
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Failed("claims", f"{name} is not a NumericDate")
    return float(value)


def types_of(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def issuer_id_of(payload: dict[str, Any]) -> str:
    issuer = payload.get("issuer")
    if isinstance(issuer, str) and issuer:
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str) and issuer["id"]:
        return str(issuer["id"])
    raise _Failed("claims", "issuer is neither a URL nor an object with an id")


def check_claims(payload: dict[str, Any]) -> Claims:
    for claim in ("vc", "vp"):
        if claim in payload:
            raise _Failed("claims", f'a "{claim}" claim is not allowed in a VC 2.0 credential')
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise _Failed("claims", f'"@context" does not start with {VC_V2_CONTEXT}')
    if "VerifiableCredential" not in types_of(payload.get("type")):
        raise _Failed("claims", 'type does not include "VerifiableCredential"')
    issuer_id = issuer_id_of(payload)
    if "iss" in payload and payload["iss"] != issuer_id:
        raise _Failed(
            "claims", f"iss {_show(payload['iss'])} differs from the issuer {_show(issuer_id)}"
        )
    if not isinstance(payload.get("credentialSubject"), dict):
        raise _Failed("claims", "credentialSubject is not an object")
    if "validFrom" not in payload:
        raise _Failed("claims", "validFrom is missing")
    valid_from = parse_datetime(payload["validFrom"], "validFrom")
    valid_until = None
    if "validUntil" in payload:
        valid_until = parse_datetime(payload["validUntil"], "validUntil")
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
    return Claims(issuer_id, valid_from, valid_until, nbf)


def check_time(claims: Claims, payload: dict[str, Any], now: datetime, skew: timedelta) -> str:
    """The time check's detail when the credential is within its validity; raises otherwise."""
    # now ± skew rather than the credential's dates ± skew: those may sit at datetime's limits.
    if now + skew < claims.valid_from:
        raise _Failed("time", f"not valid before {payload['validFrom']}")
    if claims.not_before is not None and now.timestamp() < claims.not_before - skew.total_seconds():
        raise _Failed("time", f"not valid before {numeric_text(claims.not_before)}")
    if claims.valid_until is not None and now - skew >= claims.valid_until:
        shown = payload.get("validUntil") or format_utc(claims.valid_until)
        raise _Failed("time", f"expired on {shown}")
    until = payload.get("validUntil") if claims.valid_until is not None else None
    return f"valid from {payload['validFrom']}" + (f" until {until}" if until else "")


def numeric_text(value: float) -> str:
    try:
        return format_utc(datetime.fromtimestamp(value, UTC))
    except (OverflowError, OSError, ValueError):
        return str(value)


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class Registry(msgspec.Struct, frozen=True):
    """The registry a credential comes from, under both of its names: the did:web DID it issues
    under now, and the public URL it issued under before (and where its lists and courses are)."""

    url: str | None
    did: str

    def named(self, issuer_id: str) -> bool:
        return issuer_id == self.did or (self.url is not None and issuer_id == self.url)


@functools.lru_cache(maxsize=256)
def did_of(url: str) -> str:
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
        return Registry(trusted_url, did_of(trusted_url))
    if issuer_id.startswith("did:"):
        issuer = payload.get("issuer")
        url = issuer.get("url") if isinstance(issuer, dict) else None
        if _is_web_url(url) and did_of(str(url).rstrip("/")) == issuer_id:
            return Registry(str(url).rstrip("/"), issuer_id)
        return Registry(None, issuer_id)
    if _is_web_url(issuer_id):
        return Registry(issuer_id.rstrip("/"), did_of(issuer_id.rstrip("/")))
    return Registry(None, "")


def post_id_of(subject: dict[str, Any]) -> str | None:
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

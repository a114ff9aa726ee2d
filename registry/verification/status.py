"""Reading a credential's status: its entries, the signed lists (verified once per key set), the
bits: pure, the lists come from a source the caller hands over."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import msgspec

from registry.vc import jws, statuslist
from registry.vc.jws import JWSError
from registry.vc.keys import KeySet
from registry.verification.claims import Claims, Registry, check_claims, check_time, types_of
from registry.verification.verdict import REVOKED, SUSPENDED

_Failed = JWSError
_show = jws.show


_INDEX = re.compile(r"[0-9]{1,12}")


_PURPOSES = ("revocation", "suspension")


class StatusUnavailable(Exception):
    """A status list could not be obtained."""


@dataclass(frozen=True)
class VerifiedList:
    """A status list credential whose signature verified with the key set of `fingerprint`,
    resolved under `did`. A source may hand one over instead of the token: the verifier takes it
    as verified when its own key set and DID are the same, and verifies `token` again if not.
    (The registry's live status hands over lists verified under the verification's own key set:
    `LiveStatus.under`.)"""

    token: str
    payload: dict[str, Any]
    bits: bytes
    fingerprint: str
    did: str
    claims: Claims  # its claims, checked once: they do not change with the request


class StatusSource(Protocol):
    def fetch(self, url: str) -> str | VerifiedList:
        """The status list credential at `url`, as its compact JWS or already verified;
        raises StatusUnavailable."""
        ...


class StatusEntry(msgspec.Struct, frozen=True):
    purpose: str
    url: str
    index: int


def status_entries(payload: dict[str, Any], registry: Registry) -> list[StatusEntry]:
    """The status bits to read, with the parallel suspension bit of our own revocation lists."""
    raw = payload.get("credentialStatus")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    entries: list[StatusEntry] = []
    for item in items:
        if not isinstance(item, dict) or "BitstringStatusListEntry" not in types_of(
            item.get("type")
        ):
            continue
        purposes = [p for p in types_of(item.get("statusPurpose")) if p in _PURPOSES]
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
            entries.append(StatusEntry(purpose, url, int(index)))
            prefix = f"{registry.url}/status/revocation/"
            if purpose == "revocation" and registry.url is not None and url.startswith(prefix):
                parallel = f"{registry.url}/status/suspension/{url[len(prefix) :]}"
                entries.append(StatusEntry("suspension", parallel, int(index)))
    unique: list[StatusEntry] = []
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
    if "BitstringStatusListCredential" not in types_of(payload.get("type")):
        raise _Failed("status", "it is not a BitstringStatusListCredential")
    subject = payload.get("credentialSubject")
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    try:
        bits = statuslist.decode(encoded) if isinstance(encoded, str) else None
    except ValueError as exc:
        raise _Failed("status", f"its encodedList is malformed ({exc})") from None
    if bits is None:
        raise _Failed("status", "it has no encodedList")
    return VerifiedList(token, payload, bits, keys.fingerprint, did, check_claims(payload))


def verified_list(fetched: object, keys: KeySet, did: str, url: str) -> VerifiedList:
    if isinstance(fetched, VerifiedList):
        if fetched.fingerprint == keys.fingerprint and fetched.did == did:
            return fetched
        return verify_list(fetched.token, keys, did)
    if isinstance(fetched, str):
        return verify_list(fetched, keys, did)
    raise _Failed("status", f"the source gave no token for {url}")


def _read_status_bit(
    entry: StatusEntry,
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
        verified = verified_list(fetched, keys, registry.did, entry.url)
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
        if "BitstringStatusList" not in types_of(subject.get("type")):
            raise _Failed("status", "its subject is not a BitstringStatusList")
        if entry.purpose not in types_of(subject.get("statusPurpose")):
            raise _Failed("status", f"it is not a {entry.purpose} list")
        check_time(claims, payload, now, skew)
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


def read_status(
    payload: dict[str, Any],
    issuer_id: str,
    registry: Registry,
    keys: KeySet,
    source: StatusSource,
    now: datetime,
    skew: timedelta,
    entries: Sequence[StatusEntry] | None = None,
) -> tuple[str | None, str]:
    """(REVOKED, SUSPENDED or None, detail); raises _Failed when the status cannot be confirmed.
    `entries`: `status_entries(payload, registry)`, when the caller has them already."""
    if entries is None:
        entries = status_entries(payload, registry)
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

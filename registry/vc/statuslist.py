"""W3C Bitstring Status List v1.0: the bitstring, its encoding, and the list credential payload."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from registry.vc.jws import b64url_decode, b64url_encode
from registry.vc.payload import JTI_CONTEXT, VC_CONTEXT, format_datetime, numeric_date

MIN_ENTRIES = 131072  # the spec's minimum, 16 KiB: small lists would narrow down who is who
DEFAULT_MAX_SIZE = 16 * 1024 * 1024


def new_bitstring(size: int = MIN_ENTRIES) -> bytearray:
    """All-zero bits for `size` entries (rounded up to whole bytes)."""
    if size <= 0:
        raise ValueError("size must be positive")
    return bytearray((size + 7) // 8)


def _locate(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(f"status index {index} is outside the list of {len(bits) * 8}")
    return index // 8, 0x80 >> (index % 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    byte, mask = _locate(bits, index)
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """The bit at `index`; index 0 is the most significant bit of the first byte."""
    byte, mask = _locate(bits, index)
    return bool(bits[byte] & mask)


def bitstring_from_indexes(indexes: Iterable[int], size: int = MIN_ENTRIES) -> bytes:
    bits = new_bitstring(size)
    for index in indexes:
        set_bit(bits, index)
    return bytes(bits)


def encode(bits: bytes | bytearray) -> str:
    """Multibase base64url (no padding) of the GZIP'd bits; mtime=0 makes it deterministic."""
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + b64url_encode(compressed)


def decode(encoded: str, *, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The bits of an encodedList; ValueError for anything malformed or over `max_size` bytes."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (a 'u' prefix)")
    try:
        compressed = b64url_decode(encoded[1:])
    except ValueError:
        raise ValueError("encodedList is not base64url without padding") from None
    # Decompress incrementally with a cap, so a small gzip bomb cannot exhaust memory.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, max_size + 1)
    except zlib.error:
        raise ValueError("encodedList is not valid GZIP data") from None
    if len(bits) > max_size:
        raise ValueError(f"encodedList expands beyond {max_size} bytes")
    if not inflater.eof:
        raise ValueError("encodedList is truncated GZIP data")
    if inflater.unused_data:
        raise ValueError("encodedList has data after the GZIP stream")
    if not bits:
        raise ValueError("encodedList is empty")
    return bits


def status_list_payload(
    *,
    list_url: str,
    issuer: dict[str, Any],
    purpose: str,
    bits: bytes | bytearray,
    valid_from: datetime,
    valid_until: datetime | None,
) -> dict[str, Any]:
    """A BitstringStatusListCredential payload, to be signed as vc+jwt like any credential.

    `issuer` names no `type`: "Profile" is a term of the Open Badges context, which a status list
    does not name (JSON-LD would read it as a relative IRI).
    """
    payload: dict[str, Any] = {
        "@context": [VC_CONTEXT, JTI_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        payload["validUntil"] = format_datetime(valid_until)
    payload["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode(bits),
    }
    payload["iss"] = issuer["id"]
    payload["jti"] = list_url
    payload["iat"] = numeric_date(valid_from)
    payload["nbf"] = numeric_date(valid_from)
    if valid_until is not None:
        payload["exp"] = numeric_date(valid_until)
    return payload

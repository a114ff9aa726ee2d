"""Holder keys named by `did:key` (Ed25519, P-256) and `did:jwk` DIDs, resolved locally: these
methods carry the key in the DID itself, so nothing is ever fetched (did:web is `did.py`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.vc.did import base58btc_decode, multikey
from registry.vc.jws import b64url_decode, b64url_encode
from registry.vc.keys import KeySet, PublicKey

MAX_DID = 1024
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"
# The NIST P-256 curve y^2 = x^3 - 3x + b over GF(p), for decompressing a did:key point.
_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B


class UnresolvableDid(ValueError):
    """A DID or DID URL that names no key this registry can resolve locally."""


@dataclass(frozen=True)
class HolderKey:
    """A holder's public key and the DID it was named by."""

    did: str
    key: PublicKey


def _b64u_decode(text: str) -> bytes:
    try:
        return b64url_decode(text)
    except ValueError:
        raise UnresolvableDid("not base64url without padding") from None


def _decompress_p256(point: bytes) -> tuple[bytes, bytes]:
    prefix, x_bytes = point[0], point[1:]
    x = int.from_bytes(x_bytes, "big")
    if prefix not in (2, 3) or x >= _P:
        raise UnresolvableDid("not a compressed P-256 point")
    y_squared = (pow(x, 3, _P) - 3 * x + _B) % _P
    y = pow(y_squared, (_P + 1) // 4, _P)  # p = 3 (mod 4): one exponentiation is the root
    if y * y % _P != y_squared:
        raise UnresolvableDid("the point is not on the P-256 curve")
    if y % 2 != prefix - 2:
        y = _P - y
    return x_bytes, y.to_bytes(32, "big")


def _jwk_of_did_key(identifier: str) -> dict[str, str]:
    if not identifier.startswith("z"):
        raise UnresolvableDid("a did:key is multibase base58btc (z...)")
    try:
        raw = base58btc_decode(identifier[1:])
    except ValueError:
        raise UnresolvableDid("a did:key is multibase base58btc (z...)") from None
    if raw.startswith(_ED25519_PUB) and len(raw) == 34:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw[2:])}
    if raw.startswith(_P256_PUB) and len(raw) == 35:
        x, y = _decompress_p256(raw[2:])
        return {"kty": "EC", "crv": "P-256", "x": b64url_encode(x), "y": b64url_encode(y)}
    raise UnresolvableDid("only Ed25519 and P-256 did:key DIDs are accepted")


def _jwk_of_did_jwk(identifier: str) -> dict[str, Any]:
    try:
        jwk = json.loads(_b64u_decode(identifier).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UnresolvableDid("a did:jwk carries a base64url JSON JWK") from None
    if not isinstance(jwk, dict):
        raise UnresolvableDid("a did:jwk carries a base64url JSON JWK")
    return jwk


# Members of a JWK that carry private key material (RFC 7518 §6): never in a holder's DID.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _key(jwk: Mapping[str, Any]) -> PublicKey:
    """The one signing key of a public JWK (named by its thumbprint, whatever kid it carries),
    refusing a set of keys, private material and a key nobody can own (a small-order point)."""
    if "keys" in jwk or not isinstance(jwk.get("kty"), str):
        raise UnresolvableDid("the DID does not carry exactly one public JWK")
    if _PRIVATE_MEMBERS & jwk.keys():
        raise UnresolvableDid("the DID carries a private key")
    try:
        keys = KeySet.from_jwks({k: v for k, v in jwk.items() if k != "kid"})
    except ValueError as exc:
        raise UnresolvableDid(str(exc)) from None
    if len(keys) != 1:
        raise UnresolvableDid("the DID's key is not an Ed25519 or P-256 signing key")
    key = next(iter(keys.values()))
    if not key.owned():
        raise UnresolvableDid("the DID's key is a weak point that no one can own")
    return key


def resolve(did_url: str) -> HolderKey:
    """The key a `did:key` or `did:jwk` DID URL names (`did:key:z..#z..`, `did:jwk:..#0`, or the
    bare DID); UnresolvableDid for anything else."""
    if not isinstance(did_url, str) or not did_url or len(did_url) > MAX_DID:
        raise UnresolvableDid("the key id is not a DID URL")
    did, _, fragment = did_url.partition("#")
    method, _, identifier = did.partition(":")[2].partition(":")
    if not did.startswith("did:") or not identifier or ":" in identifier:
        raise UnresolvableDid("the key id is not a did:key or did:jwk DID URL")
    if method == "key":
        jwk: Mapping[str, Any] = _jwk_of_did_key(identifier)
        if fragment not in ("", identifier):
            raise UnresolvableDid("a did:key names its one key by its own multibase value")
    elif method == "jwk":
        jwk = _jwk_of_did_jwk(identifier)
        if fragment not in ("", "0"):
            raise UnresolvableDid("a did:jwk names its one key #0")
    else:
        raise UnresolvableDid(f"the DID method {method[:20]!r} is not did:key or did:jwk")
    return HolderKey(did=did, key=_key(jwk))


def from_jwk(jwk: Mapping[str, Any]) -> HolderKey:
    """A holder named by a bare public JWK (a `jwk` proof header): as its did:key."""
    if not isinstance(jwk, Mapping):
        raise UnresolvableDid("the jwk header is not a JSON object")
    key = _key(jwk)
    did = "did:key:" + multikey(key.jwk)
    return HolderKey(did=did, key=key)

"""The issuer's did:web identity: the DID of a public URL, Multikey encodings, the DID document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from registry.vc.jws import b64url_decode

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# Multicodec prefixes (unsigned varints) of the public key types we publish.
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def did_web(public_url: str) -> str:
    """The did:web DID of `public_url`: host, a port as %3A, path segments joined by ':'.

    `https://cit.utah.gov` -> `did:web:cit.utah.gov`; `http://127.0.0.1:8000` ->
    `did:web:127.0.0.1%3A8000`; `https://state.gov/cit` -> `did:web:state.gov:cit`.
    """
    parts = urlsplit(public_url)
    if not parts.hostname:
        raise ValueError(f"{public_url!r} has no host")
    host = parts.hostname
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def did_document_path(public_url: str) -> str:
    """Where did:web resolution looks for the document, as a path of `public_url`'s origin."""
    path = urlsplit(public_url).path.rstrip("/")
    return f"{path}/did.json" if path else "/.well-known/did.json"


def verification_method_id(did: str, thumbprint: str) -> str:
    """The DID URL naming one key: `{did}#{RFC 7638 thumbprint}` (also the JWS `kid`)."""
    return f"{did}#{thumbprint}"


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_BASE58[rest])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        digit = _BASE58.find(char)
        if digit < 0:
            raise ValueError("not base58btc")
        number = number * 58 + digit
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading + body


def multikey(jwk: Mapping[str, Any]) -> str:
    """`publicKeyMultibase` of an Ed25519 or P-256 public JWK: 'z' + base58btc(multicodec key)."""
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        return "z" + base58btc(_ED25519_PUB + b64url_decode(jwk["x"]))
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        y = b64url_decode(jwk["y"])
        compressed = bytes([2 + (y[-1] & 1)]) + b64url_decode(jwk["x"])
        return "z" + base58btc(_P256_PUB + compressed)
    raise ValueError(f"unsupported key: kty={jwk.get('kty')!r} crv={jwk.get('crv')!r}")


def did_document(did: str, keys: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The DID document listing `keys` ((thumbprint, public JWK) pairs, the active key first) as
    Multikey verification methods for assertions."""
    methods = [
        {
            "id": verification_method_id(did, kid),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey(jwk),
        }
        for kid, jwk in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }

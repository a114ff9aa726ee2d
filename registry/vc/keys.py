"""Signing keys: generating, storing, rotating, signing, publishing (the only crypto module)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from nacl.bindings import crypto_core_ed25519_is_valid_point

from registry.vc.jws import ACCEPTED_ALGS, b64url_decode, b64url_encode

ALGORITHMS = tuple(ACCEPTED_ALGS)  # the key families: "EdDSA" (Ed25519) and "ES256" (P-256)

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
VerifyingKey = Ed25519PublicKey | ec.EllipticCurvePublicKey


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP or EC public key."""
    kty = jwk.get("kty")
    if kty == "OKP":
        members = {"crv": jwk["crv"], "kty": kty, "x": jwk["x"]}
    elif kty == "EC":
        members = {"crv": jwk["crv"], "kty": kty, "x": jwk["x"], "y": jwk["y"]}
    else:
        raise ValueError(f"unsupported key type {kty!r}")
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def _public_jwk(key: VerifyingKey) -> dict[str, Any]:
    if isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    if isinstance(key.curve, ec.SECP256R1):
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }
    raise ValueError(f"unsupported curve {key.curve.name}")


def _key_from_jwk(jwk: Mapping[str, Any]) -> tuple[str, VerifyingKey]:
    """(alg family, public key) of an Ed25519 or P-256 JWK; ValueError for anything else."""
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        x = b64url_decode(jwk.get("x"))
        if len(x) != 32:
            raise ValueError("Ed25519 x must be 32 bytes")
        return "EdDSA", Ed25519PublicKey.from_public_bytes(x)
    if kty == "EC" and crv == "P-256":
        x, y = b64url_decode(jwk.get("x")), b64url_decode(jwk.get("y"))
        if len(x) != 32 or len(y) != 32:
            raise ValueError("P-256 coordinates must be 32 bytes")
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        )
        return "ES256", numbers.public_key()  # raises ValueError for a point off the curve
    raise ValueError(f"unsupported key: kty={kty!r} crv={crv!r}")


@dataclass(frozen=True)
class SignedBytes:
    """A raw signature and the key that made it (read together: a rotation may land between)."""

    kid: str
    alg: str
    signature: bytes


@dataclass(frozen=True, eq=False)
class PublicKey:
    """A trusted verification key; `alg` is its family, "EdDSA" (Ed25519) or "ES256" (P-256)."""

    kid: str
    alg: str
    key: VerifyingKey
    jwk: Mapping[str, Any]

    @property
    def thumbprint(self) -> str:
        return thumbprint(self.jwk)

    def accepts(self, alg: str) -> bool:
        return alg in ACCEPTED_ALGS.get(self.alg, frozenset())

    def owned(self) -> bool:
        """Whether someone can hold this key's private half and nobody else: an Ed25519 key
        that is a canonical point of the prime-order subgroup (libsodium's check; a small-order
        point verifies signatures nobody made), or a P-256 point (cryptography loads only points
        on the curve, whose cofactor is 1)."""
        if isinstance(self.key, Ed25519PublicKey):
            raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return bool(crypto_core_ed25519_is_valid_point(raw))
        return True

    def verify(self, alg: str, signing_input: bytes, signature: bytes) -> bool:
        """Checks a JWS signature; False for a wrong alg or a bad signature, never raises."""
        if not self.accepts(alg):
            return False
        try:
            if isinstance(self.key, Ed25519PublicKey):
                self.key.verify(signature, signing_input)
                return True
            # JWS carries ECDSA signatures as raw r||s; cryptography wants DER.
            if len(signature) != 64:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            self.key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            return False


@dataclass(frozen=True)
class ActiveKey:
    """One private key, pinned for a signature (the narrow interface signing goes through)."""

    kid: str
    alg: str
    _private: PrivateKey = field(repr=False)

    def sign_bytes(self, data: bytes) -> SignedBytes:
        """Ed25519 over the bytes, or ECDSA P-256 over their SHA-256 as raw r||s (IEEE P1363),
        as JWS and the Data Integrity cryptosuites both want."""
        key = self._private
        if isinstance(key, Ed25519PrivateKey):
            signature = key.sign(data)
        else:
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return SignedBytes(kid=self.kid, alg=self.alg, signature=signature)


class KeySet(Mapping[str, PublicKey]):
    """An immutable set of trusted public keys by kid: the trust anchor of verification."""

    def __init__(self, keys: Iterable[PublicKey] = (), active: str | None = None) -> None:
        self.active = active  # the kid of the key that signs under this set, if one does
        by_kid: dict[str, PublicKey] = {}
        for key in keys:
            by_kid.setdefault(key.kid, key)  # first wins: a repeated kid must not replace a key
        self._keys = MappingProxyType(by_kid)
        by_thumbprint: dict[str, PublicKey] = {}
        for key in by_kid.values():
            by_thumbprint.setdefault(key.thumbprint, key)
        self._by_thumbprint = MappingProxyType(by_thumbprint)
        material = sorted((kid, k.thumbprint) for kid, k in by_kid.items())
        self.fingerprint = hashlib.sha256(json.dumps(material).encode()).hexdigest()

    def resolve(self, kid_or_did_url: str, did: str) -> PublicKey | None:
        """The trusted key a JWS `kid` or a Data Integrity `verificationMethod` names, or None.

        A DID URL names a key only under the trusted `did`: `{did}#{thumbprint}` (the kid of
        credentials issued since the did:web issuer). A bare name is a key's kid as published
        (a JWKS saved before the DID kept the bare thumbprint) or its thumbprint (the kid of
        credentials issued before). A DID URL of any other DID names nothing.
        """
        if not isinstance(kid_or_did_url, str) or not kid_or_did_url:
            return None
        if kid_or_did_url.startswith("did:"):
            base, hash_, fragment = kid_or_did_url.partition("#")
            if base != did or not hash_:
                return None
            return self._by_thumbprint.get(fragment) or self._keys.get(kid_or_did_url)
        return self._keys.get(kid_or_did_url) or self._by_thumbprint.get(kid_or_did_url)

    @classmethod
    def from_jwks(cls, obj: Any) -> KeySet:
        """Public Ed25519 and P-256 keys of a JWKS or of a single JWK.

        Keys of other types, or marked for another use or algorithm, are skipped (a JWKS may
        serve other purposes too), as are malformed ones. A JWK holding a private part ("d")
        raises ValueError: a private key where a public one belongs is a mistake to stop at.
        """
        if not isinstance(obj, dict):
            raise ValueError("a JWKS or a JWK must be a JSON object")
        if "keys" in obj:
            entries = obj["keys"]
            if not isinstance(entries, list):
                raise ValueError('"keys" must be a list')
        else:
            entries = [obj]
        keys: list[PublicKey] = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if "d" in entry:
                raise ValueError("a JWK with a private part was given where public keys belong")
            if entry.get("use", "sig") != "sig":
                continue
            ops = entry.get("key_ops")
            if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
                continue
            try:
                family, key = _key_from_jwk(entry)
            except (ValueError, TypeError):
                continue
            if "alg" in entry and entry["alg"] not in ACCEPTED_ALGS[family]:
                continue
            public = _public_jwk(key)
            kid = entry.get("kid")
            if not isinstance(kid, str) or not kid:
                kid = thumbprint(public)
            elif kid.startswith("did:") and kid.partition("#")[2] != thumbprint(public):
                # A DID URL kid must be the key's own thumbprint: otherwise it could name
                # another key of the DID than the one it carries.
                continue
            keys.append(
                PublicKey(kid=kid, alg=family, key=key, jwk=published_jwk(kid, family, public))
            )
        return cls(keys)

    def __getitem__(self, kid: str) -> PublicKey:
        return self._keys[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"KeySet({list(self._keys)!r})"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(k.jwk) for k in self._keys.values()]}


def new_private(alg: str) -> PrivateKey:
    """A new private key of the family `alg` ("EdDSA": Ed25519, "ES256": P-256)."""
    if alg == "EdDSA":
        return Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def load_private(pem: bytes, password: bytes | None) -> tuple[str, PrivateKey]:
    """The family and key of a PEM private key; ValueError for a wrong passphrase, a damaged
    file or a key that is neither Ed25519 nor P-256 (the message names no secret)."""
    try:
        private = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None
    if isinstance(private, Ed25519PrivateKey):
        return "EdDSA", private
    if isinstance(private, ec.EllipticCurvePrivateKey) and isinstance(private.curve, ec.SECP256R1):
        return "ES256", private
    raise ValueError("only Ed25519 and P-256 private keys are supported")


def private_pem(private: PrivateKey, passphrase: bytes | None) -> bytes:
    """PKCS8 PEM, encrypted with the passphrase when there is one."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def public_jwk_of(private: PrivateKey) -> dict[str, Any]:
    return _public_jwk(private.public_key())


def public_jwk_of_key(key: VerifyingKey) -> dict[str, Any]:
    """The public JWK of a verifying key, as the store keeps it."""
    return _public_jwk(key)


def jwk_key(jwk: Mapping[str, Any]) -> tuple[str, VerifyingKey]:
    """The family and public key of a public JWK (ValueError otherwise)."""
    return _key_from_jwk(jwk)


def published_jwk(kid: str, alg: str, public: Mapping[str, Any]) -> dict[str, Any]:
    return {**public, "kid": kid, "alg": alg, "use": "sig"}

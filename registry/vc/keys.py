"""Signing keys: generating, storing, rotating, signing, publishing (the only crypto module)."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
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

from registry.vc import jws
from registry.vc.jws import ACCEPTED_ALGS, b64url_decode, b64url_encode

ALGORITHMS = tuple(ACCEPTED_ALGS)  # the key families: "EdDSA" (Ed25519) and "ES256" (P-256)

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
VerifyingKey = Ed25519PublicKey | ec.EllipticCurvePublicKey

# A metadata change within this window of the load may share the directory's mtime tick with
# the load itself (coarse filesystem timestamps), so such a load is not trusted as current.
_RACY_NS = 2_000_000_000


class KeyState(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    COMPROMISED = "compromised"


class KeyStoreError(Exception):
    """Base of the key store's errors."""


class UnknownKey(KeyStoreError, KeyError):
    def __str__(self) -> str:
        return f"no key with kid {self.args[0]!r}" if self.args else "unknown key"


class NoActiveKey(KeyStoreError):
    pass


class KeyStateError(KeyStoreError):
    pass


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    alg: str
    state: KeyState
    created_at: datetime
    development: bool


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

    def __init__(self, keys: Iterable[PublicKey] = ()) -> None:
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
                PublicKey(kid=kid, alg=family, key=key, jwk=_published(kid, family, public))
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


def _published(kid: str, alg: str, public: Mapping[str, Any]) -> dict[str, Any]:
    return {**public, "kid": kid, "alg": alg, "use": "sig"}


@dataclass
class _Entry:
    info: KeyInfo
    public_jwk: dict[str, Any]


@dataclass
class _Snapshot:
    entries: dict[str, _Entry] = field(default_factory=dict)
    active: str | None = None
    trusted: KeySet | None = None


class KeyStore:
    """Keys as files in one directory: `<kid>.pem` (PKCS8, 0600) and `<kid>.json` (metadata).

    The metadata carries the public JWK, so listing and verifying never need the passphrase.
    Several processes may share the directory: `refresh()` picks up another's changes.
    """

    def __init__(self, directory: Path, passphrase: bytes | None = None) -> None:
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._lock = threading.RLock()
        self._signers: dict[str, PrivateKey] = {}
        self._snapshot = _Snapshot()
        self._loaded_mtime_ns: int | None = None
        self._loaded_at_ns = 0
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._load()

    # -- reading

    def _load(self) -> None:
        with self._lock:
            mtime = os.stat(self.directory).st_mtime_ns
            loaded_at = time.time_ns()
            entries: dict[str, _Entry] = {}
            for path in self.directory.glob("*.json"):
                entry = self._read_entry(path)
                if entry is not None:
                    entries[entry.info.kid] = entry
            actives = sorted(
                (e for e in entries.values() if e.info.state is KeyState.ACTIVE),
                key=lambda e: (e.info.created_at, e.info.kid),
            )
            # An interrupted rotation can leave two active keys; the newest one wins.
            for stale in actives[:-1]:
                stale.info = replace(stale.info, state=KeyState.RETIRED)
            active = actives[-1].info.kid if actives else None
            self._snapshot = _Snapshot(entries, active)
            self._loaded_mtime_ns = mtime
            self._loaded_at_ns = loaded_at

    @staticmethod
    def _read_entry(path: Path) -> _Entry | None:
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            kid, alg, jwk = meta["kid"], meta["alg"], meta["public_jwk"]
            family, _ = _key_from_jwk(jwk)
            if alg != family or kid != thumbprint(jwk) or path.stem != kid:
                return None
            created = datetime.fromisoformat(meta["created_at"])
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            info = KeyInfo(kid, alg, KeyState(meta["state"]), created, bool(meta["development"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return _Entry(info, _public_jwk(_key_from_jwk(jwk)[1]))

    def refresh(self) -> bool:
        """Reloads the metadata if the directory changed since the last load; True if a key came,
        went or changed state. (Within two seconds of a change the modification time cannot be
        trusted to move again, so the directory is read each time: that alone is no change.)"""
        try:
            mtime = os.stat(self.directory).st_mtime_ns  # os, not pathlib: on every request
        except OSError:
            return False
        if mtime == self._loaded_mtime_ns and self._loaded_at_ns - mtime > _RACY_NS:
            return False
        before = self._states()
        self._load()
        return self._states() != before

    def _states(self) -> tuple[str | None, frozenset[tuple[str, KeyState]]]:
        snapshot = self._snapshot
        return snapshot.active, frozenset((k, e.info.state) for k, e in snapshot.entries.items())

    def list(self) -> builtins.list[KeyInfo]:
        return sorted(
            (e.info for e in self._snapshot.entries.values()), key=lambda i: (i.created_at, i.kid)
        )

    def get(self, kid: str) -> KeyInfo:
        entry = self._snapshot.entries.get(kid)
        if entry is None:
            raise UnknownKey(kid)
        return entry.info

    def has_active(self) -> bool:
        return self._snapshot.active is not None

    def active(self) -> KeyInfo:
        snapshot = self._snapshot
        if snapshot.active is None:
            raise NoActiveKey("there is no active signing key")
        return snapshot.entries[snapshot.active].info

    @staticmethod
    def _published_entries(snapshot: _Snapshot) -> builtins.list[_Entry]:
        usable = [e for e in snapshot.entries.values() if e.info.state is not KeyState.COMPROMISED]
        # The active key first, then retired keys newest first.
        return sorted(
            usable,
            key=lambda e: (e.info.kid != snapshot.active, -e.info.created_at.timestamp()),
        )

    def jwks(self, did: str | None = None) -> dict[str, Any]:
        """Public JWKs of the active and retired keys; compromised keys are left out. With `did`
        each kid is the key's DID URL `{did}#{thumbprint}`, as credentials name it."""
        return {
            "keys": [
                _published(f"{did}#{e.info.kid}" if did else e.info.kid, e.info.alg, e.public_jwk)
                for e in self._published_entries(self._snapshot)
            ]
        }

    def published(self) -> builtins.list[tuple[str, dict[str, Any]]]:
        """(thumbprint, public JWK) of every key that still verifies, the active key first: what
        the JWKS and the DID document list."""
        return [(e.info.kid, dict(e.public_jwk)) for e in self._published_entries(self._snapshot)]

    def trusted(self) -> KeySet:
        """The public keys of the active and retired keys (built once per load)."""
        snapshot = self._snapshot
        if snapshot.trusted is None:
            keys = []
            for e in self._published_entries(snapshot):
                _, key = _key_from_jwk(e.public_jwk)
                jwk = _published(e.info.kid, e.info.alg, e.public_jwk)
                keys.append(PublicKey(kid=e.info.kid, alg=e.info.alg, key=key, jwk=jwk))
            snapshot.trusted = KeySet(keys)
        return snapshot.trusted

    # -- signing

    def _signer(self, kid: str) -> PrivateKey:
        with self._lock:
            cached = self._signers.get(kid)
            if cached is not None:
                return cached
            path = self.directory / f"{kid}.pem"
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise KeyStoreError(f"cannot read the private key of {kid}: {exc}") from None
            try:
                loaded = serialization.load_pem_private_key(data, password=self._passphrase)
            except (ValueError, TypeError) as exc:
                # Wrong or missing passphrase, or a damaged file; the message names neither secret.
                raise KeyStoreError(f"cannot load the private key of {kid}: {exc}") from None
            if not isinstance(loaded, Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
                raise KeyStoreError(f"the private key of {kid} has an unsupported type")
            if _public_jwk(loaded.public_key()) != self._snapshot.entries[kid].public_jwk:
                raise KeyStoreError(f"the private key file of {kid} does not match its metadata")
            self._signers[kid] = loaded
            return loaded

    def signer(self) -> ActiveKey:
        """The active key, pinned: whatever it signs is signed by the key it names, even when a
        rotation lands in between (the credential then stores the kid that really signed)."""
        info = self.active()
        return ActiveKey(info.kid, info.alg, self._signer(info.kid))

    def sign(self, payload: dict[str, Any], *, did: str | None = None) -> jws.Signed:
        """A vc+jwt of `payload` by the active key; the header's kid is the key's DID URL under
        `did`, or the bare thumbprint (the shape of credentials issued before the DID)."""
        key = self.signer()
        return jws.sign(payload, key, kid=f"{did}#{key.kid}" if did else key.kid)

    def sign_bytes(self, data: bytes) -> SignedBytes:
        """Signs `data` with the active key (see ActiveKey.sign_bytes)."""
        return self.signer().sign_bytes(data)

    # -- changing

    def generate(self, alg: str = "EdDSA", development: bool = False) -> KeyInfo:
        """Makes a new active key; the previously active key, if any, becomes retired."""
        if alg not in ALGORITHMS:
            raise KeyStoreError(
                f"unsupported algorithm {alg!r}; use one of {', '.join(ALGORITHMS)}"
            )
        private: PrivateKey = (
            Ed25519PrivateKey.generate()
            if alg == "EdDSA"
            else ec.generate_private_key(ec.SECP256R1())
        )
        return self._add(private, alg, development)

    def import_pem(
        self, pem: bytes, *, password: bytes | None = None, development: bool = False
    ) -> KeyInfo:
        """Adds an existing Ed25519 or P-256 private key (PEM) as the new active key."""
        try:
            private = serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError) as exc:
            raise KeyStoreError(f"cannot load the private key: {exc}") from None
        if isinstance(private, Ed25519PrivateKey):
            return self._add(private, "EdDSA", development)
        if isinstance(private, ec.EllipticCurvePrivateKey) and isinstance(
            private.curve, ec.SECP256R1
        ):
            return self._add(private, "ES256", development)
        raise KeyStoreError("only Ed25519 and P-256 private keys are supported")

    def _add(self, private: PrivateKey, alg: str, development: bool) -> KeyInfo:
        public = _public_jwk(private.public_key())
        kid = thumbprint(public)
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._passphrase)
            if self._passphrase
            else serialization.NoEncryption()
        )
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        info = KeyInfo(kid, alg, KeyState.ACTIVE, datetime.now(UTC), development)
        with self._lock:
            self._load()
            if kid in self._snapshot.entries:
                raise KeyStateError(f"key {kid} is already in the store")
            previous = self._snapshot.active
            self._write(f"{kid}.pem", pem)
            self._write_meta(info, public)
            # The new key is written before the old one is retired, so a crash in between
            # leaves two active keys (resolved to the newest on load) rather than none.
            if previous is not None:
                self._set_state(previous, KeyState.RETIRED)
            self._signers[kid] = private
            self._load()
        return info

    def rotate(self, alg: str | None = None, *, development: bool = False) -> KeyInfo:
        """A new active key (by default of the current key's algorithm); the old one retires."""
        if alg is None:
            self._load()
            if self.has_active():
                alg = self.active().alg
            else:
                known = self.list()
                alg = known[-1].alg if known else "EdDSA"
        return self.generate(alg, development=development)

    def retire(self, kid: str) -> KeyInfo:
        """Stops a key signing; it still verifies. Retiring the active key leaves none active."""
        with self._lock:
            self._load()
            info = self.get(kid)
            if info.state is KeyState.COMPROMISED:
                raise KeyStateError(f"key {kid} is compromised and cannot be retired")
            if info.state is not KeyState.RETIRED:
                self._set_state(kid, KeyState.RETIRED)
                self._load()
            return self.get(kid)

    def compromise(self, kid: str) -> KeyInfo:
        """Withdraws a key: gone from the JWKS, and everything it signed verifies as invalid."""
        with self._lock:
            self._load()
            info = self.get(kid)
            if info.state is not KeyState.COMPROMISED:
                self._set_state(kid, KeyState.COMPROMISED)
                self._signers.pop(kid, None)
                self._load()
            return self.get(kid)

    def _set_state(self, kid: str, state: KeyState) -> None:
        entry = self._snapshot.entries[kid]
        self._write_meta(replace(entry.info, state=state), entry.public_jwk)

    def _write_meta(self, info: KeyInfo, public: dict[str, Any]) -> None:
        meta = {
            "kid": info.kid,
            "alg": info.alg,
            "state": str(info.state),
            "created_at": info.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "development": info.development,
            "public_jwk": public,
        }
        self._write(f"{info.kid}.json", (json.dumps(meta, indent=2) + "\n").encode())

    def _write(self, name: str, data: bytes) -> None:
        # mkstemp makes the file 0600 before any byte is written; os.replace makes it appear whole.
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

"""The signing keys as files in one directory: their states (active, retired, compromised),
rotation, and the passphrase that encrypts them at rest. The cryptography is in keys.py."""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from registry.vc import jws
from registry.vc.keys import (
    ALGORITHMS,
    ActiveKey,
    KeySet,
    PrivateKey,
    PublicKey,
    SignedBytes,
    jwk_key,
    load_private,
    new_private,
    private_pem,
    public_jwk_of,
    public_jwk_of_key,
    published_jwk,
    thumbprint,
)

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
            family, _ = jwk_key(jwk)
            if alg != family or kid != thumbprint(jwk) or path.stem != kid:
                return None
            created = datetime.fromisoformat(meta["created_at"])
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            info = KeyInfo(kid, alg, KeyState(meta["state"]), created, bool(meta["development"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return _Entry(info, public_jwk_of_key(jwk_key(jwk)[1]))

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
                published_jwk(
                    f"{did}#{e.info.kid}" if did else e.info.kid, e.info.alg, e.public_jwk
                )
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
                _, key = jwk_key(e.public_jwk)
                jwk = published_jwk(e.info.kid, e.info.alg, e.public_jwk)
                keys.append(PublicKey(kid=e.info.kid, alg=e.info.alg, key=key, jwk=jwk))
            snapshot.trusted = KeySet(keys, snapshot.active)
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
                _, loaded = load_private(data, self._passphrase)
            except ValueError as exc:
                # Wrong or missing passphrase, or a damaged file; the message names neither secret.
                raise KeyStoreError(f"cannot load the private key of {kid}: {exc}") from None
            if public_jwk_of(loaded) != self._snapshot.entries[kid].public_jwk:
                raise KeyStoreError(f"the private key file of {kid} does not match its metadata")
            self._signers[kid] = loaded
            return loaded

    def signer(self, kid: str | None = None) -> ActiveKey:
        """The active key (or the key `kid`, active when a key set was read), pinned: whatever it
        signs is signed by the key it names, even when a rotation lands in between (the
        credential then stores the kid that really signed)."""
        info = self.active() if kid is None else self.get(kid)
        if info.state is KeyState.COMPROMISED:
            raise NoActiveKey(f"key {kid} is withdrawn")
        return ActiveKey(info.kid, info.alg, self._signer(info.kid))

    def sign(
        self,
        payload: dict[str, Any],
        *,
        did: str | None = None,
        kid: str | None = None,
        typ: str = jws.VC_JWT,
    ) -> jws.Signed:
        """A vc+jwt (or, `typ=jws.JWT`, a VC 1.1 JWT) of `payload` by the active key (or
        `kid`); the header's kid is the key's DID URL under `did`, or the bare thumbprint (the
        shape of credentials issued before the DID)."""
        key = self.signer(kid)
        header_kid = f"{did}#{key.kid}" if did else key.kid
        cty = "vc" if typ == jws.VC_JWT else None
        return jws.sign(payload, key, kid=header_kid, typ=typ, cty=cty)

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
        return self._add(new_private(alg), alg, development)

    def import_pem(
        self, pem: bytes, *, password: bytes | None = None, development: bool = False
    ) -> KeyInfo:
        """Adds an existing Ed25519 or P-256 private key (PEM) as the new active key."""
        try:
            alg, private = load_private(pem, password)
        except ValueError as exc:
            raise KeyStoreError(f"cannot load the private key: {exc}") from None
        return self._add(private, alg, development)

    def _add(self, private: PrivateKey, alg: str, development: bool) -> KeyInfo:
        public = public_jwk_of(private)
        kid = thumbprint(public)
        pem = private_pem(private, self._passphrase)
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

"""The key store: files, states, rotation, the JWKS, and tokens another library accepts."""

from __future__ import annotations

import json
import os
import stat
import time
import warnings
from pathlib import Path
from typing import Any, cast

import pytest
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from joserfc.jwk import KeySet as JoseKeySet

from registry.vc.keys import KeySet, thumbprint
from registry.vc.keystore import (
    KeyState,
    KeyStateError,
    KeyStore,
    KeyStoreError,
    NoActiveKey,
    UnknownKey,
)

KEYS = Path(__file__).resolve().parent.parent / "keys"
PAYLOAD = {"iss": "https://registry.example", "jti": "https://registry.example/c/X", "n": 1}


def jose_verify(token: str, keys: Any, alg: str) -> jws.CompactSignature:
    """Verifies with joserfc, an independent JOSE implementation."""
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"; it still verifies it.
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.deserialize_compact(token, keys, algorithms=[alg])


def jose_key(jwk: dict[str, Any]) -> OKPKey | ECKey:
    return OKPKey.import_key(jwk) if jwk["kty"] == "OKP" else ECKey.import_key(jwk)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_kid_is_the_rfc7638_thumbprint_of_the_public_key(store: KeyStore, alg: str) -> None:
    info = store.generate(alg)
    (jwk,) = store.jwks()["keys"]
    assert info.kid == jwk["kid"] == jose_key(jwk).thumbprint()


def test_thumbprint_matches_the_rfc8037_example() -> None:
    # RFC 8037 appendix A.3
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize("name", ["ed25519.pem", "p256.pem"])
def test_imported_fixed_key_gets_the_thumbprint_joserfc_computes(
    store: KeyStore, name: str
) -> None:
    pem = (KEYS / name).read_bytes()
    info = store.import_pem(pem)
    independent = (OKPKey if name.startswith("ed") else ECKey).import_key(pem)
    assert info.kid == independent.thumbprint()
    assert info.alg == ("EdDSA" if name.startswith("ed") else "ES256")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_signed_token_verifies_with_joserfc_against_the_published_jwks(
    store: KeyStore, alg: str
) -> None:
    info = store.generate(alg)
    token = store.sign(PAYLOAD).token
    trusted = JoseKeySet.import_key_set(cast(Any, store.jwks()))
    result = jose_verify(token, trusted, alg)
    assert result.headers() == {"alg": alg, "typ": "vc+jwt", "cty": "vc", "kid": info.kid}
    assert json.loads(result.payload) == PAYLOAD


def test_jwks_lists_public_parts_only_with_use_and_alg(store: KeyStore) -> None:
    store.generate("EdDSA")
    store.rotate("ES256")
    keys = store.jwks()["keys"]
    assert {tuple(sorted(k)) for k in keys} == {
        ("alg", "crv", "kid", "kty", "use", "x"),
        ("alg", "crv", "kid", "kty", "use", "x", "y"),
    }
    assert all(k["use"] == "sig" for k in keys)
    assert keys[0]["kid"] == store.active().kid  # the active key comes first


def test_key_files_are_private_and_metadata_carries_the_public_key(tmp_path: Path) -> None:
    directory = tmp_path / "new" / "keys"
    store = KeyStore(directory)
    info = store.generate(development=True)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    pem = directory / f"{info.kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    meta = json.loads((directory / f"{info.kid}.json").read_text())
    assert meta["kid"] == info.kid
    assert meta["alg"] == "EdDSA"
    assert meta["state"] == "active"
    assert meta["development"] is True
    assert meta["created_at"].endswith("Z")
    assert "d" not in meta["public_jwk"]
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]  # no temp files left


def test_encrypted_key_is_really_encrypted_and_signs_with_the_passphrase(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    info = KeyStore(directory, passphrase=b"correct horse").generate()
    pem = (directory / f"{info.kid}.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE((directory / f"{info.kid}.pem").stat().st_mode) == 0o600
    with pytest.raises(TypeError):  # an independent loader needs the passphrase too
        OKPKey.import_key(pem)

    reopened = KeyStore(directory, passphrase=b"correct horse")
    token = reopened.sign(PAYLOAD).token
    trusted = JoseKeySet.import_key_set(cast(Any, reopened.jwks()))
    assert json.loads(jose_verify(token, trusted, "EdDSA").payload) == PAYLOAD

    without = KeyStore(directory)
    assert without.jwks()["keys"][0]["kid"] == info.kid  # publishing needs no passphrase
    with pytest.raises(KeyStoreError, match="cannot load"):
        without.sign(PAYLOAD)
    with pytest.raises(KeyStoreError, match="cannot load"):
        KeyStore(directory, passphrase=b"wrong").sign(PAYLOAD)


def test_rotation_retires_the_old_key_which_stays_published(store: KeyStore) -> None:
    first = store.generate("ES256")
    second = store.rotate()
    assert second.alg == "ES256"
    assert store.active() == second
    assert store.get(first.kid).state is KeyState.RETIRED
    assert [k["kid"] for k in store.jwks()["keys"]] == [second.kid, first.kid]
    assert set(store.trusted()) == {first.kid, second.kid}
    newest = jose_key(store.jwks()["keys"][0])
    signed = jose_verify(store.sign(PAYLOAD).token, newest, "ES256")
    assert signed.headers()["kid"] == second.kid


def test_generate_with_an_active_key_is_a_rotation(store: KeyStore) -> None:
    first = store.generate()
    second = store.generate()
    states = {k.kid: k.state for k in store.list()}
    assert states == {first.kid: KeyState.RETIRED, second.kid: KeyState.ACTIVE}


def test_compromised_key_disappears_from_jwks_and_trusted_set(store: KeyStore) -> None:
    first = store.generate()
    second = store.rotate()
    store.compromise(first.kid)
    assert [k["kid"] for k in store.jwks()["keys"]] == [second.kid]
    assert first.kid not in store.trusted()
    assert store.get(first.kid).state is KeyState.COMPROMISED


def test_compromising_the_active_key_stops_signing(store: KeyStore) -> None:
    info = store.generate()
    store.compromise(info.kid)
    assert not store.has_active()
    assert store.jwks() == {"keys": []}
    with pytest.raises(NoActiveKey):
        store.sign(PAYLOAD)
    with pytest.raises(NoActiveKey):
        store.active()


def test_retiring_the_active_key_leaves_none_active(store: KeyStore) -> None:
    info = store.generate()
    store.retire(info.kid)
    assert not store.has_active()
    assert info.kid in store.trusted()
    with pytest.raises(NoActiveKey):
        store.sign(PAYLOAD)


def test_a_compromised_key_cannot_be_retired_and_unknown_kids_are_refused(
    store: KeyStore,
) -> None:
    info = store.generate()
    store.compromise(info.kid)
    with pytest.raises(KeyStateError):
        store.retire(info.kid)
    with pytest.raises(UnknownKey):
        store.compromise("no-such-kid")
    with pytest.raises(KeyError):  # UnknownKey is also a KeyError
        store.get("no-such-kid")


def test_a_key_already_in_the_store_cannot_be_imported_again(store: KeyStore) -> None:
    pem = (KEYS / "ed25519.pem").read_bytes()
    info = store.import_pem(pem)
    store.compromise(info.kid)
    with pytest.raises(KeyStateError):
        store.import_pem(pem)  # which would bring a compromised key back


def test_unknown_and_damaged_files_are_ignored(store: KeyStore) -> None:
    info = store.generate()
    directory = store.directory
    (directory / "notes.txt").write_text("hello")
    (directory / "garbage.json").write_text("{not json")
    (directory / "list.json").write_text("[1, 2]")
    forged = json.loads((directory / f"{info.kid}.json").read_text())
    forged["public_jwk"]["x"] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"  # kid no longer fits
    (directory / "forged.json").write_text(json.dumps(forged))
    reopened = KeyStore(directory)
    assert [k.kid for k in reopened.list()] == [info.kid]


def test_an_interrupted_rotation_resolves_to_the_newest_active_key(store: KeyStore) -> None:
    first = store.generate()
    second = store.rotate()
    meta_path = store.directory / f"{first.kid}.json"
    meta = json.loads(meta_path.read_text())
    meta["state"] = "active"
    meta_path.write_text(json.dumps(meta))
    reopened = KeyStore(store.directory)
    assert reopened.active().kid == second.kid
    assert reopened.get(first.kid).state is KeyState.RETIRED


def test_refresh_sees_a_rotation_made_by_another_process(store: KeyStore) -> None:
    first = store.generate()
    past = time.time() - 60
    os.utime(store.directory, (past, past))
    server = KeyStore(store.directory)
    assert server.refresh() is False  # nothing changed since it loaded

    cli = KeyStore(store.directory)
    second = cli.rotate()
    assert server.refresh() is True
    assert server.active().kid == second.kid
    assert set(server.trusted()) == {first.kid, second.kid}
    assert server.sign(PAYLOAD).token.count(".") == 2


class TestResolve:
    """One lookup for a JWS kid and a Data Integrity verificationMethod, old and new."""

    DID = "did:web:registry.example"

    def test_a_did_url_of_the_trusted_did_or_a_bare_thumbprint_names_the_key(
        self, store: KeyStore
    ) -> None:
        info = store.generate()
        for keys in (store.trusted(), KeySet.from_jwks(store.jwks(self.DID))):
            assert keys.resolve(f"{self.DID}#{info.kid}", self.DID) is not None
            found = keys.resolve(info.kid, self.DID)  # credentials issued before the DID
            assert found is not None and found.thumbprint == info.kid
        # A JWKS saved before the DID (bare kids) resolves today's DID URLs too.
        saved = KeySet.from_jwks(json.loads(json.dumps(store.jwks())))
        assert saved.resolve(f"{self.DID}#{info.kid}", self.DID) is not None

    def test_nothing_else_names_a_key(self, store: KeyStore) -> None:
        info = store.generate()
        keys = store.trusted()
        for name in (
            f"did:web:evil.example#{info.kid}",  # another DID
            f"{self.DID}#",
            self.DID,
            f"{self.DID}#{info.kid}x",
            f"{self.DID}:{info.kid}",
            "",
            info.kid[:-1],
        ):
            assert keys.resolve(name, self.DID) is None, name
        assert keys.resolve(f"{self.DID}#{info.kid}", "did:web:other.example") is None

    def test_a_jwks_whose_did_url_kid_is_not_the_keys_thumbprint_is_skipped(
        self, store: KeyStore
    ) -> None:
        first, second = store.generate(), store.generate()
        jwks = store.jwks(self.DID)
        # The second key published under the first one's DID URL: it must not answer for it.
        jwks["keys"][0]["kid"] = f"{self.DID}#{first.kid}"
        keys = KeySet.from_jwks(jwks)
        found = keys.resolve(f"{self.DID}#{first.kid}", self.DID)
        assert found is not None and found.thumbprint == first.kid
        assert keys.resolve(f"{self.DID}#{second.kid}", self.DID) is None


class TestKeySetFromJwks:
    def test_accepts_a_jwks_or_a_single_jwk(self, store: KeyStore) -> None:
        store.generate("EdDSA")
        store.rotate("ES256")
        jwks = store.jwks()
        assert set(KeySet.from_jwks(jwks)) == {k["kid"] for k in jwks["keys"]}
        single = KeySet.from_jwks(jwks["keys"][1])
        assert list(single) == [jwks["keys"][1]["kid"]]
        assert single.jwks() == {"keys": [jwks["keys"][1]]}

    def test_a_jwk_without_kid_gets_its_thumbprint(self) -> None:
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        keys = KeySet.from_jwks(jwk)
        assert "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" in keys
        public = keys.get("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        assert public is not None
        assert public.alg == "EdDSA"
        assert len(keys) == 1

    def test_skips_unsupported_and_foreign_use_keys(self) -> None:
        ed = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        keys = KeySet.from_jwks(
            {
                "keys": [
                    {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
                    {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa"},
                    {"kty": "OKP", "crv": "X25519", "x": ed["x"], "kid": "x25519"},
                    {**ed, "kid": "enc", "use": "enc"},
                    {**ed, "kid": "hs", "alg": "HS256"},
                    {**ed, "kid": "bad", "x": "short"},
                    "not a key",
                    {**ed, "kid": "good"},
                ]
            }
        )
        assert list(keys) == ["good"]

    def test_refuses_private_keys(self) -> None:
        private = OKPKey.import_key((KEYS / "ed25519.pem").read_bytes()).as_dict(private=True)
        assert "d" in private
        with pytest.raises(ValueError, match="private"):
            KeySet.from_jwks({"keys": [private]})

    @pytest.mark.parametrize("bad", [[], "jwks", {"keys": "x"}])
    def test_refuses_what_is_not_a_jwks(self, bad: object) -> None:
        with pytest.raises(ValueError):
            KeySet.from_jwks(bad)

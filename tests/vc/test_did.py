"""The did:web identity: DIDs of public URLs, Multikey encodings, raw signatures."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.vc import did
from registry.vc.keystore import KeyStore


@pytest.mark.parametrize(
    ("url", "expected", "path"),
    [
        ("https://cit.utah.gov", "did:web:cit.utah.gov", "/.well-known/did.json"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000", "/.well-known/did.json"),
        ("https://state.gov/cit/", "did:web:state.gov:cit", "/cit/did.json"),
    ],
)
def test_did_web_of_a_public_url(url: str, expected: str, path: str) -> None:
    assert did.did_web(url) == expected
    assert did.did_document_path(url) == path


def test_base58btc_round_trip_keeps_leading_zeros() -> None:
    for data in (b"", b"\0\0abc", bytes(range(40))):
        assert did.base58btc_decode(did.base58btc(data)) == data


def test_multikey_of_the_w3c_example_ed25519_key() -> None:
    # The key pair of the W3C VC Data Integrity EdDSA Cryptosuites v1.0 test vectors: the public
    # key derived from the published secret key must encode to the published Multikey.
    secret = did.base58btc_decode("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    assert secret[:2] == b"\x80\x26"  # ed25519-priv
    public = Ed25519PrivateKey.from_private_bytes(secret[2:]).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    assert did.multikey(jwk) == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def test_sign_bytes_verifies_with_the_published_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    info = store.generate()
    signed = store.sign_bytes(b"hello")
    assert signed.kid == info.kid
    public = store.trusted()[signed.kid]
    assert isinstance(public.key, Ed25519PublicKey)
    assert public.verify("EdDSA", b"hello", signed.signature)
    assert not public.verify("EdDSA", b"hellO", signed.signature)


def test_es256_sign_bytes_is_raw_r_s(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.generate("ES256")
    signed = store.sign_bytes(b"data")
    assert len(signed.signature) == 64
    assert store.trusted()[signed.kid].verify("ES256", b"data", signed.signature)
    doc = did.did_document("did:web:x", [(signed.kid, store.trusted()[signed.kid].jwk)])
    assert doc["verificationMethod"][0]["publicKeyMultibase"].startswith("zDn")

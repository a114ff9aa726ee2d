"""The remote verifier's trust anchor, unit by unit: keys over https, or plain http from this
machine only; a JWKS with no usable key is refused; only http(s) URLs are fetched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.verification.remote import RemoteRefused, fetch_url, load_jwks, trust_anchor_url


@pytest.mark.parametrize(
    "url",
    ["https://registry.example", "http://localhost:8000", "http://127.0.0.1", "http://[::1]:8"],
)
def test_keys_come_over_https_or_from_this_machine(url: str) -> None:
    assert trust_anchor_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://registry.example", "http://127.0.0.1.evil.example", "ftp://x", "https://"]
)
def test_keys_anyone_on_the_path_could_swap_are_refused(url: str) -> None:
    with pytest.raises(RemoteRefused, match="use https"):
        trust_anchor_url(url)


def test_a_jwks_file_is_read_and_one_without_a_usable_key_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}))
    with pytest.raises(RemoteRefused, match="no usable public key"):
        load_jwks(str(empty))
    with pytest.raises(RemoteRefused, match="cannot load keys"):
        load_jwks(str(tmp_path / "missing.json"))


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(OSError, match="only http"):
        fetch_url("file:///etc/passwd", accept="application/json")

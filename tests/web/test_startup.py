"""Start-up rules: production refuses development keys or no key at all."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from registry.app import create_app
from registry.settings import Settings, load_settings
from registry.vc.keystore import KeyStore


def test_production_refuses_to_start_without_a_key(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="active signing key"):
        create_app(replace(settings, production=True, keys_dir=tmp_path / "empty"))


def test_production_refuses_a_development_key(settings: Settings, tmp_path: Path) -> None:
    KeyStore(tmp_path).generate("EdDSA", development=True)
    with pytest.raises(SystemExit, match="development key"):
        create_app(replace(settings, production=True, keys_dir=tmp_path))


def test_production_starts_with_a_real_key(settings: Settings, tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.generate("EdDSA", development=True)
    store.rotate()
    app = create_app(replace(settings, production=True, keys_dir=tmp_path))
    assert app.state.resources.issuer.keys.active().development is False


def test_links_follow_the_port_when_no_public_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """`scripts/serve` with only REGISTRY_PORT: QR codes and links point where it listens."""
    monkeypatch.delenv("REGISTRY_PUBLIC_URL", raising=False)
    monkeypatch.delenv("REGISTRY_HOST", raising=False)
    monkeypatch.setenv("REGISTRY_PORT", "8123")
    assert load_settings().public_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("REGISTRY_HOST", "0.0.0.0")  # noqa: S104 - what it is read as
    assert load_settings().public_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("REGISTRY_PUBLIC_URL", "https://cit.example.gov/")
    assert load_settings().public_url == "https://cit.example.gov"

"""Start-up rules: production refuses development keys or no key at all; with no public URL set,
links follow the port the server was given."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from registry.app import create_app
from registry.settings import Settings, load_settings
from registry.vc.keystore import KeyStore
from tests.live import REGISTRY, cli_env, free_port, wait_until_healthy


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


def test_serve_given_a_port_and_no_public_url_names_that_port(
    database_url: str, tmp_path: Path
) -> None:
    """`scripts/serve --port N` (`registry serve --port N`): the DID, and so every link and QR
    code, name port N, as REGISTRY_PORT alone does; it used to name 8000."""
    KeyStore(tmp_path / "keys").generate("EdDSA", development=True)
    port = free_port()
    env = cli_env(
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_KEYS_DIR=str(tmp_path / "keys"),
        REGISTRY_LOG_LEVEL="warning",
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(REGISTRY), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(server, url, lambda: log.read_text(errors="replace"), 30)
        did = httpx.get(f"{url}/.well-known/did.json").json()
        assert did["id"] == f"did:web:127.0.0.1%3A{port}"
    finally:
        server.terminate()
        server.wait(15)

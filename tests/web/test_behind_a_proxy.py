"""Behind a TLS proxy: X-Forwarded-For and X-Forwarded-Proto count only from the proxies named in
REGISTRY_TRUSTED_PROXIES. A real server (uvicorn's proxy middleware is what reads them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from registry.settings import load_settings
from registry.vc.keystore import KeyStore
from tests.console.conftest import make_password_user
from tests.live import (
    cli_env,
    free_port,
    start_server,
    stop_server,
    wait_until_healthy,
)

PUBLIC = "https://registry.example"


@contextmanager
def server(database_url: str, tmp_path: Path, **extra: str) -> Iterator[httpx.Client]:
    keys = tmp_path / "keys"
    if not keys.exists():
        KeyStore(keys).generate("EdDSA")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_KEYS_DIR": str(keys),
        "REGISTRY_PUBLIC_URL": PUBLIC,
        "REGISTRY_RATE_LIMIT": "3",
        "REGISTRY_SIGN_IN_RATE_LIMIT": "2",
        "REGISTRY_ACCESS_LOG": "0",
        "REGISTRY_LOG_LEVEL": "warning",
    }
    env = cli_env(**{**settings, **extra})
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = start_server(env, port, log)
    try:
        wait_until_healthy(process, url, lambda: log_path.read_text(errors="replace"), 30)
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        stop_server(process)


def jwks(client: httpx.Client, **headers: str) -> httpx.Response:
    return client.get("/.well-known/jwks.json", headers=headers)


def wrong_sign_in(client: httpx.Client, username: str, forwarded_for: str) -> int:
    page = client.get("/login", headers={"X-Forwarded-For": forwarded_for})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    # The cookie is Secure (the public URL is https): sent by hand over the test's plain HTTP.
    r = client.post(
        "/login",
        data={"username": username, "password": "wrong password!", "csrf_token": token.group(1)},
        headers={
            "X-Forwarded-For": forwarded_for,
            "Cookie": f"cit_login_csrf={token.group(1)}",
        },
        follow_redirects=False,
    )
    client.cookies.clear()
    return r.status_code


def admin_with_password(database_url: str) -> str:
    engine = sa.create_engine(database_url)
    try:
        return make_password_user(engine, "admin")
    finally:
        engine.dispose()


TRUSTED = {"REGISTRY_TRUSTED_PROXIES": "127.0.0.1"}


def test_forwarded_headers_from_an_untrusted_peer_change_nothing(
    scratch_database_url: str, tmp_path: Path
) -> None:
    with server(scratch_database_url, tmp_path) as client:
        # One bucket for the peer, whatever address each request claims.
        claimed = [{"X-Forwarded-For": f"203.0.113.{i}"} for i in range(4)]
        assert [jwks(client, **h).status_code for h in claimed] == [200, 200, 200, 429]
        # It did not come over https, whatever it says: no HSTS.
        r = client.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in r.headers


def test_a_trusted_proxy_names_the_client_for_the_public_limit_and_the_scheme_for_hsts(
    scratch_database_url: str, tmp_path: Path
) -> None:
    with server(scratch_database_url, tmp_path, **TRUSTED) as client:
        first = {"X-Forwarded-For": "203.0.113.7"}
        second = {"X-Forwarded-For": "198.51.100.9"}
        assert [jwks(client, **first).status_code for _ in range(4)] == [200, 200, 200, 429]
        # Another client behind the same proxy has a bucket of its own.
        assert jwks(client, **second).status_code == 200
        over_https = client.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert over_https.headers["strict-transport-security"].startswith("max-age=")
        plain = client.get("/health")
        assert "strict-transport-security" not in plain.headers


def test_the_sign_in_throttle_counts_the_real_client_only_behind_a_trusted_proxy(
    scratch_database_url: str, tmp_path: Path
) -> None:
    name = admin_with_password(scratch_database_url)
    # Two attempts a minute per address; the public limit is off so that only this one counts.
    with server(scratch_database_url, tmp_path, REGISTRY_RATE_LIMIT="0") as client:
        assert [wrong_sign_in(client, name, f"192.0.2.{i}") for i in range(3)] == [401, 401, 429]
    with server(scratch_database_url, tmp_path, REGISTRY_RATE_LIMIT="0", **TRUSTED) as client:
        assert [wrong_sign_in(client, name, "192.0.2.1") for _ in range(3)] == [401, 401, 429]
        assert wrong_sign_in(client, name, "192.0.2.2") == 401


def test_trusted_proxies_must_be_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", " 10.0.0.5, 10.1.0.0/16 ,::1")
    assert load_settings().trusted_proxies == "10.0.0.5,10.1.0.0/16,::1"
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "")
    assert load_settings().trusted_proxies == ""
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "proxy.internal")
    with pytest.raises(SystemExit, match=r"proxy\.internal"):
        load_settings()

"""The production recipe of deploy/, started locally: Caddy with the repository's Caddyfile (its
own CA, `tls internal`, on local ports) in front of `registry serve` with two workers in
production mode, on a PostgreSQL server and a Redis of the test's own, the signing key encrypted
with a passphrase. From outside: did:web resolves over https by the DIF's resolver libraries (in
Node), HSTS and Secure cookies are there, /metrics answers no one without a token, and a
certification issued through the proxy verifies."""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from registry.accounts.sessions import COOKIE
from registry.vc.keystore import KeyStore
from tests.conftest import unique
from tests.live import (
    cli_env,
    create_admin,
    eligible_class,
    free_port,
    ok,
    run_registry,
    start_server,
    stop_server,
    verdict,
    wait_until_healthy,
)
from tests.resilience.postgres import ONCE, own_postgres

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


def needed(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"the production recipe's test needs {program} (scripts/test installs caddy)")
    return found


@contextmanager
def process(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("wb") as out:
        running = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield
    finally:
        stop_server(running)


@contextmanager
def caddy(tmp: Path, https_port: int, upstream: str) -> Iterator[Path]:
    """deploy/Caddyfile on local ports with Caddy's own CA; the CA's root certificate."""
    tmp.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "CIT_CADDY_ADMIN": "off",
        # Caddy's CA stays in its folder: never installed into this machine's trust store.
        "CIT_CADDY_GLOBAL": "skip_install_trust",
        "CIT_HTTP_PORT": str(free_port()),
        "CIT_HTTPS_PORT": str(https_port),
        "CIT_SITE": "localhost",
        "CIT_TLS": "internal",
        "CIT_UPSTREAM": upstream,
    }
    args = [needed("caddy"), "run", "--config", str(ROOT / "deploy" / "Caddyfile")]
    log = tmp / "caddy.log"
    with process([*args, "--adapter", "caddyfile"], log, env):
        root = tmp / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        deadline = time.monotonic() + 60
        while True:
            try:
                if root.exists():
                    url = f"https://localhost:{https_port}/health"
                    if httpx.get(url, verify=trusting(root), timeout=2).status_code == 200:
                        break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield root


def trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def resolve_did(did: str, ca: Path) -> dict[str, object]:
    """The DIF's did-resolver with web-did-resolver, in Node, trusting the proxy's CA."""
    if not (ROOT / "tests" / "node" / "node_modules" / "web-did-resolver").is_dir():
        pytest.fail("the Node packages are missing: npm ci --prefix tests/node")
    done = subprocess.run(
        [needed("node"), str(ROOT / "tests" / "node" / "resolve-did.mjs"), did],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "NODE_EXTRA_CA_CERTS": str(ca)},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@ONCE
def test_the_recipe_serves_did_web_over_https_with_hsts_secure_cookies_and_a_closed_metrics(
    tmp_path: Path,
) -> None:
    https_port, app_port, redis_port = free_port(), free_port(), free_port()
    origin = f"https://localhost:{https_port}"
    keys = tmp_path / "keys"
    KeyStore(keys, PASSPHRASE.encode()).generate("EdDSA")
    with (
        own_postgres() as pg,
        process(
            [needed("redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            tmp_path / "redis.log",
        ),
    ):  # fmt: skip
        env = cli_env(
            REGISTRY_ENV="production",
            REGISTRY_DATABASE_URL=pg.url,
            REGISTRY_PUBLIC_URL=origin,
            REGISTRY_KEYS_DIR=str(keys),
            REGISTRY_KEYS_PASSPHRASE=PASSPHRASE,
            REGISTRY_WORKERS="2",
            REGISTRY_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            REGISTRY_TRUSTED_PROXIES="127.0.0.1",
            REGISTRY_METRICS_DIR=str(tmp_path / "metrics"),
            REGISTRY_ACCESS_LOG="0",
            REGISTRY_LOG_LEVEL="warning",
        )
        token = create_admin(env, "recipeadmin")
        monitor = run_registry("user", "create", unique("prom"), "--role", "monitor", env=env)
        assert monitor.returncode == 0, monitor.stderr
        monitor_token = monitor.stdout.strip().splitlines()[-1]
        password = "a long console password"
        console_user = unique("alice")
        made = run_registry(
            "user", "create", console_user, "--role", "admin", "--password-stdin",
            env=env, stdin=password + "\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        log = tmp_path / "server.log"
        with log.open("wb") as out:
            server = start_server(env, app_port, out)
        try:
            wait_until_healthy(
                server, f"http://127.0.0.1:{app_port}", lambda: log.read_text(errors="replace"), 60
            )
            with caddy(tmp_path / "caddy", https_port, f"127.0.0.1:{app_port}") as ca:
                check_the_recipe(origin, ca, token, monitor_token)
                check_secure_cookies(origin, ca, console_user, password)
        finally:
            stop_server(server)


def check_the_recipe(origin: str, ca: Path, token: str, monitor_token: str) -> None:
    did = "did:web:" + origin.removeprefix("https://").replace(":", "%3A")
    resolved = resolve_did(did, ca)
    document = resolved["didDocument"]
    assert isinstance(document, dict), resolved
    assert document["id"] == did
    assert document["verificationMethod"], document

    with httpx.Client(base_url=origin, verify=trusting(ca), timeout=60) as public:
        r = public.get("/.well-known/did.json")
        assert r.status_code == 200
        assert "max-age=" in r.headers["strict-transport-security"]
        # No token, a wrong one: /metrics answers nothing but the refusal.
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            refused = public.get("/metrics", headers=headers)
            assert refused.status_code == 401, refused.text
            assert "registry_http_requests_total" not in refused.text
        scraped = public.get("/metrics", headers={"Authorization": f"Bearer {monitor_token}"})
        assert scraped.status_code == 200
        assert "registry_http_requests_total" in scraped.text

    with httpx.Client(
        base_url=origin,
        verify=trusting(ca),
        timeout=120,
        headers={"Authorization": f"Bearer {token}"},
    ) as api:
        class_id, _ = eligible_class(api, 2)
        issued = ok(api.post(f"/api/v1/classes/{class_id}/certify", json={}))["issued"]
        assert verdict(api, issued[0]["token"]) == "valid"


def check_secure_cookies(origin: str, ca: Path, username: str, password: str) -> None:
    with httpx.Client(base_url=origin, verify=trusting(ca), timeout=60) as browser:
        form = browser.get("/login")
        assert form.status_code == 200
        assert "; secure" in form.headers["set-cookie"].lower()  # the sign-in form's CSRF cookie
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        signed_in = browser.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf.group(1)},
            headers={"Origin": origin},
        )
        assert signed_in.status_code == 303, signed_in.text
        cookies = signed_in.headers.get_list("set-cookie")
        (session,) = [c for c in cookies if c.startswith(f"{COOKIE}=")]
        assert "; secure" in session.lower(), session
        assert "; httponly" in session.lower(), session

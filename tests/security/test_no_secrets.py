"""A whole flow against a real server with access and debug logging on: no secret may reach the
server's log, and no answer may carry private key material or password hashes."""

from __future__ import annotations

import base64
import re
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from registry.accounts import sessions
from tests import live
from tests.conftest import unique

PASSWORD = "no-secrets passphrase 7781"
JSON_LEAKS = ('"d":', "PRIVATE KEY", "$argon2")


def _create_user(server: live.LiveServer, role: str, region: str | None = None) -> tuple[str, str]:
    """A user with a console password, made with the CLI: its name and the token printed once."""
    name = unique(f"ns{role}")
    args = [str(live.REGISTRY), "user", "create", name, "--role", role]
    if region:
        args += ["--region", region]
    done = subprocess.run(
        [*args, "--password-stdin"],
        env=server.env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return name, done.stdout.strip().splitlines()[-1]


def _sign_in(client: httpx.Client, username: str) -> str:
    form = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match, form.text
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": match.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    cookie = r.cookies.get(sessions.COOKIE)
    assert cookie
    return cookie


def _private_key_material(keys_dir: Path) -> list[str]:
    """Each private key's PEM text, its base64 body and the raw key bytes in base64url."""
    found: list[str] = []
    for pem in keys_dir.glob("*.pem"):
        text = pem.read_text()
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        found += [text.strip(), body]
        der = base64.b64decode(body)
        # An Ed25519 PKCS#8 key ends with the 32-byte seed: the JWK "d" value.
        found.append(base64.urlsafe_b64encode(der[-32:]).rstrip(b"=").decode())
    assert found, "the server's keys directory holds no private key"
    return found


def test_no_secret_reaches_the_log_or_an_answer(
    scratch_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `serve()` sets quiet logging itself; this test needs the loudest the server can be.
    original = live.cli_env

    def loud(**settings: str) -> dict[str, str]:
        return original(**{**settings, "REGISTRY_ACCESS_LOG": "1", "REGISTRY_LOG_LEVEL": "debug"})

    monkeypatch.setattr(live, "cli_env", loud)
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    log_path = tmp_path / "server.log"
    answers: list[tuple[str, str]] = []
    secrets: dict[str, str] = {}

    def keep(r: httpx.Response) -> httpx.Response:
        if "json" in r.headers.get("content-type", ""):
            answers.append((f"{r.request.method} {r.request.url.path}", r.text))
        return r

    with live.serve(scratch_database_url, keys_dir, log_path) as server:
        assert "debug" in server.env["REGISTRY_LOG_LEVEL"]
        secrets["admin token"] = server.admin_token
        issued = server.issue()
        credential_id = issued["credential_id"]
        wallet_path = httpx.URL(issued["wallet_url"]).path
        secrets["wallet key"] = wallet_path.rstrip("/").rsplit("/", 1)[-1]

        code = unique("N")
        with server.api() as api:
            keep(api.post("/api/v1/regions", json={"code": code, "name": code}))
            keep(
                api.post(
                    "/api/v1/agencies",
                    json={"name": "PD", "ori": "UT" + uuid.uuid4().hex[:7].upper(), "region": code},
                )
            )
        _, secrets["coordinator token"] = _create_user(server, "coordinator", code)
        username, secrets["console admin token"] = _create_user(server, "admin")
        secrets["password"] = PASSWORD

        with httpx.Client(base_url=server.url, timeout=30) as web:
            secrets["session cookie"] = cookie = _sign_in(web, username)
            web.cookies.set(sessions.COOKIE, cookie)
            page = web.get(f"/console/credentials/{credential_id}")
            assert page.status_code == 200, page.text
            match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert match
            secrets["csrf token"] = match.group(1)
            revoked = web.post(
                f"/console/credentials/{credential_id}/revoke",
                data={"reason": "no-secrets test", "csrf_token": match.group(1), "confirm": "yes"},
                follow_redirects=False,
            )
            assert revoked.status_code == 303, revoked.text
            web.cookies.clear()
            for path in (wallet_path, f"{wallet_path}/manifest.webmanifest"):
                assert web.get(path).status_code == 200
            assert web.get(f"{wallet_path}/show/{credential_id}").status_code == 200
            for path in (
                f"/c/{credential_id}",
                "/.well-known/jwks.json",
                "/status/revocation/1",
                "/health",
                "/schema/openapi.json",
            ):
                keep(web.get(path, headers={"Accept": "application/json"}))
            keep(web.post("/api/v1/verify", json={"token": issued["token"]}))
            # The lookup is a POST: what a hiring department typed never reaches the log.
            holder = web.get(f"/c/{credential_id}", headers={"Accept": "application/json"})
            typed = holder.json()["credential"]["holder"]
            looked = web.post(
                "/lookup",
                data={"post_id": typed["post_id"], "last_name": typed["name"].split()[-1]},
            )
            assert looked.status_code == 200 and credential_id in looked.text
        with server.api() as api:
            keep(api.get(f"/api/v1/credentials/{credential_id}"))
            keep(api.get("/api/v1/officers"))
            keep(api.get("/api/v1/regions"))
            keep(api.post(f"/api/v1/credentials/{credential_id}/suspend", json={"reason": "x"}))
        for bad in ("Bearer " + "x" * 40, "Bearer " + secrets["coordinator token"][:-2] + "zz"):
            keep(httpx.get(f"{server.url}/api/v1/officers", headers={"Authorization": bad}))

    log = log_path.read_text()
    assert "/wallet/[redacted]" in log, "the access log is off, or wallet paths went unrecorded"
    assert "POST /lookup" in log
    assert typed["post_id"] not in log and typed["name"].split()[-1] not in log
    for name, value in secrets.items():
        assert value and value not in log, f"the server log shows the {name}"
    for material in _private_key_material(keys_dir):
        assert material not in log, "the server log shows private key material"
        for where, body in answers:
            assert material not in body, f"{where} answers with private key material"
    for where, body in answers:
        for leak in JSON_LEAKS:
            assert leak not in body, f"{where} answers with {leak!r}"
    print(f"no-secrets: {len(secrets)} secrets, {len(answers)} JSON answers, {len(log)} log bytes")

"""`registry verify`: exit 0 for valid, 1 for any other verdict, 2 for usage or I/O errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.vc.did import did_web
from tests.conftest import Api, Region
from tests.live import LiveServer, cli_env, run_registry
from tests.verification.test_verify_api import issue


def verify(*args: str, env: dict[str, str]) -> tuple[int, dict[str, Any] | None, str]:
    result = run_registry("verify", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    try:
        verdict = json.loads(result.stdout)
    except ValueError:
        verdict = None
    return result.returncode, verdict, result.stderr


@pytest.fixture
def jwks_file(anonymous: Api, tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(anonymous.get("/.well-known/jwks.json").json()))
    return path


def test_a_valid_credential_exits_0_with_the_verdict_json(
    region: Region, course: dict[str, Any], local_env: dict[str, str]
) -> None:
    item = issue(region, course)
    code, verdict, _ = verify(item["token"], env=local_env)
    assert code == 0
    assert verdict is not None and verdict["verdict"] == "valid", verdict
    assert verdict["credential"]["credential_id"] == item["credential_id"]
    assert next(c for c in verdict["checks"] if c["name"] == "status")["ok"] is True


def test_revoked_and_tampered_credentials_exit_1(
    region: Region, course: dict[str, Any], local_env: dict[str, str]
) -> None:
    item = issue(region, course)
    r = region.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "test"}
    )
    assert r.status_code == 200
    code, verdict, _ = verify(item["token"], env=local_env)
    assert (code, verdict and verdict["verdict"]) == (1, "revoked")

    head, body, sig = issue(region, course)["token"].split(".")
    code, verdict, _ = verify(f"{head}.{body}.{sig[::-1]}", env=local_env)
    assert (code, verdict and verdict["verdict"]) == (1, "invalid")
    code, verdict, _ = verify("garbage", env=local_env)
    assert (code, verdict and verdict["verdict"]) == (1, "invalid")


def test_offline_with_a_jwks_file_and_no_status(
    region: Region, course: dict[str, Any], jwks_file: Path, tmp_path: Path
) -> None:
    item = issue(region, course)
    # No database, no keys dir, no network: only the JWKS file.
    env = cli_env(
        REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'none.db'}",
        REGISTRY_KEYS_DIR=str(tmp_path / "no-keys"),
    )
    code, verdict, _ = verify(item["token"], "--jwks", str(jwks_file), "--no-status", env=env)
    assert code == 0, verdict
    assert verdict is not None and verdict["verdict"] == "valid"
    assert not (tmp_path / "absent").exists()

    token_file = tmp_path / "credential.jwt"
    token_file.write_text(item["token"] + "\n")
    code, verdict, _ = verify(f"@{token_file}", "--jwks", str(jwks_file), "--no-status", env=env)
    assert (code, verdict and verdict["verdict"]) == (0, "valid")

    # A single JWK (not a set) is accepted too; a key set without the signer is not trusted.
    single = tmp_path / "one.json"
    single.write_text(json.dumps(json.loads(jwks_file.read_text())["keys"][0]))
    assert verify(item["token"], "--jwks", str(single), "--no-status", env=env)[0] == 0
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps(
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        )
    )
    code, verdict, _ = verify(item["token"], "--jwks", str(other), "--no-status", env=env)
    assert (code, verdict and verdict["verdict"]) == (1, "invalid")


@pytest.mark.parametrize(
    "make_args",
    [
        lambda tmp: ["@" + str(tmp / "missing.jwt")],
        lambda tmp: ["x.y.z", "--jwks", str(tmp / "missing.json")],
        lambda tmp: ["x.y.z", "--jwks", str(tmp / "bad.json")],
        lambda tmp: ["x.y.z", "--jwks", str(tmp / "empty.json")],
        lambda tmp: ["x.y.z", "--jwks", str(tmp / "private.json")],
        lambda tmp: ["x.y.z", "--no-such-option"],
        lambda tmp: [],
    ],
    ids=["missing-file", "missing-jwks", "bad-jwks", "empty-jwks", "private-jwk", "option", "none"],
)
def test_usage_and_io_errors_exit_2(tmp_path: Path, make_args: Any) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "empty.json").write_text('{"keys": []}')
    (tmp_path / "private.json").write_text(
        json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"})
    )
    env = cli_env(REGISTRY_KEYS_DIR=str(tmp_path / "keys"))
    result = run_registry("verify", *make_args(tmp_path), env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_against_a_real_server_by_its_issuer_url(live_server: LiveServer) -> None:
    item = live_server.issue()
    assert item["verify_url"].startswith(f"{live_server.url}/c/")
    code, verdict, stderr = verify(item["token"], "--issuer", live_server.url, env=cli_env())
    assert code == 0, (verdict, stderr)
    assert verdict is not None and verdict["verdict"] == "valid"
    assert verdict["credential"]["issuer"]["id"] == did_web(live_server.url)

    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{item['credential_id']}/revoke", json={"reason": "x"})
        assert r.status_code == 200, r.text
    code, verdict, _ = verify(item["token"], "--issuer", live_server.url, env=cli_env())
    assert (code, verdict and verdict["verdict"]) == (1, "revoked")

    # A credential of another issuer (this test registry's) does not pass as the live one's.
    code, verdict, _ = verify(
        item["token"],
        "--issuer",
        "https://registry.test",
        "--jwks",
        f"{live_server.url}/.well-known/jwks.json",
        "--no-status",
        env=cli_env(),
    )
    assert (code, verdict and verdict["verdict"]) == (1, "invalid")


def test_suspension_is_read_from_a_real_server(live_server: LiveServer) -> None:
    item = live_server.issue()
    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{item['credential_id']}/suspend", json={"reason": "x"})
        assert r.status_code == 200, r.text
    code, verdict, _ = verify(item["token"], "--issuer", live_server.url, env=cli_env())
    assert (code, verdict and verdict["verdict"]) == (1, "suspended")
    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{item['credential_id']}/reinstate", json={"reason": "x"})
        assert r.status_code == 200, r.text
    code, verdict, _ = verify(item["token"], "--issuer", live_server.url, env=cli_env())
    assert (code, verdict and verdict["verdict"]) == (0, "valid")


def test_an_unreachable_issuer_exits_2(region: Region, course: dict[str, Any]) -> None:
    from tests.live import free_port

    item = issue(region, course)
    url = f"http://127.0.0.1:{free_port()}"
    code, _, stderr = verify(item["token"], "--issuer", url, env=cli_env())
    assert code == 2
    assert stderr.strip()

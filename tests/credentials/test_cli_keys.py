"""`registry keys ...`: generating, listing, rotating, retiring and withdrawing signing keys."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from registry.vc.keystore import KeyStore, KeyStoreError

REGISTRY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "registry"


def run_cli(keys_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only the settings given here: nothing inherited from the shell running the tests.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    environment.update(REGISTRY_KEYS_DIR=str(keys_dir), REGISTRY_PUBLIC_URL="https://registry.test")
    environment.update(env)
    return subprocess.run(
        [str(REGISTRY), *args], env=environment, capture_output=True, text=True, timeout=60
    )


def listed(keys_dir: Path, **env: str) -> dict[str, dict[str, str]]:
    """`keys list` parsed: kid -> {alg, state}."""
    result = run_cli(keys_dir, "keys", "list", **env)
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        kid, alg, state, *_ = line.split()
        rows[kid] = {"alg": alg, "state": state}
    return rows


def kid_of(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[0]


def test_generate_rotate_retire_and_compromise(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = kid_of(run_cli(keys, "keys", "generate"))
    assert listed(keys) == {first: {"alg": "EdDSA", "state": "active"}}

    second = kid_of(run_cli(keys, "keys", "rotate"))
    assert second != first
    assert listed(keys) == {
        first: {"alg": "EdDSA", "state": "retired"},
        second: {"alg": "EdDSA", "state": "active"},
    }

    third = kid_of(run_cli(keys, "keys", "rotate", "--alg", "ES256"))
    assert listed(keys)[third] == {"alg": "ES256", "state": "active"}
    assert listed(keys)[second]["state"] == "retired"

    compromised = run_cli(keys, "keys", "compromise", first)
    assert compromised.returncode == 0, compromised.stderr
    assert listed(keys)[first]["state"] == "compromised"
    store = KeyStore(keys)
    assert [k["kid"] for k in store.jwks()["keys"]] == [third, second]

    retired = run_cli(keys, "keys", "retire", third)
    assert retired.returncode == 0, retired.stderr
    assert {row["state"] for row in listed(keys).values()} == {"retired", "compromised"}
    # A compromised key stays compromised: it cannot be brought back by retiring it.
    assert run_cli(keys, "keys", "retire", first).returncode == 2
    assert listed(keys)[first]["state"] == "compromised"


def test_a_key_is_named_by_its_thumbprint_or_by_its_did_url(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = kid_of(run_cli(keys, "keys", "generate"))
    second = kid_of(run_cli(keys, "keys", "rotate"))
    did = "did:web:cit.example.gov"  # of REGISTRY_PUBLIC_URL below
    public = {"REGISTRY_PUBLIC_URL": "https://cit.example.gov"}
    done = run_cli(keys, "keys", "compromise", f"{did}#{first}", **public)
    assert done.returncode == 0, done.stderr
    assert listed(keys)[first]["state"] == "compromised"
    # Another DID's URL names no key of ours, even with our thumbprint after the "#".
    refused = run_cli(keys, "keys", "retire", f"did:web:evil.example#{second}", **public)
    assert refused.returncode == 2
    assert "not a key of this registry's DID did:web:cit.example.gov" in refused.stderr
    assert listed(keys)[second]["state"] == "active"
    assert run_cli(keys, "keys", "retire", f"{did}#{second}", **public).returncode == 0
    assert listed(keys)[second]["state"] == "retired"


def test_a_kid_that_begins_with_a_dash_is_a_kid_not_an_option(tmp_path: Path) -> None:
    # A kid is base64url: one in 64 begins with "-". CI once drew one, and argparse refused it.
    keys = tmp_path / "keys"
    store = KeyStore(keys)
    dashed = []
    for _ in range(2000):
        kid = store.generate().kid
        if kid.startswith("-"):
            dashed.append(kid)
            if len(dashed) == 2:
                break
    assert len(dashed) == 2, "2,000 keys without two dashed kids: astronomically unlikely"

    retired = run_cli(keys, "keys", "retire", dashed[0])
    assert retired.returncode == 0, retired.stderr
    compromised = run_cli(keys, "keys", "compromise", dashed[1])
    assert compromised.returncode == 0, compromised.stderr
    states = listed(keys)
    assert (states[dashed[0]]["state"], states[dashed[1]]["state"]) == ("retired", "compromised")
    assert run_cli(keys, "keys", "retire", "--help").returncode == 0


def test_es256_keys_are_p256_and_published_as_such(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    kid = kid_of(run_cli(keys, "keys", "generate", "--alg", "ES256"))
    (jwk,) = KeyStore(keys).jwks()["keys"]
    assert jwk["kid"] == kid
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in jwk
    assert "BEGIN PRIVATE KEY" in (keys / f"{kid}.pem").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "retire", "not-a-kid"),
        ("keys", "compromise", "not-a-kid"),
        ("keys", "generate", "--alg", "RS256"),
        ("keys", "frobnicate"),
    ],
)
def test_bad_key_commands_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    keys = tmp_path / "keys"
    kid_of(run_cli(keys, "keys", "generate"))
    result = run_cli(keys, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr
    assert list(listed(keys).values()) == [{"alg": "EdDSA", "state": "active"}]


def test_private_keys_are_0600_and_never_printed(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    result = run_cli(keys, "keys", "generate")
    kid = kid_of(result)
    pem = keys / f"{kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) & 0o077 == 0
    text = pem.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----")
    body = "".join(text.strip().splitlines()[1:-1])
    assert body not in result.stdout + result.stderr
    meta: dict[str, Any] = json.loads((keys / f"{kid}.json").read_text())
    assert "d" not in meta["public_jwk"]
    assert "PRIVATE" not in run_cli(keys, "keys", "list").stdout


def test_a_passphrase_encrypts_the_private_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    passphrase = "correct horse battery staple"
    kid = kid_of(run_cli(keys, "keys", "generate", REGISTRY_KEYS_PASSPHRASE=passphrase))
    pem = keys / f"{kid}.pem"
    assert pem.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    # Listing needs no passphrase (the metadata holds the public key) ...
    assert listed(keys) == {kid: {"alg": "EdDSA", "state": "active"}}
    # ... signing does: with it the key signs, without it the store refuses.
    token = KeyStore(keys, passphrase.encode()).sign({"hello": "world"}).token
    assert token.count(".") == 2
    with pytest.raises(KeyStoreError) as failure:
        KeyStore(keys).sign({"hello": "world"})
    assert passphrase not in str(failure.value)
    with pytest.raises(KeyStoreError):
        KeyStore(keys, b"wrong").sign({"hello": "world"})

"""Key changes made with the CLI, seen by a running app: rotation keeps old credentials valid,
withdrawing a compromised key invalidates what it signed. Each test has its own keys dir."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet as JoseKeySet
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from registry.app import create_app
from registry.settings import Settings
from registry.vc import jws as registry_jws
from registry.vc.dataintegrity import proof_of
from registry.vc.jws import payload_of
from registry.vc.keys import ActiveKey
from registry.vc.keystore import KeyStore
from registry.verification import core
from registry.verification.live import LiveStatus
from tests.conftest import DID, PUBLIC_URL, Api, Region, graduate
from tests.credentials.test_cli_keys import kid_of, listed, run_cli


@pytest.fixture
def own_keys(tmp_path: Path) -> Path:
    path = tmp_path / "keys"
    kid_of(run_cli(path, "keys", "generate"))
    return path


@pytest.fixture
def own_client(settings: Settings, own_keys: Path) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(replace(settings, keys_dir=own_keys)), base_url=PUBLIC_URL) as c:
        yield c


def certify_one(region: Region, course: dict[str, Any], client: TestClient[Litestar]) -> Any:
    """Graduates an officer (through the shared app) and certifies through `client`'s app."""
    klass = region.klass()
    graduate(region, course, klass["id"], region.officer()["id"])
    return Api(client, region.coordinator.token).post(f"/api/v1/classes/{klass['id']}/certify", {})


def issue(region: Region, course: dict[str, Any], client: TestClient[Litestar]) -> str:
    r = certify_one(region, course, client)
    assert r.status_code == 200, r.text
    token: str = r.json()["issued"][0]["token"]
    return token


def kid_in(token: str) -> str:
    """The thumbprint of the key that signed `token`, whose kid is that key's DID URL."""
    part = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["kid"]
    assert kid.startswith(f"{DID}#"), kid
    return kid.removeprefix(f"{DID}#")


def verdict(client: TestClient[Litestar], token: str) -> dict[str, Any]:
    r = client.post("/api/v1/verify", json={"token": token})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def served_kids(client: TestClient[Litestar]) -> list[str]:
    """The thumbprints of the keys the JWKS serves, checked to be exactly those the DID document
    lists, in the same order (the active key first), each under its DID URL."""
    jwks = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    document = client.get("/.well-known/did.json").json()
    methods = [m["id"] for m in document["verificationMethod"]]
    assert jwks == methods == document["assertionMethod"]
    assert all(kid.startswith(f"{DID}#") for kid in jwks), jwks
    return [kid.removeprefix(f"{DID}#") for kid in jwks]


def test_rotation_keeps_earlier_credentials_valid_without_a_restart(
    region: Region, course: dict[str, Any], own_keys: Path, own_client: TestClient[Litestar]
) -> None:
    (old,) = listed(own_keys)
    before = issue(region, course, own_client)
    assert kid_in(before) == old
    assert served_kids(own_client) == [old]

    new = kid_of(run_cli(own_keys, "keys", "rotate"))
    assert listed(own_keys)[old]["state"] == "retired"
    # The running app reads the keys dir again: the new key is served first, the old one stays.
    assert served_kids(own_client) == [new, old]
    after = issue(region, course, own_client)
    assert kid_in(after) == new
    assert verdict(own_client, before)["verdict"] == "valid"
    assert verdict(own_client, after)["verdict"] == "valid"
    # Status lists are signed by the active key and still check out for old credentials.
    status = own_client.get(f"{PUBLIC_URL}/status/revocation/1")
    assert status.status_code == 200
    assert kid_in(status.text) == new


def test_a_compromised_key_is_withdrawn_and_what_it_signed_is_invalid(
    region: Region, course: dict[str, Any], own_keys: Path, own_client: TestClient[Litestar]
) -> None:
    (old,) = listed(own_keys)
    signed_by_old = issue(region, course, own_client)
    new = kid_of(run_cli(own_keys, "keys", "rotate"))
    signed_by_new = issue(region, course, own_client)
    # The public page has checked the old credential's signature once and keeps the result...
    page = f"/c/{payload_of(signed_by_old)['id'].rpartition('/')[2]}"
    as_json = {"Accept": "application/json"}
    assert own_client.get(page, headers=as_json).json()["verdict"] == "valid"

    result = run_cli(own_keys, "keys", "compromise", old)
    assert result.returncode == 0, result.stderr
    assert served_kids(own_client) == [new]
    answer = verdict(own_client, signed_by_old)
    assert answer["verdict"] == "invalid"
    assert "credential" not in answer
    assert any(c["name"] == "header" and not c["ok"] for c in answer["checks"])
    assert verdict(own_client, signed_by_new)["verdict"] == "valid"
    # ...only for the key set it was checked against.
    shown = own_client.get(page, headers=as_json).json()
    assert shown["verdict"] == "invalid" and "credential" not in shown, shown


def test_a_token_verified_before_its_key_was_compromised_is_invalid_after(
    region: Region, course: dict[str, Any], own_keys: Path, own_client: TestClient[Litestar]
) -> None:
    """The verify API checks the signature of a token on record once per key set: what a key
    withdrawn since signed is invalid at the next request, however often it verified before."""
    (old,) = listed(own_keys)
    signed_by_old = issue(region, course, own_client)
    run_cli(own_keys, "keys", "rotate")
    for _ in range(2):  # the second, and every later one, without the Ed25519 check
        assert verdict(own_client, signed_by_old)["verdict"] == "valid"

    assert run_cli(own_keys, "keys", "compromise", old).returncode == 0
    answer = verdict(own_client, signed_by_old)
    assert answer["verdict"] == "invalid" and "credential" not in answer, answer
    assert any(c["name"] == "header" and not c["ok"] for c in answer["checks"])


def test_compromising_the_active_key_stops_issuance(
    region: Region, course: dict[str, Any], own_keys: Path, own_client: TestClient[Litestar]
) -> None:
    (old,) = listed(own_keys)
    token = issue(region, course, own_client)
    assert run_cli(own_keys, "keys", "compromise", old).returncode == 0
    assert served_kids(own_client) == []
    assert verdict(own_client, token)["verdict"] == "invalid"
    r = certify_one(region, course, own_client)
    assert r.status_code == 503, r.text
    assert r.json()["rule"] == "signing_key"


def test_retiring_the_active_key_stops_issuance_but_it_still_verifies(
    region: Region,
    course: dict[str, Any],
    settings: Settings,
    own_keys: Path,
    own_client: TestClient[Litestar],
) -> None:
    (old,) = listed(own_keys)
    token = issue(region, course, own_client)
    assert verdict(own_client, token)["verdict"] == "valid"
    assert run_cli(own_keys, "keys", "retire", old).returncode == 0
    assert served_kids(own_client) == [old]
    # The status list signed while the key was active stays good until something changes.
    answer = verdict(own_client, token)
    assert answer["verdict"] == "valid", answer
    r = certify_one(region, course, own_client)
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")

    # A process that never signed a list cannot sign one now: 503, never 500, and the
    # registry does not claim a status it cannot confirm.
    with TestClient(create_app(replace(settings, keys_dir=own_keys)), base_url=PUBLIC_URL) as c:
        status = c.get("/status/revocation/1")
        assert status.status_code == 503, status.text
        assert status.json()["rule"] == "signing_key"
        assert verdict(c, token)["verdict"] != "valid"

    new = kid_of(run_cli(own_keys, "keys", "generate"))
    assert kid_in(issue(region, course, own_client)) == new
    assert verdict(own_client, token)["verdict"] == "valid"


def test_an_es256_key_signs_credentials_other_libraries_verify(
    region: Region, course: dict[str, Any], own_keys: Path, own_client: TestClient[Litestar]
) -> None:
    (old,) = listed(own_keys)
    eddsa_token = issue(region, course, own_client)
    new = kid_of(run_cli(own_keys, "keys", "rotate", "--alg", "ES256"))
    token = issue(region, course, own_client)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": f"{DID}#{new}"}
    jwks = own_client.get("/.well-known/jwks.json").json()
    verified = jws.deserialize_compact(token, JoseKeySet.import_key_set(jwks), algorithms=["ES256"])
    assert verified.headers()["kid"] == f"{DID}#{new}"
    assert verdict(own_client, token)["verdict"] == "valid"
    assert verdict(own_client, eddsa_token)["verdict"] == "valid"
    # The algorithm is pinned to the key: an EdDSA token cannot pass under the ES256 key.
    with warnings.catch_warnings():
        # joserfc 1.8 warns about "EdDSA" being not recommended; the profile requires it.
        warnings.simplefilter("ignore", SecurityWarning)
        jws.deserialize_compact(eddsa_token, JoseKeySet.import_key_set(jwks), algorithms=["EdDSA"])
    assert f"{DID}#{old}" in [k["kid"] for k in jwks["keys"]]


def test_an_encrypted_key_signs_when_the_app_has_the_passphrase(
    region: Region, course: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    keys = tmp_path / "locked"
    passphrase = "open sesame"
    kid = kid_of(run_cli(keys, "keys", "generate", REGISTRY_KEYS_PASSPHRASE=passphrase))
    assert (keys / f"{kid}.pem").read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    unlocked = replace(settings, keys_dir=keys, keys_passphrase=passphrase.encode())
    with TestClient(create_app(unlocked), base_url=PUBLIC_URL) as client:
        token = issue(region, course, client)
        assert kid_in(token) == kid
        assert verdict(client, token)["verdict"] == "valid"


def test_the_stored_kid_is_the_key_that_signed_when_a_rotation_lands_in_between(
    region: Region,
    course: dict[str, Any],
    own_keys: Path,
    own_client: TestClient[Litestar],
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (old,) = listed(own_keys)
    store: KeyStore = own_client.app.state.resources.issuer.keys
    pin = store.signer
    rotated: list[str] = []
    armed = [True]

    def pinned_then_rotated(kid: str | None = None) -> ActiveKey:
        key = pin(kid)
        if armed.pop() if armed else False:
            # Another process rotates right after the active key was read, before it signs.
            rotated.append(KeyStore(own_keys).rotate().kid)
            store.refresh()
        return key

    monkeypatch.setattr(store, "signer", pinned_then_rotated)
    r = certify_one(region, course, own_client)
    assert r.status_code == 200, r.text
    (item,) = r.json()["issued"]
    assert store.active().kid == rotated[0] != old
    record = Api(own_client, region.coordinator.token).get(
        f"/api/v1/credentials/{item['credential_id']}"
    )
    assert record.json()["kid"] == kid_in(item["token"]) == old
    answer = verdict(own_client, item["token"])
    assert answer["verdict"] == "valid", answer

    # A rotation in the middle of a verification, between reading the trusted keys and signing
    # a status list with the new active key: the verdict does not fail on the list's new key.
    # Only requests sign from here on: the watcher thread presigns lists every tenth of a second
    # (and after each commit), and one landing between the reset below and the verification
    # would sign the lists before it, so that the verification would sign nothing.
    live: LiveStatus = own_client.app.state.resources.live
    monkeypatch.setattr(live, "_presign", lambda: None)
    coordinator = Api(own_client, region.coordinator.token)
    for action in ("suspend", "reinstate"):  # the lists change, so they are signed anew
        path = f"/api/v1/credentials/{item['credential_id']}/{action}"
        assert coordinator.post(path, {"reason": "test"}).status_code == 200
    # As when a new hour begins: the lists are signed again by the next read, this verification.
    live._signed = {}
    armed.append(True)
    passes = count_passes(monkeypatch)
    answer = verdict(own_client, item["token"])
    assert answer["verdict"] == "valid", answer
    assert len(rotated) == 2
    # One pass: the lists it read were signed under the key set it started with.
    assert passes == [payload_of(item["token"])["id"]]

    # A status list alike: the list remembers the key that signed it, not the one read before.
    live._signed = {}
    armed.append(True)
    with Session(engine) as session:
        signed = live.signed(session, "suspension", 1)
    assert signed.kid == kid_in(signed.token) == rotated[1]
    assert store.active().kid == rotated[2]


def count_passes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The credentials (their ids) verified past the signature from here on, one entry a pass:
    a token's (core.verify) or a record's whose signature was checked before (the verify API
    on a token on record, the credential page)."""
    passes: list[Any] = []
    real = core.check_payload

    def counted(payload: Any, *args: Any, **kwargs: Any) -> Any:
        passes.append(payload.get("id"))
        return real(payload, *args, **kwargs)

    monkeypatch.setattr("registry.verification.core.check_payload", counted)
    monkeypatch.setattr("registry.verification.service.check_payload", counted)
    return passes


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The tokens parsed (base64url and JSON) from here on, one entry a reading."""
    read: list[bytes] = []
    real = registry_jws.parse

    def counted(data: bytes) -> registry_jws.Parsed:
        read.append(data)
        return real(data)

    monkeypatch.setattr(registry_jws, "parse", counted)
    return read


def test_a_list_not_in_memory_yet_is_read_before_the_one_verification(
    region: Region,
    course: dict[str, Any],
    own_keys: Path,
    own_client: TestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = issue(region, course, own_client)
    live: LiveStatus = own_client.app.state.resources.live
    monkeypatch.setattr(live, "_presign", lambda: None)
    credential_url = payload_of(token)["id"]
    read = count_reads(monkeypatch)
    for route, form in (("/api/v1/verify", "token"), ("/verify", "page")):
        # As in a worker that has not read the list yet (another opened it a moment ago).
        live._bits, live._signed = {}, {}
        passes = count_passes(monkeypatch)
        read.clear()
        if form == "token":
            assert verdict(own_client, token)["verdict"] == "valid"
        else:
            page = own_client.post(route, data={"token": token})
            assert page.status_code == 200 and "Valid" in page.text, page.text[:500]
        assert passes == [credential_url], form
        # Read once: to learn which list to load first, and then verified in that form.
        assert read.count(token.encode()) == 1, form
        assert 1 in live._bits


def test_a_kept_data_integrity_form_follows_its_key_through_rotation_and_compromise(
    region: Region, course: dict[str, Any], own_keys: Path, own_client: TestClient[Litestar]
) -> None:
    (old,) = listed(own_keys)
    r = certify_one(region, course, own_client)
    assert r.status_code == 200, r.text
    credential_id = r.json()["issued"][0]["credential_id"]
    document = own_client.get(f"/c/{credential_id}/credential.json").json()
    assert proof_of(document)["verificationMethod"].endswith(f"#{old}")

    new = kid_of(run_cli(own_keys, "keys", "rotate"))
    # Kept as made: the retired key still stands behind it.
    assert own_client.get(f"/c/{credential_id}/credential.json").json() == document
    answer = own_client.post("/api/v1/verify", json={"credential": document}).json()
    assert answer["verdict"] == "valid", answer
    methods = own_client.get("/.well-known/did.json").json()["verificationMethod"]
    assert [m["id"].rsplit("#", 1)[1] for m in methods] == [new, old]

    assert run_cli(own_keys, "keys", "compromise", old).returncode == 0
    answer = own_client.post("/api/v1/verify", json={"credential": document}).json()
    assert answer["verdict"] == "invalid"
    assert "not a key of the trusted issuer" in answer["checks"][-1]["detail"]

"""The did:web issuer: the DID document, the DID-URL kids, and credentials issued before them."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from joserfc.jwk import KeySet as JoseKeySet

from registry.settings import Settings
from registry.vc.did import base58btc_decode
from registry.vc.keystore import KeyStore
from tests.conftest import DID, PUBLIC_URL, Api, Region
from tests.live import cli_env, run_registry
from tests.vc.test_keys import jose_verify
from tests.verification.test_verify_api import check, issue, parts, verify

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def old_shape(payload: dict[str, Any]) -> dict[str, Any]:
    """A payload as the registry signed it before the DID: issuer.id and iss the public URL, no
    issuer.url, no nbf, no inline jti context."""
    old = {k: v for k, v in payload.items() if k != "nbf"}
    old["@context"] = ["https://www.w3.org/ns/credentials/v2", OB_CONTEXT]
    old["issuer"] = {"id": PUBLIC_URL, "type": ["Profile"], "name": payload["issuer"]["name"]}
    old["iss"] = PUBLIC_URL
    return old


def resign_old(keys_dir: Path, token: str) -> str:
    """`token`'s credential signed the old way: the bare thumbprint as kid, the URL as issuer."""
    signed = KeyStore(keys_dir).sign(old_shape(parts(token)[1]))  # no DID: the bare kid
    header = parts(signed.token)[0]
    assert header["kid"] == signed.kid and not header["kid"].startswith("did:")
    return signed.token


def test_the_did_document_lists_the_keys_of_the_jwks_as_multikeys(anonymous: Api) -> None:
    r = anonymous.get("/.well-known/did.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/did+json")
    assert "public" in r.headers["cache-control"] and r.headers["etag"]
    document = r.json()
    assert document["id"] == DID
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    jwks = anonymous.get("/.well-known/jwks.json").json()["keys"]
    methods = document["verificationMethod"]
    assert [m["id"] for m in methods] == [k["kid"] for k in jwks] == document["assertionMethod"]
    for method, jwk in zip(methods, jwks, strict=True):
        assert method["type"] == "Multikey" and method["controller"] == DID
        thumbprint = JoseKeySet.import_key_set({"keys": [jwk]}).keys[0].thumbprint()
        assert method["id"] == f"{DID}#{thumbprint}"
        raw = base58btc_decode(method["publicKeyMultibase"][1:])
        assert raw[:2] == b"\xed\x01"  # multicodec ed25519-pub
        assert base64.urlsafe_b64encode(raw[2:]).rstrip(b"=").decode() == jwk["x"]


def test_the_did_document_and_jwks_revalidate_by_etag(anonymous: Api) -> None:
    for path in ("/.well-known/did.json", "/.well-known/jwks.json"):
        first = anonymous.get(path)
        again = anonymous.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, path
        assert again.headers["etag"] == first.headers["etag"]
        assert anonymous.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_a_new_credential_verifies_with_joserfc_under_its_did_url_kid(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    header, payload = parts(item["token"])
    assert header["kid"].startswith(f"{DID}#")
    assert payload["iss"] == payload["issuer"]["id"] == DID
    jwks = anonymous.get("/.well-known/jwks.json").json()
    verified = jose_verify(item["token"], JoseKeySet.import_key_set(jwks), "EdDSA")
    assert verified.headers()["kid"] == header["kid"]


def test_a_credential_issued_before_the_did_still_verifies_everywhere(
    region: Region,
    course: dict[str, Any],
    anonymous: Api,
    settings: Settings,
    engine: sa.Engine,
    tmp_path: Path,
) -> None:
    item = issue(region, course)
    old = resign_old(settings.keys_dir, item["token"])
    with engine.begin() as connection:  # stored as it was issued then
        connection.execute(
            sa.text("UPDATE credentials SET token = :token WHERE id = :id"),
            {"token": old, "id": item["credential_id"]},
        )

    # The server: the verify API, the page's JSON and its HTML.
    answer = verify(anonymous, old)
    assert answer["verdict"] == "valid", answer
    assert answer["credential"]["issuer"]["id"] == PUBLIC_URL
    assert "not suspended" in check(answer, "status")["detail"]  # the DID-signed lists are ours
    page = anonymous.get(f"/c/{item['credential_id']}", headers={"Accept": "application/json"})
    assert page.json()["verdict"] == "valid", page.json()
    assert "genuine and in force" in anonymous.get(f"/c/{item['credential_id']}").text

    # Offline with a JWKS saved before the change (bare kids), and with today's.
    saved = tmp_path / "jwks-before.json"
    saved.write_text(json.dumps(KeyStore(settings.keys_dir).jwks()))
    assert not json.loads(saved.read_text())["keys"][0]["kid"].startswith("did:")
    today = tmp_path / "jwks-now.json"
    today.write_text(json.dumps(anonymous.get("/.well-known/jwks.json").json()))
    for jwks in (saved, today):
        for token in (old, item["token"]):
            result = run_registry(
                "verify", token, "--jwks", str(jwks), "--no-status", env=cli_env()
            )
            assert result.returncode == 0, (jwks.name, result.stdout, result.stderr)

    # The CLI against the local registry (its database and keys), status included.
    local = cli_env(
        REGISTRY_DATABASE_URL=settings.database_url,
        REGISTRY_KEYS_DIR=str(settings.keys_dir),
        REGISTRY_PUBLIC_URL=PUBLIC_URL,
    )
    result = run_registry("verify", old, env=local)
    assert result.returncode == 0, (result.stdout, result.stderr)

    # A revocation shows on the old credential through the lists signed under the DID.
    r = region.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "test"}
    )
    assert r.status_code == 200, r.text
    assert verify(anonymous, old)["verdict"] == "revoked"


def test_a_did_url_kid_of_another_did_names_no_key(
    region: Region, course: dict[str, Any], anonymous: Api, settings: Settings
) -> None:
    item = issue(region, course)
    payload = parts(item["token"])[1]
    # Our own key, but announced under another DID (which then also claims to be the issuer).
    other = "did:web:evil.example"
    forged = KeyStore(settings.keys_dir).sign({**payload, "iss": other}, did=other).token
    answer = verify(anonymous, forged)
    assert answer["verdict"] == "invalid"
    assert "not one of the trusted keys" in check(answer, "header")["detail"]
    # Our DID URL on a credential that names another issuer: the key speaks for our DID only.
    issuer = {**payload["issuer"], "id": other}
    mismatched = KeyStore(settings.keys_dir).sign(
        {**payload, "issuer": issuer, "iss": other}, did=DID
    )
    answer = verify(anonymous, mismatched.token)
    assert answer["verdict"] == "invalid"
    assert not check(answer, "issuer")["ok"]

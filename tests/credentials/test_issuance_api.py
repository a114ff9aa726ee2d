"""Certifying a class through the API: the signed credentials, idempotency, all-or-nothing."""

from __future__ import annotations

import base64
import json
import re
import uuid
import warnings
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet as JoseKeySet
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, func, select

from registry.app import create_app
from registry.settings import Settings
from registry.tables.credentials import Credential
from registry.vc.keystore import KeyStore
from tests import ob3
from tests.conftest import DID, PUBLIC_URL, Api, Region, graduate

CROCKFORD_ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def certify_class(
    region: Region, course: dict[str, Any], officers: int = 1, **officer_fields: Any
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """A class with `officers` graduates, certified; (class, officers, certify answer)."""
    klass = region.klass(capacity=max(officers, 1))
    people = [region.officer(**officer_fields) for _ in range(officers)]
    for person in people:
        graduate(region, course, klass["id"], person["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    return klass, people, r.json()


def b64_json(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def header_of(token: str) -> dict[str, Any]:
    return b64_json(token.split(".")[0])


def payload_of(token: str) -> dict[str, Any]:
    return b64_json(token.split(".")[1])


def jose_verify(token: str, jwks: dict[str, Any], alg: str = "EdDSA") -> jws.CompactSignature:
    """Verifies with joserfc, an independent JOSE library, trusting only the served JWKS."""
    # joserfc 1.8 flags EdDSA as "not recommended" (it prefers the RFC 9864 name Ed25519) with a
    # SecurityWarning; the profile requires EdDSA, so the warning is expected here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.deserialize_compact(
            token, JoseKeySet.import_key_set(cast(Any, jwks)), algorithms=[alg]
        )


def count(engine: sa.Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def credentials_of_class(engine: sa.Engine, class_id: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(Credential.class_id == uuid.UUID(class_id))
        return int(session.exec(query).one())


def test_issued_tokens_verify_with_joserfc_against_the_served_jwks(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    _, _, answer = certify_class(region, course, officers=2)
    r = anonymous.get("/.well-known/jwks.json")
    assert r.status_code == 200
    jwks = r.json()
    assert all(k["use"] == "sig" and "d" not in k for k in jwks["keys"])
    kids = {k["kid"] for k in jwks["keys"]}
    assert len(answer["issued"]) == 2
    for item in answer["issued"]:
        verified = jose_verify(item["token"], jwks)
        header = verified.headers()
        assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": header["kid"]}
        assert header["kid"] in kids
        served = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        # The kid is the key's DID URL: the issuer's DID, "#", the RFC 7638 thumbprint.
        thumbprint = JoseKeySet.import_key_set({"keys": [served]}).keys[0].thumbprint()
        assert header["kid"] == f"{DID}#{thumbprint}"
        assert json.loads(verified.payload) == payload_of(item["token"])


def test_payload_is_an_open_badge_with_the_profiles_claims(
    region: Region, course: dict[str, Any]
) -> None:
    _, (officer,), answer = certify_class(region, course)
    (item,) = answer["issued"]
    payload = payload_of(item["token"])
    assert ob3.errors(payload) == []
    assert "vc" not in payload and "vp" not in payload
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["iss"] == payload["issuer"]["id"] == DID
    assert payload["issuer"]["url"] == PUBLIC_URL  # the human address of the registry
    assert payload["issuer"]["name"] == "CIT Utah"
    assert payload["jti"] == payload["id"]
    assert payload["@context"][2] == {
        "jti": {"@id": "https://www.iana.org/assignments/jwt#jti", "@type": "@id"}
    }

    valid_from = datetime.fromisoformat(payload["validFrom"])
    valid_until = datetime.fromisoformat(payload["validUntil"])
    assert course["validity_months"] == 24
    months = (valid_until.year - valid_from.year) * 12 + valid_until.month - valid_from.month
    assert months == 24
    assert valid_until.day == valid_from.day and valid_until.time() == valid_from.time()
    assert payload["iat"] == payload["nbf"] == int(valid_from.timestamp())
    assert payload["exp"] == int(valid_until.timestamp())

    subject = payload["credentialSubject"]
    assert subject["name"] == f"{officer['first_name']} {officer['last_name']}"
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "identifier",
            "hashed": False,
            "identityHash": officer["post_id"],
        }
    ]
    assert subject["achievement"]["achievementType"] == "Certification"
    assert subject["creditsEarned"] == 40
    raw = base64.urlsafe_b64decode(item["token"].split(".")[1] + "==").decode()
    assert re.search(r'"creditsEarned":40[,}]', raw)  # 40, as the course says; not 40.0

    status = payload["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert re.fullmatch(
        re.escape(PUBLIC_URL) + r"/status/revocation/[0-9]+", status["statusListCredential"]
    )
    assert status["id"] == f"{status['statusListCredential']}#{status['statusListIndex']}"
    assert int(status["statusListIndex"]) >= 0


def test_protected_officers_credential_carries_the_post_id_but_no_name(
    region: Region, course: dict[str, Any]
) -> None:
    _, (officer,), answer = certify_class(region, course, protected=True)
    subject = payload_of(answer["issued"][0]["token"])["credentialSubject"]
    assert "name" not in subject
    assert officer["last_name"] not in answer["issued"][0]["token"]
    assert subject["identifier"][0]["identityHash"] == officer["post_id"]
    assert ob3.errors(payload_of(answer["issued"][0]["token"])) == []


def test_credential_ids_are_random_url_safe_and_name_the_verify_url(
    region: Region, course: dict[str, Any]
) -> None:
    _, _, answer = certify_class(region, course, officers=5)
    ids = [item["credential_id"] for item in answer["issued"]]
    assert len(set(ids)) == 5
    for item in answer["issued"]:
        # 26 Crockford base32 characters carry 130 bits: at least 128, URL-safe as they are.
        assert CROCKFORD_ID.fullmatch(item["credential_id"]), item["credential_id"]
        assert item["verify_url"] == f"{PUBLIC_URL}/c/{item['credential_id']}"
        payload = payload_of(item["token"])
        assert payload["id"] == payload["jti"] == item["verify_url"]
    # Random, not counted: the ids share no long common prefix.
    assert len({i[:6] for i in ids}) == 5


def test_wallet_url_opens_a_page_listing_the_officers_credentials(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    _, (officer,), answer = certify_class(region, course)
    item = answer["issued"][0]
    assert item["wallet_url"].startswith(f"{PUBLIC_URL}/wallet/")
    r = anonymous.get(item["wallet_url"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert officer["last_name"] in r.text
    assert f"/c/{item['credential_id']}" in r.text


def test_certifying_again_returns_the_same_credentials(
    region: Region, course: dict[str, Any]
) -> None:
    klass, people, first = certify_class(region, course, officers=2)
    again = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert again.status_code == 200, again.text
    key = "officer_id"
    assert sorted(again.json()["issued"], key=lambda i: i[key]) == sorted(
        first["issued"], key=lambda i: i[key]
    )
    named = region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/certify", {"officer_ids": [people[0]["id"]]}
    )
    assert named.status_code == 200
    (only,) = named.json()["issued"]
    assert only == next(i for i in first["issued"] if i[key] == people[0]["id"])


def test_a_signing_failure_mid_class_saves_nothing_and_a_retry_succeeds(
    region: Region,
    course: dict[str, Any],
    app: Litestar,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    klass = region.klass()
    people = [region.officer() for _ in range(4)]
    for person in people:
        graduate(region, course, klass["id"], person["id"])
    keys: KeyStore = app.state.resources.issuer.keys
    real_sign = keys.sign
    calls = 0

    def failing_sign(payload: dict[str, Any], **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("HSM unplugged")
        return real_sign(payload, **kw)

    allocations_before = count(engine, "SELECT count(*) FROM status_allocations")
    monkeypatch.setattr(keys, "sign", failing_sign)
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    monkeypatch.undo()
    assert r.status_code >= 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert calls == 3
    assert "HSM" not in r.text
    assert credentials_of_class(engine, klass["id"]) == 0
    assert count(engine, "SELECT count(*) FROM status_allocations") == allocations_before
    roster = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster")
    assert all(row["credential_id"] is None for row in roster.json()["officers"])

    retry = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert retry.status_code == 200, retry.text
    assert len(retry.json()["issued"]) == 4
    assert credentials_of_class(engine, klass["id"]) == 4


def test_certifying_without_an_active_key_answers_503(
    region: Region, course: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    keys = KeyStore(tmp_path / "keys")
    info = keys.generate("EdDSA")
    keys.retire(info.kid)
    klass = region.klass()
    officer = region.officer()
    graduate(region, course, klass["id"], officer["id"])
    own = create_app(replace(settings, keys_dir=tmp_path / "keys"))
    with TestClient(own, base_url=PUBLIC_URL) as client:
        r = Api(client, region.coordinator.token).post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["rule"] == "signing_key"
    roster = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster")
    assert roster.json()["officers"][0]["credential_id"] is None

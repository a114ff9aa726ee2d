"""A holder's copy in OpenID4VCI's jwt_vc_json (the VC Data Model 1.1 JWT encoding): the verifier
reads the VC 2.0 credential its `vc` claim carries through the same stages, and refuses a JWT
whose claims and credential disagree."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from registry.vc import jwtvc
from registry.vc.keystore import KeyStore
from registry.verification import verify
from tests.live import cli_env, run_registry
from tests.verification.test_core import (
    ISSUER,
    NOW,
    credential,
    header_of,
    publish,
    sign_raw,
)

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    keys = KeyStore(tmp_path / "keys")
    keys.import_pem((Path(__file__).resolve().parent.parent / "keys" / "ed25519.pem").read_bytes())
    return keys


@pytest.fixture
def pem() -> bytes:
    return (Path(__file__).resolve().parent.parent / "keys" / "ed25519.pem").read_bytes()


def _claims() -> dict[str, Any]:
    payload = credential()
    payload["credentialSubject"] = {"id": HOLDER, **payload["credentialSubject"]}
    return jwtvc.encode(payload)


def _token(store: KeyStore, claims: dict[str, Any]) -> str:
    return store.sign(claims, typ="JWT").token


def test_a_jwt_vc_json_copy_verifies_through_the_same_stages(store: KeyStore) -> None:
    token = _token(store, _claims())
    assert header_of(token)["typ"] == "JWT" and "cty" not in header_of(token)
    verdict = verify(token, store.trusted(), publish(store), NOW, issuer=ISSUER)
    assert verdict.verdict == "valid", verdict.reasons
    assert verdict.credential is not None
    assert verdict.credential.credential_id == "7QX3M0K9ZB2Y4R8T6N1C5V0D8E"
    revoked = verify(token, store.trusted(), publish(store, revoked={417}), NOW, issuer=ISSUER)
    assert revoked.verdict == "revoked"


def _without(vc_member: str) -> dict[str, Any]:
    claims = _claims()
    del claims["vc"][vc_member]
    return claims


def _with_vc(**members: Any) -> dict[str, Any]:
    claims = _claims()
    claims["vc"].update(members)
    return claims


def _with(**jwt_claims: Any) -> dict[str, Any]:
    claims = {**_claims(), **jwt_claims}
    return {k: v for k, v in claims.items() if v is not None}


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no vc claim": (_with(vc=None), '"vc" claim'),
    "a vp claim": (_with(vp={}), '"vp" claim'),
    "the VC 2.0 context": (
        _with_vc(**{"@context": ["https://www.w3.org/ns/credentials/v2"]}),
        "does not start with https://www.w3.org/2018/credentials/v1",
    ),
    "a VC 2.0 member": (_with_vc(validFrom="2026-11-20T00:00:00Z"), '"validFrom" is not'),
    "no issuanceDate": (_without("issuanceDate"), "issuanceDate is missing"),
    "a subject that is no object": (_with_vc(credentialSubject="x"), "not an object"),
    "another subject": (_with(sub="did:key:z6MkOther"), "sub is missing or differs"),
    "no sub": (_with(sub=None), "sub is missing"),
    "another id": (_with(jti="https://registry.example/c/OTHER"), "jti is missing or differs"),
    "no iss": (_with(iss=None), "iss is missing"),
    "an issuanceDate that is no date": (_with_vc(issuanceDate="soon"), "not a date-time"),
    "nbf a day off": (_with(nbf=_claims()["nbf"] + 86400), "nbf is missing or does not agree"),
    "nbf as text": (_with(nbf="1795000000"), "nbf is missing or does not agree"),
    "another issuer": (_with(iss="https://evil.example"), "differs from the issuer"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_jwt_vc_json_whose_claims_and_credential_disagree_is_invalid(
    store: KeyStore, case: str
) -> None:
    claims, reason = CASES[case]
    verdict = verify(_token(store, copy.deepcopy(claims)), store.trusted(), None, NOW)
    assert verdict.verdict == "invalid"
    failed = [c for c in verdict.checks if not c.ok]
    assert failed and failed[0].name == "claims", verdict.checks
    assert reason in failed[0].detail, failed[0].detail


def test_a_jwt_typed_credential_names_no_cty(store: KeyStore, pem: bytes) -> None:
    kid = header_of(_token(store, _claims()))["kid"]
    token = sign_raw({"alg": "EdDSA", "typ": "JWT", "cty": "vc", "kid": kid}, _claims(), pem)
    verdict = verify(token, store.trusted(), None, NOW)
    assert verdict.verdict == "invalid"
    assert any(c.name == "header" and not c.ok and "cty" in c.detail for c in verdict.checks)


def test_the_cli_verifies_a_jwt_vc_json_copy_offline(store: KeyStore, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(store.jwks()))
    env = cli_env(
        REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'none.db'}",
        REGISTRY_KEYS_DIR=str(tmp_path / "no-keys"),
    )
    result = run_registry(
        "verify", _token(store, _claims()), "--jwks", str(jwks), "--no-status", env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["verdict"] == "valid"

"""Verifying the Data Integrity form: POST /api/v1/verify {"credential"}, `registry verify
@file.json`, the same verdicts as the JWS, and hostile documents refused without a 5xx."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.vc.dataintegrity import proof_of
from registry.vc.did import did_web
from tests.conftest import PUBLIC_URL, Api, Region, assert_problem
from tests.live import LiveServer, cli_env, run_registry

DID = did_web(PUBLIC_URL)
CHECKS = [
    "size",
    "shape",
    "proof",
    "signature",
    "claims",
    "issuer",
    "certification",
    "time",
    "status",
]


def document_of(client: Api, credential_id: str) -> dict[str, Any]:
    r = client.get(f"/c/{credential_id}/credential.json")
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def verify(client: Api, document: Any) -> dict[str, Any]:
    r = client.post("/api/v1/verify", {"credential": document})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


@pytest.fixture
def issued(region: Region, course: dict[str, Any], anonymous: Api) -> dict[str, Any]:
    item = region.certified(course)
    return {**item, "document": document_of(anonymous, item["credential_id"])}


def test_both_forms_get_the_same_verdict_and_the_same_summary(
    issued: dict[str, Any], anonymous: Api
) -> None:
    di = verify(anonymous, issued["document"])
    jws = anonymous.post("/api/v1/verify", {"token": issued["token"]}).json()
    assert di["verdict"] == jws["verdict"] == "valid", di
    assert [c["name"] for c in di["checks"]] == CHECKS
    assert all(c["ok"] for c in di["checks"])
    assert di["credential"]["issuer"]["id"] == DID
    summary = {k: v for k, v in di["credential"].items() if k != "issuer"}
    assert summary == {k: v for k, v in jws["credential"].items() if k != "issuer"}
    status = next(c for c in di["checks"] if c["name"] == "status")["detail"]
    assert "not revoked" in status and "not suspended" in status


def test_a_revocation_and_a_suspension_show_in_the_data_integrity_verdict(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    suspended = region.certified(course)
    document = document_of(anonymous, suspended["credential_id"])
    r = region.coordinator.post(
        f"/api/v1/credentials/{suspended['credential_id']}/suspend", {"reason": "Inquiry"}
    )
    assert r.status_code == 200, r.text
    assert verify(anonymous, document)["verdict"] == "suspended"
    r = region.coordinator.post(
        f"/api/v1/credentials/{suspended['credential_id']}/revoke", {"reason": "Decertified"}
    )
    assert r.status_code == 200, r.text
    answer = verify(anonymous, document)
    assert answer["verdict"] == "revoked"
    assert answer["credential"]["credential_id"] == suspended["credential_id"]


def test_a_protected_holders_name_is_not_in_the_verdict(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = region.certified(course, protected=True)
    wallet = item["wallet_url"].removeprefix(PUBLIC_URL)
    document = anonymous.get(f"{wallet}/c/{item['credential_id']}/credential.json").json()
    answer = verify(anonymous, document)
    assert answer["verdict"] == "valid"
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({}, "credential", "one_of"),
        ({"credential": None}, "credential", "one_of"),
        ({"token": "a.b.c", "credential": {}}, "token", "one_of"),
        ({"credential": "not an object"}, "credential", "schema"),
        ({"credential": ["a list"]}, "credential", "schema"),
    ],
)
def test_a_request_that_is_neither_one_token_nor_one_credential_is_a_400(
    anonymous: Api, body: dict[str, Any], field: str, rule: str
) -> None:
    r = anonymous.post("/api/v1/verify", body)
    assert_problem(r, 400, field=field, rule=rule)


def test_an_oversized_body_is_a_413(anonymous: Api, issued: dict[str, Any]) -> None:
    document = {**issued["document"], "description": "x" * (65 * 1024)}
    r = anonymous.post("/api/v1/verify", {"credential": document})
    assert_problem(r, 413)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def change(document: dict[str, Any]) -> Any:
        *parents, last = path.split(".")
        target: Any = document
        for name in parents:
            target = target[name]
            if isinstance(target, list) and len(target) == 1:  # the proof is an array of one
                target = target[0]
        target[last] = value
        return document

    return change


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"narrative": value}
    return value


# (what the attacker does, the check that must fail, words its detail contains)
HOSTILE: list[tuple[str, Callable[[dict[str, Any]], Any], str, str]] = [
    (
        "wrong cryptosuite",
        _set("proof.cryptosuite", "ecdsa-jcs-2019"),
        "proof",
        "is not accepted",
    ),
    ("no cryptosuite", lambda d: proof_of(d).pop("cryptosuite") and d, "proof", "no cryptosuite"),
    (
        "altered holder name",
        _set("credentialSubject.name", "Someone Else"),
        "signature",
        "does not verify",
    ),
    ("altered hours", _set("credentialSubject.creditsEarned", 400), "signature", "does not"),
    (
        "altered validUntil",
        _set("validUntil", "2099-01-01T00:00:00Z"),
        "signature",
        "does not verify",
    ),
    (
        "another DID's method",
        _set("proof.verificationMethod", "did:web:evil.example#key-1"),
        "proof",
        "not a key of the trusted issuer",
    ),
    (
        "our DID, unknown key",
        _set("proof.verificationMethod", f"{DID}#nope"),
        "proof",
        "not a key of the trusted issuer",
    ),
    (
        "remote context",
        _set("@context", ["https://www.w3.org/ns/credentials/v2", "https://evil.example/c"]),
        "shape",
        "@context",
    ),
    (
        "inline context",
        _set("@context", ["https://www.w3.org/ns/credentials/v2", {"name": "x"}]),
        "shape",
        "@context",
    ),
    ("nested context", _set("credentialSubject.@context", {"name": "@id"}), "shape", "@context"),
    (
        "redefined protected term",
        _set("issuer.@context", {"name": "https://evil.example/name"}),
        "shape",
        "@context",
    ),
    ("undefined term", _set("credentialSubject.rank", "Chief"), "shape", "undefined terms"),
    ("relative type", _set("issuer.type", ["Nobody"]), "shape", "undefined terms"),
    ("relative id", _set("credentialSubject.achievement.id", "courses/CIT"), "shape", "absolute"),
    (
        "deeply nested",
        _set("credentialSubject.achievement.criteria", _nested(30)),
        "size",
        "nests deeper",
    ),
    (
        "many objects",
        _set("credentialSubject.identifier", [{"type": "IdentityObject"}] * 60),
        "size",
        "objects",
    ),
    # Canonicalization cost grows faster than the values do: 3,500 short ones took 7.5 s.
    ("many values", _set("description", [f"d{i}" for i in range(3500)]), "size", "values"),
    ("named blank nodes", _set("credentialSubject.achievement.id", "_:b0"), "shape", "absolute"),
    ("blank node values", _set("evidence", ["_:b1", "_:b2"]), "shape", "blank node"),
    ("oversized field", _set("description", "x" * 40_000), "size", "over"),
    ("proof as a list", lambda d: {**d, "proof": [proof_of(d), proof_of(d)]}, "proof", "several"),
    ("no proof", lambda d: {k: v for k, v in d.items() if k != "proof"}, "proof", "no proof"),
    ("proof not an object", _set("proof", "z123"), "proof", "no proof"),
    ("extra proof member", _set("proof.domain", "evil.example"), "proof", "not understood"),
    ("non-string created", _set("proof.created", 1700000000), "proof", "not a string"),
    ("non-string proofValue", _set("proof.proofValue", ["z1"]), "proof", "not a string"),
    ("bad created", _set("proof.created", "yesterday"), "proof", "UTC date-time"),
    ("future proof", _set("proof.created", "2999-01-01T00:00:00Z"), "proof", "future"),
    ("not base58", _set("proof.proofValue", "uAAAA"), "proof", "base58btc"),
    ("wrong purpose", _set("proof.proofPurpose", "authentication"), "proof", "proofPurpose"),
    ("wrong proof type", _set("proof.type", "Ed25519Signature2020"), "proof", "type"),
    (
        "issuer not ours",
        _set("issuer.id", "did:web:evil.example"),
        "signature",
        "does not verify",
    ),
    ("keyword member", _set("@graph", []), "shape", "not accepted"),
    (
        "not a VC",
        _set("@context", ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]),
        "shape",
        "@context",
    ),
]


@pytest.mark.parametrize(
    ("attack", "check", "words"),
    [(h[1], h[2], h[3]) for h in HOSTILE],
    ids=[h[0] for h in HOSTILE],
)
def test_a_hostile_document_is_invalid_with_the_check_that_caught_it(
    issued: dict[str, Any],
    anonymous: Api,
    attack: Callable[[dict[str, Any]], Any],
    check: str,
    words: str,
) -> None:
    document = attack(copy.deepcopy(issued["document"]))
    r = anonymous.post("/api/v1/verify", {"credential": document})
    if r.status_code == 413:  # the body cap caught it before the document's own
        assert check == "size"
        return
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["verdict"] == "invalid", answer
    assert "credential" not in answer
    failed = answer["checks"][-1]
    assert (failed["name"], failed["ok"]) == (check, False), answer
    assert words in failed["detail"], failed


def test_repeated_members_in_the_body_are_refused_not_resolved(
    issued: dict[str, Any], anonymous: Api
) -> None:
    text = json.dumps({"credential": issued["document"]})
    proof = json.dumps(issued["document"]["proof"])
    twice = text.replace('"proof": ', f'"proof": {proof}, "proof": ', 1)
    r = anonymous.post(
        "/api/v1/verify", content=twice, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["verdict"] == "invalid"
    assert "duplicate member 'proof'" in answer["checks"][-1]["detail"]


def test_a_body_nested_past_any_parser_limit_is_answered_not_crashed(anonymous: Api) -> None:
    body = '{"credential": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    r = anonymous.post("/api/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code < 500, r.text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


PATHS = ["proof", "issuer", "credentialSubject", "credentialStatus", "@context",
         "proof.verificationMethod", "proof.created", "type", "id"]  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), value=JSON_VALUES)
def test_any_value_anywhere_gets_a_verdict_never_a_5xx(
    issued: dict[str, Any], anonymous: Api, path: str, value: Any
) -> None:
    document = _set(path, value)(copy.deepcopy(issued["document"]))
    answer = verify(anonymous, document)
    assert answer["verdict"] == "invalid"
    assert answer["checks"][-1]["ok"] is False


# -- the CLI


def run_verify(*args: str, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = run_registry("verify", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_the_cli_verifies_a_data_integrity_file_like_the_api(
    issued: dict[str, Any], region: Region, local_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(issued["document"]))
    code, verdict = run_verify(f"@{path}", env=local_env)
    assert (code, verdict["verdict"]) == (0, "valid"), verdict
    assert [c["name"] for c in verdict["checks"]] == CHECKS

    r = region.coordinator.post(
        f"/api/v1/credentials/{issued['credential_id']}/revoke", {"reason": "test"}
    )
    assert r.status_code == 200
    code, verdict = run_verify(f"@{path}", env=local_env)
    assert (code, verdict["verdict"]) == (1, "revoked")

    tampered = _set("credentialSubject.name", "Someone Else")(copy.deepcopy(issued["document"]))
    path.write_text(json.dumps(tampered))
    code, verdict = run_verify(f"@{path}", env=local_env)
    assert (code, verdict["verdict"]) == (1, "invalid")
    path.write_text(json.dumps(issued["document"]).replace('"proof":', '"proof":{},"proof":', 1))
    code, verdict = run_verify(f"@{path}", env=local_env)
    assert (code, verdict["verdict"]) == (1, "invalid")
    assert "duplicate member" in verdict["checks"][-1]["detail"]


def test_the_cli_verifies_a_data_integrity_file_offline_with_a_saved_jwks(
    issued: dict[str, Any], anonymous: Api, tmp_path: Path
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(anonymous.get("/.well-known/jwks.json").json()))
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(issued["document"]))
    env = cli_env(
        REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'none.db'}",
        REGISTRY_KEYS_DIR=str(tmp_path / "no-keys"),
    )
    code, verdict = run_verify(f"@{path}", "--jwks", str(jwks), "--no-status", env=env)
    assert (code, verdict["verdict"]) == (0, "valid"), verdict
    assert verdict["credential"]["issuer"]["id"] == DID


def test_a_status_list_elsewhere_is_not_trusted_even_under_our_own_proof(
    issued: dict[str, Any], anonymous: Api, settings: Any
) -> None:
    from datetime import UTC, datetime

    from registry.vc import dataintegrity
    from registry.vc.keystore import KeyStore

    content = {k: v for k, v in issued["document"].items() if k != "proof"}
    # Under an id the registry has no record of (one on record is held to that record first).
    content["id"] = f"{PUBLIC_URL}/c/0000000000000000000000000Z"
    content["credentialStatus"] = {
        **content["credentialStatus"],
        "statusListCredential": "https://evil.example/status/revocation/1",
        "id": "https://evil.example/status/revocation/1#5",
    }
    signed = dataintegrity.secure(content, KeyStore(settings.keys_dir), DID, datetime.now(UTC))
    answer = verify(anonymous, signed)
    assert answer["verdict"] == "invalid"
    status = answer["checks"][-1]
    assert (status["name"], status["ok"]) == ("status", False)
    assert "not a status list of this registry" in status["detail"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c["credentialSubject"].update(creditsEarned=80), "the hours"),
        (lambda c: c["credentialSubject"].update(name="Someone Else"), "the holder's name"),
        (lambda c: c.update(validUntil="2099-01-01T00:00:00Z"), "validUntil"),
        (lambda c: c["credentialStatus"].update(statusListIndex="1"), "the status entries"),
    ],
    ids=["hours", "name", "validUntil", "status index"],
)
def test_a_document_under_our_id_must_say_what_the_registry_issued_under_it(
    issued: dict[str, Any], anonymous: Api, settings: Any, change: Any, named: str
) -> None:
    # Signed by the registry's own key, so the proof holds: a key that signed something else
    # (or a reading of ours gone wrong) must still not show as valid.
    from datetime import UTC, datetime

    from registry.vc import dataintegrity
    from registry.vc.keystore import KeyStore

    content = copy.deepcopy({k: v for k, v in issued["document"].items() if k != "proof"})
    change(content)
    signed = dataintegrity.secure(content, KeyStore(settings.keys_dir), DID, datetime.now(UTC))
    answer = verify(anonymous, signed)
    assert answer["verdict"] == "invalid", answer
    failed = next(c for c in answer["checks"] if not c["ok"])
    assert failed["name"] == "claims"
    assert f"{named} is not what this registry issued" in failed["detail"]


def test_the_cli_verifies_a_data_integrity_file_against_the_registry_over_http(
    live_server: LiveServer, tmp_path: Path
) -> None:
    item = live_server.issue()
    with live_server.api() as api:
        r = api.get(f"/c/{item['credential_id']}/credential.json")
        assert r.status_code == 200, r.text
        path = tmp_path / "credential.json"
        path.write_text(r.text)
        env = cli_env(REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'none.db'}")
        code, verdict = run_verify(f"@{path}", "--issuer", live_server.url, env=env)
        assert (code, verdict["verdict"]) == (0, "valid"), verdict
        status = verdict["checks"][-1]["detail"]
        assert "not revoked" in status and "not suspended" in status, status

        r = api.post(f"/api/v1/credentials/{item['credential_id']}/suspend", json={"reason": "x"})
        assert r.status_code == 200, r.text
        code, verdict = run_verify(f"@{path}", "--issuer", live_server.url, env=env)
        assert (code, verdict["verdict"]) == (1, "suspended"), verdict

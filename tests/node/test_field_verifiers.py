"""The credential as the field's own software sees it: DCC verifier-core, Digital Bazaar's vc
with the eddsa-rdfc-2022 cryptosuite and Bitstring Status List, jsonld.js in safe mode, and
Node jose, all offline against a live test server (tests/node/verifiers.mjs)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import LiveServer
from tests.node.conftest import Node


def payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    answer: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return answer


def get(url: str, accept: str | None = None) -> httpx.Response:
    r = httpx.get(url, headers={"Accept": accept} if accept else {}, timeout=30)
    assert r.status_code == 200, r.text
    return r


@pytest.fixture(scope="module")
def issued(live_server: LiveServer) -> dict[str, Any]:
    """One credential in both forms, and its status lists in both forms."""
    item = live_server.issue()
    document = get(f"{live_server.url}/c/{item['credential_id']}/credential.json").json()
    lists: dict[str, Any] = {}
    revocation = document["credentialStatus"]["statusListCredential"]
    for purpose, url in (
        ("revocation", revocation),
        ("suspension", revocation.replace("/revocation/", "/suspension/")),
    ):
        lists[f"jws {purpose} list"] = payload(get(url, "application/vc+jwt").text)
        lists[f"di {purpose} list"] = get(url, "application/ld+json, application/json").json()
    return {**item, "document": document, "lists": lists}


def revoke(live_server: LiveServer, credential_id: str) -> None:
    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "Interop"})
        assert r.status_code == 200, r.text


def test_the_versions_under_test_are_the_locked_ones(node: Node) -> None:
    versions = node.ask("versions")
    locked = json.loads((Path(__file__).parent / "package.json").read_text())
    for name, version in versions.items():
        if name in locked["dependencies"]:
            assert version == locked["dependencies"][name], name


def test_digital_bazaars_vc_verifies_the_form_and_its_status_then_sees_the_revocation(
    node: Node, live_server: LiveServer
) -> None:
    item = live_server.issue()
    document = get(f"{live_server.url}/c/{item['credential_id']}/credential.json").json()
    result = node.ask("vc", credential=document, checkStatus=True)
    assert result["verified"] is True, result
    assert result["status"]["results"][0] == {
        "verified": True, "status": False, "purpose": "revocation", "error": None
    }  # fmt: skip

    revoke(live_server, item["credential_id"])
    result = node.ask("vc", credential=document, checkStatus=True)
    # `verified` is the proof's and the status check's success; the bit is the revocation.
    assert result["status"]["results"][0]["status"] is True, result


def test_digital_bazaars_vc_refuses_an_altered_credential(
    node: Node, issued: dict[str, Any]
) -> None:
    altered = copy.deepcopy(issued["document"])
    altered["credentialSubject"]["creditsEarned"] = 400
    result = node.ask("vc", credential=altered, checkStatus=True)
    assert result["verified"] is False
    assert "Invalid signature" in result["error"], result


def dcc_log(result: dict[str, Any]) -> dict[str, bool]:
    assert "errors" not in result, result
    return {entry["id"]: entry["valid"] for entry in result["log"]}


def test_dcc_verifier_core_verifies_the_form_and_its_status_then_sees_the_revocation(
    node: Node, live_server: LiveServer
) -> None:
    item = live_server.issue()
    document = get(f"{live_server.url}/c/{item['credential_id']}/credential.json").json()
    log = dcc_log(node.ask("dcc", credential=document))
    assert log["valid_signature"] and log["revocation_status"] and log["expiration"], log
    # Not a check of the credential: whether the issuer's DID is listed in one of DCC's
    # issuer registries (none is given here; the registry would have to be enrolled).
    assert log["registered_issuer"] is False

    revoke(live_server, item["credential_id"])
    log = dcc_log(node.ask("dcc", credential=document))
    assert log["valid_signature"] is True
    assert log["revocation_status"] is False, log


def test_dcc_verifier_core_refuses_an_altered_credential(
    node: Node, issued: dict[str, Any]
) -> None:
    altered = copy.deepcopy(issued["document"])
    altered["validUntil"] = "2099-01-01T00:00:00Z"
    result = node.ask("dcc", credential=altered)
    assert [e["name"] for e in result["errors"]] == ["invalid_signature"], result


@pytest.mark.parametrize(
    "kind",
    [
        "jws credential",
        "jws revocation list",
        "jws suspension list",
        "di credential",
        "di revocation list",
        "di suspension list",
    ],
)
def test_jsonld_safe_mode_expands_every_document_we_sign(
    node: Node, issued: dict[str, Any], kind: str
) -> None:
    documents = {
        "jws credential": payload(issued["token"]),
        "di credential": issued["document"],
        **issued["lists"],
    }
    result = node.ask("expand", document=documents[kind])
    assert result["ok"], result["error"]
    assert result["quads"] > 10


def test_safe_mode_would_catch_an_undefined_term(node: Node, issued: dict[str, Any]) -> None:
    document = copy.deepcopy(issued["document"])
    document["credentialSubject"]["rank"] = "Chief"
    result = node.ask("expand", document=document)
    assert result["ok"] is False
    assert "rank" in result["error"] or "safe mode" in result["error"].lower(), result


def test_node_jose_verifies_the_jws_against_the_published_jwks(
    node: Node, issued: dict[str, Any], live_server: LiveServer
) -> None:
    jwks = get(f"{live_server.url}/.well-known/jwks.json").json()
    header = json.loads(base64.urlsafe_b64decode(issued["token"].split(".")[0] + "=="))
    result = node.ask("jose", token=issued["token"], jwks=jwks)
    assert result["ok"] is True, result
    assert result["kid"] == header["kid"]
    tampered = issued["token"][:-4] + ("AAAA" if not issued["token"].endswith("AAAA") else "BBBB")
    assert node.ask("jose", token=tampered, jwks=jwks)["ok"] is False

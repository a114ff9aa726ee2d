"""Credo 0.6.3 as the officer's wallet (tests/node/credo.mjs): the agent Credo-based wallets
(Paradym among them) are built on, with its keys and records in memory instead of Askar, takes
the offer from the QR code over https against a live test server behind a throw-away CA. Credo
verifies each copy as it receives it (a refused signature fails the hand-over); each copy is then
checked by Credo's own verifier and at POST /api/v1/verify (valid, then revoked)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.live import LiveServer
from tests.node.conftest import Node
from tests.node.handover import (
    JWT,
    LDP,
    copies_verify_then_show_revoked,
    jwt_claims,
    start,
)


@pytest.fixture(scope="module")
def live_server(tls_server: LiveServer) -> LiveServer:
    return tls_server


def _received(answer: dict[str, Any]) -> str:
    assert "error" not in answer, answer
    [copy] = answer["credentials"]
    assert copy["format"] == "jwt_vc_json", answer
    [holder] = answer["holders"]
    assert jwt_claims(copy["credential"])["sub"] == holder
    credential: str = copy["credential"]
    return credential


def test_credo_takes_the_jwt_copy_and_its_verifier_checks_it(
    credo: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    """Credo's own choice of key (the first key proof algorithm it finds offered: ES256, a P-256
    did:key). Its verifier checks the copy's data model, signature and that the issuer signed
    it; it has no status check for JWT credentials ("not supported"), so a revocation shows only
    at our API (Credo's limitation, docs/wallets.md)."""
    started = start(live_server, issued["credential_id"])
    answer = credo.ask("accept", offer=started["protocols"]["openid4vci"], configurations=[JWT])
    assert answer["steps"]["issuer"] == live_server.url
    assert answer["steps"]["version"] == "V1"  # Credo reads the metadata as OpenID4VCI 1.0
    assert answer["steps"]["offered"] == [JWT, LDP]
    copy = _received(answer)
    assert answer["holders"][0].startswith("did:key:zDn")  # P-256
    checked = credo.ask("verify", credential=copy, status=False)
    assert checked["isValid"] is True, checked
    assert {"dataModel", "signature", "issuerIsSigner"} <= checked["validations"].keys()
    with_status = credo.ask("verify", credential=copy)
    assert with_status["isValid"] is False
    assert "not supported for JWT VCs" in with_status["validations"]["credentialStatus"]["error"]
    copies_verify_then_show_revoked(live_server, issued["credential_id"], [copy])


def test_a_wallet_on_credo_taking_the_first_configuration_gets_the_jwt_copy(
    credo: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    """Paradym's wallet SDK, on Credo, requests only the first configuration an offer names
    (`Object.keys(offeredCredentialConfigurations)[0]`): the offer names the JWT first, the one
    Credo takes. With the `ldp_vc` first, as before, such a wallet received nothing."""
    started = start(live_server, issued["credential_id"])
    answer = credo.ask("accept", offer=started["protocols"]["openid4vci"], first=True)
    assert answer["steps"]["offered"][0] == JWT
    _received(answer)


def test_credo_sends_the_transaction_code_with_an_ed25519_key(
    credo: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"], tx_code=True)
    offer = started["protocols"]["OID4VCI"]
    wrong = credo.ask("accept", offer=offer, txCode="000000", configurations=[JWT])
    assert wrong["steps"]["txCode"]["length"] == 6
    assert "invalid_grant" in wrong["error"] and "token" not in wrong["steps"], wrong
    answer = credo.ask(
        "accept", offer=offer, txCode=started["tx_code"], configurations=[JWT], algorithm="EdDSA"
    )
    copy = _received(answer)
    assert answer["holders"][0].startswith("did:key:z6Mk")  # Ed25519
    assert credo.ask("verify", credential=copy, status=False)["isValid"] is True


def test_credo_cannot_take_the_ldp_vc_copy(
    credo: Node, wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    """Credo's two bugs for `ldp_vc`, pinned (docs/wallets.md); this test fails once Credo
    takes the copy. It reads the configuration's key proof algorithms (`proof_types_supported`
    .jwt, JOSE names) as Linked Data suite names (its own "FIXME: this is wrong"), finds none and
    refuses to bind a key; and its verifier reads `ldp_vc` as the VC 1.1 data model only (with
    the Ed25519Signature2018/2020 suites), so it refuses the VC 2.0 copy another wallet got."""
    started = start(live_server, issued["credential_id"])
    answer = credo.ask("accept", offer=started["protocols"]["openid4vci"], configurations=[LDP])
    assert answer["steps"]["token"] is True
    assert "but one of '' was expected" in answer["error"], answer
    another = start(live_server, issued["credential_id"])["protocols"]["OID4VCI"]
    received = wallets.ask("oid4vci", offer=another, configuration=LDP)
    assert received["format"] == "ldp_vc", received
    refused = credo.ask("verify", credential=received["credentials"][0], status=False)
    assert "first item is the verifiable credential context URL" in refused["error"], refused

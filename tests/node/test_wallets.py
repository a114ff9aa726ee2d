"""Wallet apps of the field against a live test server on https behind a throw-away CA
(tests/tls.py; tests/node/wallets.mjs): an OpenID wallet (@openid4vc/openid4vci) through the
pre-authorized code flow, the Learner Credential Wallet's VC-API exchange (@digitalbazaar/vc,
did:key, eddsa-rdfc-2022), and a holder presenting the copy to POST /api/v1/verify; DCC
verifier-core checks what the wallets received, resolving the issuer's did:web over https."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from registry.vc.dataintegrity import proof_of
from tests.live import LiveServer
from tests.node.conftest import Node
from tests.node.handover import LDP, copies_verify_then_show_revoked, revoke, start


def _dcc_ok(result: dict[str, Any], check: str) -> bool:
    for entry in result.get("log", []):
        if entry.get("id") == check:
            return bool(entry.get("valid"))
    raise AssertionError(f"DCC verifier-core reported no {check!r} check: {result}")


@pytest.fixture(scope="module")
def live_server(tls_server: LiveServer) -> LiveServer:
    """This module's server is the https one: no wallet here is told to accept http."""
    return tls_server


def test_an_openid_wallet_receives_a_holder_bound_copy_that_dcc_verifies_then_sees_revoked(
    wallets: Node, node: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    received = wallets.ask("oid4vci", offer=started["protocols"]["OID4VCI"], configuration=LDP)
    assert "error" not in received, received
    assert received["version"] == "V1"
    assert received["format"] == "ldp_vc"
    copy = received["credentials"][0]
    assert copy["credentialSubject"]["id"] == received["holder"]
    assert proof_of(copy)["cryptosuite"] == "eddsa-rdfc-2022"

    result = node.ask("dcc", credential=copy)
    assert _dcc_ok(result, "valid_signature"), result
    assert _dcc_ok(result, "revocation_status"), result
    revoke(live_server, issued["credential_id"])
    result = node.ask("dcc", credential=copy)
    assert _dcc_ok(result, "valid_signature"), result
    assert not _dcc_ok(result, "revocation_status"), result


def test_an_openid_wallet_cannot_replay_the_code(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    received = wallets.ask("oid4vci", offer=started["protocols"]["OID4VCI"], replay=True)
    assert "invalid_grant" in received["replayed"], received
    # The replay also ended the token the code gave: no copy for either request.
    assert "invalid_token" in received["error"], received


def test_an_openid_wallet_sends_the_transaction_code(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"], tx_code=True)
    received = wallets.ask(
        "oid4vci",
        offer=started["protocols"]["OID4VCI"],
        txCode=started["tx_code"],
        configuration=LDP,
    )
    assert "error" not in received, received
    assert received["credentials"][0]["credentialSubject"]["id"] == received["holder"]


def test_lcws_exchange_gets_a_copy_for_a_did_authentication_made_with_digital_bazaars_vc(
    wallets: Node, node: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    interaction = httpx.get(
        started["interaction_url"],
        headers={"Accept": "application/json"},
        timeout=30,
        verify=live_server.verify,
    )
    assert interaction.status_code == 200, interaction.text
    exchange = interaction.json()["protocols"]["vcapi"]
    done = wallets.ask("vcapi", exchange=exchange)
    assert done["query"][0]["type"] == "DIDAuthentication"
    assert done["domain"] == live_server.url
    assert done["presentation"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert done["answer"]["status"] == 200, done
    copy = done["answer"]["body"]["verifiablePresentation"]["verifiableCredential"][0]
    assert copy["credentialSubject"]["id"] == done["holder"]
    result = node.ask("dcc", credential=copy)
    assert _dcc_ok(result, "valid_signature") and _dcc_ok(result, "revocation_status"), result


def test_lcws_exchange_with_the_wrong_challenge_is_refused(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    done = wallets.ask("vcapi", exchange=started["protocols"]["vcapi"], tamper="challenge")
    assert done["answer"]["status"] == 400, done
    assert done["answer"]["body"]["rule"] == "did_authentication"


def test_a_holder_presents_the_copy_and_the_verify_api_says_it_is_theirs(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    received = wallets.ask("oid4vci", offer=started["protocols"]["OID4VCI"], configuration=LDP)
    copy = received["credentials"][0]
    holder = received["holder"]
    vp = wallets.ask(
        "present", holder=holder, credential=copy, challenge="hr-42", domain="hr.example"
    )
    r = httpx.post(
        f"{live_server.url}/api/v1/verify",
        json={"presentation": vp, "challenge": "hr-42", "domain": "hr.example"},
        timeout=30,
        verify=live_server.verify,
    )
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["verdict"] == "valid", verdict
    assert verdict["presenter"] == {"id": holder, "is_holder": True}
    stranger = wallets.ask("present", holder=None, credential=copy, challenge="hr-43")
    r = httpx.post(
        f"{live_server.url}/api/v1/verify",
        json={"presentation": stranger, "challenge": "hr-43"},
        timeout=30,
        verify=live_server.verify,
    )
    assert r.json()["presenter"]["is_holder"] is False, r.text


def test_lcws_own_ed25519_signature_2020_did_authentication_gets_the_copy(
    wallets: Node, node: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    done = wallets.ask("lcw", exchange=started["protocols"]["vcapi"])
    proof = done["presentation"]["proof"]
    assert proof["type"] == "Ed25519Signature2020" and "cryptosuite" not in proof
    assert done["presentation"]["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ]
    assert done["answer"]["status"] == 200, done
    copy = done["answer"]["body"]["verifiablePresentation"]["verifiableCredential"][0]
    assert copy["credentialSubject"]["id"] == done["holder"]
    result = node.ask("dcc", credential=copy)
    assert _dcc_ok(result, "valid_signature") and _dcc_ok(result, "revocation_status"), result


@pytest.mark.parametrize("tamper", ["challenge", "stale", "controller", "content"])
def test_lcws_did_authentication_that_proves_nothing_is_refused(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any], tamper: str
) -> None:
    started = start(live_server, issued["credential_id"])
    done = wallets.ask("lcw", exchange=started["protocols"]["vcapi"], tamper=tamper)
    assert done["answer"]["status"] == 400, done
    assert done["answer"]["body"]["rule"] == "did_authentication"
    # Refused for what was wrong with it, not for its suite.
    reason = {
        "challenge": "challenge",
        "stale": "not fresh",
        "controller": "not the holder's",
        "content": "does not verify",
    }[tamper]
    assert reason in done["answer"]["body"]["detail"], done


def test_released_lcws_credential_request_link_gets_the_copy_in_the_answer(
    wallets: Node, node: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    page = httpx.get(
        started["interaction_url"],
        headers={"Accept": "text/html"},
        timeout=30,
        verify=live_server.verify,
    )
    links = [html.unescape(h) for h in re.findall(r'href="(dccrequest://[^"]+)"', page.text)]
    link = next(h for h in links if "vc_request_url=" in h)
    done = wallets.ask("lcwRequest", link=link)
    assert "domain" not in done["presentation"]["proof"]
    assert done["answer"]["status"] == 200, done
    copy = done["answer"]["body"]["verifiableCredential"][0]
    assert copy["credentialSubject"]["id"] == done["holder"]
    result = node.ask("dcc", credential=copy)
    assert _dcc_ok(result, "valid_signature") and _dcc_ok(result, "revocation_status"), result


def test_an_openid_wallet_takes_every_configuration_of_one_offer_with_one_token(
    wallets: Node, node: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    received = wallets.ask("oid4vci", offer=started["protocols"]["openid4vci"], all=True)
    assert "error" not in received, received
    formats = {r["format"]: r["credentials"][0] for r in received["received"]}
    assert set(formats) == {"ldp_vc", "jwt_vc_json"}
    for form, copy in (("credential", formats["ldp_vc"]), ("token", formats["jwt_vc_json"])):
        r = httpx.post(
            f"{live_server.url}/api/v1/verify",
            json={form: copy},
            timeout=30,
            verify=live_server.verify,
        )
        assert r.json()["verdict"] == "valid", r.text
    # jwt_vc_json is the VC 1.1 JWT encoding: Node jose checks it as a plain JWT with its claims.
    jwks = httpx.get(
        f"{live_server.url}/.well-known/jwks.json", timeout=30, verify=live_server.verify
    ).json()
    checked = node.ask("jose", token=formats["jwt_vc_json"], jwks=jwks, typ="JWT")
    assert checked["ok"] is True, checked
    assert checked["sub"] == received["holder"]


def test_sphereons_client_takes_both_formats_of_one_offer_over_https(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"])
    offer = started["protocols"]["openid4vci"]
    received = wallets.ask("sphereon", offer=offer, freshNonce=True)
    assert "error" not in received, received
    copies = {r["format"]: r["credentials"][0] for r in received["received"]}
    assert set(copies) == {"ldp_vc", "jwt_vc_json"}, received
    assert copies["ldp_vc"]["credentialSubject"]["id"] == received["holder"]
    copies_verify_then_show_revoked(live_server, issued["credential_id"], list(copies.values()))


def test_sphereons_client_reuses_a_spent_nonce_for_the_second_format(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    """Left to itself, the client signs the second key proof over the nonce the first spent: it
    reads no c_nonce from the credential response (which the registry sends for LearnCard) and
    does not ask the nonce endpoint again. The first copy arrives, the second request is refused:
    Sphereon's to mend; the test above shows that its own acquireNonce() suffices."""
    started = start(live_server, issued["credential_id"])
    received = wallets.ask("sphereon", offer=started["protocols"]["openid4vci"])
    assert [r["format"] for r in received["received"]] == ["jwt_vc_json"], received
    assert "failed with status: 400" in received["error"], received


def test_sphereons_client_sends_the_transaction_code(
    wallets: Node, live_server: LiveServer, issued: dict[str, Any]
) -> None:
    started = start(live_server, issued["credential_id"], tx_code=True)
    offer = started["protocols"]["openid4vci"]
    wrong = wallets.ask("sphereon", offer=offer, txCode="000000")
    # Refused at the token endpoint (the client reports the status only); the right code then
    # works with the same offer.
    assert "access token" in wrong["error"] and "status: 400" in wrong["error"], wrong
    assert not wrong["received"], wrong
    received = wallets.ask("sphereon", offer=offer, txCode=started["tx_code"], freshNonce=True)
    assert "error" not in received, received
    assert {r["format"] for r in received["received"]} == {"ldp_vc", "jwt_vc_json"}

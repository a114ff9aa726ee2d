"""Ed25519Signature2020 DID Authentication, as the Learner Credential Wallet and LearnCard sign
it (VC 2.0 context and the suite's own): through the VC-API exchange and POST /api/v1/verify,
checked as strictly as an eddsa-rdfc-2022 presentation."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import PUBLIC_URL, Api, Region, assert_problem
from tests.wallets.conftest import (
    ED25519_2020_CONTEXT,
    SUITE_2020,
    VC_CONTEXT,
    Flow,
    WalletApp,
    path_of,
    sign_presentation,
    wallet_app,
)


@pytest.fixture
def certified(region: Region, course: dict[str, Any]) -> dict[str, Any]:
    return region.certified(course)


@pytest.fixture
def exchange(flow: Flow, region: Region, certified: dict[str, Any]) -> str:
    """The path of a fresh VC-API exchange of the certification."""
    return path_of(flow.start(region.coordinator, certified["credential_id"])["protocols"]["vcapi"])


def _challenge(client: TestClient[Litestar], exchange: str) -> str:
    r = client.post(exchange, json={})
    assert r.status_code == 200, r.text
    return str(r.json()["verifiablePresentationRequest"]["challenge"])


def _sign(app: WalletApp, challenge: str | None, **kw: Any) -> dict[str, Any]:
    return sign_presentation(
        app, challenge=challenge, domain=kw.pop("domain", PUBLIC_URL), suite=SUITE_2020, **kw
    )


def test_an_ed25519_signature_2020_did_authentication_gets_the_copy(
    exchange: str, client: TestClient[Litestar], anonymous: Api
) -> None:
    app = wallet_app()
    vp = _sign(app, _challenge(client, exchange))
    assert vp["@context"] == [VC_CONTEXT, ED25519_2020_CONTEXT]
    assert "cryptosuite" not in vp["proof"]
    r = client.post(exchange, json={"verifiablePresentation": vp})
    assert r.status_code == 200, r.text
    copy = r.json()["verifiablePresentation"]["verifiableCredential"][0]
    assert copy["credentialSubject"]["id"] == app.did
    # The copy itself stays in the registry's own form (its contexts, its cryptosuite).
    assert copy["@context"][0] == VC_CONTEXT and ED25519_2020_CONTEXT not in copy["@context"]
    assert copy["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    verdict = anonymous.post("/api/v1/verify", {"credential": copy}).json()
    assert verdict["verdict"] == "valid", verdict


def _refusals(app: WalletApp, other: WalletApp, challenge: str) -> dict[str, Any]:
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    good = _sign(app, challenge)
    return {
        "another challenge": _sign(app, "not-it"),
        "another domain": _sign(app, challenge, domain="https://evil.example"),
        "no domain": _sign(app, challenge, domain=None),
        "stale": _sign(app, challenge, created=old),
        "from the future": _sign(app, challenge, created=future),
        "no created": _sign(app, challenge, created=None),
        "assertion purpose": _sign(app, challenge, proofPurpose="assertionMethod"),
        "another key's signature": _sign(app, challenge, signer=other),
        # The key is not the holder's: signed by `other`, naming `app` as the holder.
        "a key of another controller": _sign(
            app, challenge, signer=other, verificationMethod=other.kid
        ),
        "a fragment naming another key": _sign(
            app, challenge, verificationMethod=f"{app.did}#{other.kid.partition('#')[2]}"
        ),
        "a P-256 key": _sign(wallet_app("p256-key"), challenge),
        "tampered holder": {**good, "holder": other.did},
        "tampered proof": {**good, "proof": {**good["proof"], "nonce": "added"}},
        # A signature of the same key over another challenge.
        "tampered signature": {
            **good,
            "proof": {**good["proof"], "proofValue": _sign(app, "other")["proof"]["proofValue"]},
        },
        "without the suite's context": {**good, "@context": [VC_CONTEXT]},
        # Refused before any signature is checked (neither can be signed strictly).
        "a cryptosuite beside the suite type": {
            **good,
            "proof": {**good["proof"], "cryptosuite": "eddsa-rdfc-2022"},
        },
        "the suite's context on the enclosed credential": {
            **good,
            "verifiableCredential": [{"@context": [VC_CONTEXT, ED25519_2020_CONTEXT]}],
        },
    }


def test_the_exchange_refuses_ed25519_signature_2020_presentations_that_prove_nothing(
    exchange: str, client: TestClient[Litestar]
) -> None:
    challenge = _challenge(client, exchange)
    app, other = wallet_app(), wallet_app()
    for what, vp in _refusals(app, other, challenge).items():
        r = client.post(exchange, json={"verifiablePresentation": vp})
        body = assert_problem(r, 400, field="verifiablePresentation", rule="did_authentication")
        assert body["detail"], what
    # None of them spent the hand-over.
    r = client.post(exchange, json={"verifiablePresentation": _sign(app, challenge)})
    assert r.status_code == 200, r.text


def test_the_refusals_say_why(anonymous: Api) -> None:
    app = wallet_app()

    def detail(vp: Any, challenge: str = "c") -> str:
        r = anonymous.post("/api/v1/verify", {"presentation": vp, "challenge": challenge})
        assert r.status_code == 200, r.text
        verdict = r.json()
        assert verdict["verdict"] == "invalid"
        return str(next(c for c in verdict["checks"] if c["name"] == "presentation")["detail"])

    good = _sign(app, "c", domain=None)
    assert "needs its context" in detail({**good, "@context": [VC_CONTEXT]})
    assert "not a DataIntegrityProof" in detail(
        {**good, "proof": {**good["proof"], "cryptosuite": "x"}}
    )
    assert "does not fit" in detail(_sign(wallet_app("p256-key"), "c", domain=None))
    assert "not fresh" in detail(_sign(app, "c", domain=None, created="2020-01-01T00:00:00Z"))
    assert "challenge" in detail(good, "another")


def test_a_holder_presenting_their_copy_with_ed25519_signature_2020_is_the_holder(
    exchange: str, client: TestClient[Litestar], anonymous: Api
) -> None:
    app = wallet_app()
    r = client.post(
        exchange, json={"verifiablePresentation": _sign(app, _challenge(client, exchange))}
    )
    copy = r.json()["verifiablePresentation"]["verifiableCredential"][0]
    vp = _sign(app, "hr-7", domain=None, credentials=[copy])
    verdict = anonymous.post("/api/v1/verify", {"presentation": vp, "challenge": "hr-7"}).json()
    assert verdict["verdict"] == "valid", verdict
    assert verdict["presenter"] == {"id": app.did, "is_holder": True}

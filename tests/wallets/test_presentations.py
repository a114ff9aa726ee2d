"""DID Authentication presentations, through HTTP: the VC-API exchange hands the holder's copy
for a signed presentation, and POST /api/v1/verify tells a hiring department whether the person
presenting a certification is the holder it names."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.common import utcnow
from registry.vc.dataintegrity import proof_of
from tests.conftest import PUBLIC_URL, Api, Region, assert_problem
from tests.wallets.conftest import (
    VC_CONTEXT,
    Flow,
    WalletApp,
    b58,
    b64u,
    path_of,
    sign_presentation,
    wallet_app,
)


@pytest.fixture
def certified(region: Region, course: dict[str, Any]) -> dict[str, Any]:
    return region.certified(course)


def _request(client: TestClient[Litestar], exchange: str) -> dict[str, Any]:
    r = client.post(exchange, json={})
    assert r.status_code == 200, r.text
    return dict(r.json()["verifiablePresentationRequest"])


def _exchange(flow: Flow, region: Region, certified: dict[str, Any]) -> str:
    return path_of(flow.start(region.coordinator, certified["credential_id"])["protocols"]["vcapi"])


def _copy(
    flow: Flow, client: TestClient[Litestar], region: Region, certified: dict[str, Any], app: Any
) -> dict[str, Any]:
    """The holder's copy, as the VC-API exchange hands it to `app`."""
    exchange = _exchange(flow, region, certified)
    request = _request(client, exchange)
    vp = sign_presentation(app, challenge=request["challenge"], domain=request["domain"])
    r = client.post(exchange, json={"verifiablePresentation": vp})
    assert r.status_code == 200, r.text
    return dict(r.json()["verifiablePresentation"]["verifiableCredential"][0])


@pytest.mark.parametrize("kind", ["ed25519-key", "p256-key"])
def test_the_exchange_hands_a_copy_for_a_signed_did_authentication(
    flow: Flow,
    region: Region,
    certified: dict[str, Any],
    client: TestClient[Litestar],
    anonymous: Api,
    engine: sa.Engine,
    kind: str,
) -> None:
    app = wallet_app(kind)
    copy = _copy(flow, client, region, certified, app)
    assert copy["credentialSubject"]["id"] == app.did
    assert proof_of(copy)["proofPurpose"] == "assertionMethod"
    verdict = anonymous.post("/api/v1/verify", {"credential": copy}).json()
    assert verdict["verdict"] == "valid", verdict
    with engine.connect() as conn:
        protocol = conn.execute(
            sa.text("SELECT protocol, format FROM wallet_copies WHERE holder_did = :d"),
            {"d": app.did},
        ).one()
    assert tuple(protocol) == ("vcapi", "ldp_vc")


def _refusals(app: WalletApp, other: WalletApp, challenge: str) -> dict[str, dict[str, Any]]:
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    sign = sign_presentation
    return {
        "another challenge": sign(app, challenge="not-it", domain=PUBLIC_URL),
        "no challenge": sign(app, challenge=None, domain=PUBLIC_URL),
        "another domain": sign(app, challenge=challenge, domain="https://evil.example"),
        "no domain": sign(app, challenge=challenge, domain=None),
        "stale": sign(app, challenge=challenge, domain=PUBLIC_URL, created=old),
        "from the future": sign(app, challenge=challenge, domain=PUBLIC_URL, created=future),
        "another key's signature": sign(app, challenge=challenge, domain=PUBLIC_URL, signer=other),
        "another holder": sign(app, challenge=challenge, domain=PUBLIC_URL, holder=other.did),
        "assertion purpose": sign(
            app, challenge=challenge, domain=PUBLIC_URL, proofPurpose="assertionMethod"
        ),
        "a VC 1.1 context": {
            **sign(app, challenge=challenge, domain=PUBLIC_URL),
            "@context": ["https://www.w3.org/2018/credentials/v1"],
        },
        "an undefined term": {
            **sign(app, challenge=challenge, domain=PUBLIC_URL),
            "nickname": "not signed",
        },
        "a did:web holder": sign(
            app,
            challenge=challenge,
            domain=PUBLIC_URL,
            holder="did:web:evil.example",
            verificationMethod="did:web:evil.example#k",
        ),
        "not an object": "a string",  # type: ignore[dict-item]
        "a proof member that is a list": {
            **(signed := sign(app, challenge=challenge, domain=PUBLIC_URL)),
            "proof": {**signed["proof"], "type": ["DataIntegrityProof"]},
        },
        "too costly to canonicalize": {
            **sign(app, challenge=challenge, domain=PUBLIC_URL),
            "verifiableCredential": [{"@context": [VC_CONTEXT], "type": ["x"] * 400}],
        },
        "two credentials": {
            **sign(app, challenge=challenge, domain=PUBLIC_URL),
            "verifiableCredential": [{}, {}],
        },
    }


def test_the_exchange_refuses_presentations_that_do_not_authenticate_the_holder(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    exchange = _exchange(flow, region, certified)
    challenge = _request(client, exchange)["challenge"]
    app, other = wallet_app(), wallet_app()
    for what, vp in _refusals(app, other, challenge).items():
        r = client.post(exchange, json={"verifiablePresentation": vp})
        body = assert_problem(r, 400, field="verifiablePresentation", rule="did_authentication")
        assert body["detail"], what
    # None of them spent the hand-over: the right presentation still gets the copy.
    vp = sign_presentation(app, challenge=challenge, domain=PUBLIC_URL)
    assert client.post(exchange, json={"verifiablePresentation": vp}).status_code == 200
    again = client.post(exchange, json={"verifiablePresentation": vp})
    assert_problem(again, 404, rule="interaction_used")


def test_a_presentation_needs_a_live_challenge_from_this_exchange(
    flow: Flow,
    region: Region,
    certified: dict[str, Any],
    client: TestClient[Litestar],
    engine: sa.Engine,
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"])
    exchange = path_of(started["protocols"]["vcapi"])
    vp = sign_presentation(wallet_app(), challenge="guessed", domain=PUBLIC_URL)
    r = client.post(exchange, json={"verifiablePresentation": vp})
    assert_problem(r, 422, field="verifiablePresentation", rule="challenge")
    challenge = _request(client, exchange)["challenge"]
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE wallet_interactions SET challenge_expires_at = :t WHERE id = :i"),
            {"t": utcnow().replace(tzinfo=None) - timedelta(seconds=1), "i": started["id"]},
        )
    vp = sign_presentation(wallet_app(), challenge=challenge, domain=PUBLIC_URL)
    r = client.post(exchange, json={"verifiablePresentation": vp})
    assert_problem(r, 422, field="verifiablePresentation", rule="challenge")


# ---- POST /api/v1/verify with a presentation -----------------------------------------------


def _verify(anonymous: Api, vp: Any, challenge: str, **extra: Any) -> dict[str, Any]:
    r = anonymous.post("/api/v1/verify", {"presentation": vp, "challenge": challenge, **extra})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _check(verdict: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in verdict["checks"] if c["name"] == name)


@pytest.fixture
def held(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> tuple[WalletApp, dict[str, Any]]:
    """A wallet app and the copy of the certification it received over the exchange."""
    app = wallet_app()
    return app, _copy(flow, client, region, certified, app)


def test_the_holder_presenting_their_copy_is_the_holder(
    held: tuple[WalletApp, dict[str, Any]],
    region: Region,
    certified: dict[str, Any],
    anonymous: Api,
) -> None:
    app, copy = held
    vp = sign_presentation(app, challenge="hr-1234", domain=None, credentials=[copy])
    verdict = _verify(anonymous, vp, "hr-1234")
    assert verdict["verdict"] == "valid", verdict
    assert verdict["presenter"] == {"id": app.did, "is_holder": True}
    assert _check(verdict, "presentation")["ok"] and _check(verdict, "holder")["ok"]
    assert verdict["credential"]["credential_id"] == certified["credential_id"]
    with_domain = sign_presentation(
        app, challenge="hr-5", domain="https://hr.example", credentials=[copy]
    )
    assert (
        _verify(anonymous, with_domain, "hr-5", domain="https://hr.example")["verdict"] == "valid"
    )
    wrong_domain = _verify(anonymous, with_domain, "hr-5", domain="https://other.example")
    assert wrong_domain["verdict"] == "invalid"

    r = region.coordinator.post(
        f"/api/v1/credentials/{certified['credential_id']}/revoke", {"reason": "test"}
    )
    assert r.status_code == 200, r.text
    verdict = _verify(anonymous, vp, "hr-1234")
    assert verdict["verdict"] == "revoked"
    assert verdict["presenter"]["is_holder"] is True


def test_someone_else_presenting_a_copy_is_not_the_holder(
    held: tuple[WalletApp, dict[str, Any]], anonymous: Api
) -> None:
    impostor = wallet_app()
    _, copy = held
    vp = sign_presentation(impostor, challenge="hr-1", domain=None, credentials=[copy])
    verdict = _verify(anonymous, vp, "hr-1")
    assert verdict["verdict"] == "valid"  # the certification is genuine ...
    assert verdict["presenter"] == {"id": impostor.did, "is_holder": False}  # ... not theirs
    assert "another holder" in _check(verdict, "holder")["detail"]


def test_a_certification_without_a_holder_did_proves_no_holder(
    region: Region, certified: dict[str, Any], anonymous: Api, client: TestClient[Litestar]
) -> None:
    document = client.get(f"/c/{certified['credential_id']}/credential.json").json()
    app = wallet_app()
    verdict = _verify(
        anonymous,
        sign_presentation(app, challenge="c", domain=None, credentials=[document]),
        "c",
    )
    assert verdict["verdict"] == "valid"
    assert verdict["presenter"] == {"id": app.did, "is_holder": False}
    assert "names no holder" in _check(verdict, "holder")["detail"]


def test_a_presentation_for_another_challenge_proves_nothing(
    held: tuple[WalletApp, dict[str, Any]], anonymous: Api
) -> None:
    app, copy = held
    vp = sign_presentation(app, challenge="replayed", domain=None, credentials=[copy])
    verdict = _verify(anonymous, vp, "fresh-challenge")
    assert verdict["verdict"] == "invalid"
    assert verdict["presenter"] == {"id": None, "is_holder": False}
    assert "credential" not in verdict
    assert not _check(verdict, "presentation")["ok"]
    two = sign_presentation(app, challenge="c", domain=None, credentials=[copy, copy])
    assert _verify(anonymous, two, "c")["verdict"] == "invalid"


def test_malformed_presentation_requests_are_problems(anonymous: Api) -> None:
    vp = sign_presentation(wallet_app(), challenge="c", domain=None)
    assert_problem(anonymous.post("/api/v1/verify", {"presentation": vp}), 400, field="challenge")
    assert_problem(
        anonymous.post("/api/v1/verify", {"presentation": vp, "challenge": ""}),
        400,
        field="challenge",
    )
    assert_problem(
        anonymous.post("/api/v1/verify", {"presentation": vp, "challenge": "c", "token": "a.b.c"}),
        400,
        field="presentation",
    )
    assert_problem(anonymous.post("/api/v1/verify", {"challenge": "c"}), 400, field="presentation")
    assert_problem(anonymous.post("/api/v1/verify", {"presentation": [1], "challenge": "c"}), 400)
    duplicated = b'{"presentation": {"holder": "a", "holder": "b"}, "challenge": "c"}'
    r = anonymous.client.post(
        "/api/v1/verify", content=duplicated, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 200 and r.json()["verdict"] == "invalid", r.text


# ---- what the review's attacks on presentations did, refused -------------------------------


def _refused_because(anonymous: Api, vp: Any, challenge: str) -> str:
    verdict = _verify(anonymous, vp, challenge)
    assert verdict["verdict"] == "invalid"
    assert verdict["presenter"] == {"id": None, "is_holder": False}
    check = _check(verdict, "presentation")
    assert not check["ok"]
    return str(check["detail"])


def test_a_presentation_proof_without_created_is_refused(anonymous: Api) -> None:
    # Without `created`, a proof captured once would answer that challenge for ever.
    vp = sign_presentation(wallet_app(), challenge="c", domain=None, created=None)
    assert "created" in _refused_because(anonymous, vp, "c")


def test_a_presentation_holding_more_than_its_own_members_is_refused_before_canonicalizing(
    anonymous: Api,
) -> None:
    # The review's 619-byte presentation: two nodes with seven identical children cost seconds
    # of CPU to canonicalize (RDFC-1.0's permutations), before any signature was checked.
    app = wallet_app()
    vp = sign_presentation(app, challenge="c", domain=None)
    twins = [{"evidence": [{"name": "x"} for _ in range(7)]} for _ in range(2)]
    assert "not accepted" in _refused_because(anonymous, {**vp, "evidence": twins}, "c")


def test_a_holder_key_nobody_can_own_is_refused(anonymous: Api) -> None:
    app = wallet_app()
    # The identity point of Ed25519 (small order): every signature "verifies" for some messages.
    weak = "z" + b58(b"\xed\x01" + bytes([1]) + bytes(31))
    forged = WalletApp(app.private, app.alg, f"did:key:{weak}", f"did:key:{weak}#{weak}")
    vp = sign_presentation(forged, challenge="c", domain=None)
    assert "weak point" in _refused_because(anonymous, vp, "c")


def test_a_did_jwk_that_is_not_exactly_one_public_jwk_is_refused(anonymous: Api) -> None:
    app = wallet_app("ed25519-jwk")
    jwk = json.loads(base64.urlsafe_b64decode(app.did.removeprefix("did:jwk:") + "=="))
    did = "did:jwk:" + b64u(json.dumps({"keys": [jwk]}).encode())
    as_set = WalletApp(app.private, app.alg, did, did + "#0")
    vp = sign_presentation(as_set, challenge="c", domain=None)
    assert "exactly one public JWK" in _refused_because(anonymous, vp, "c")


def test_a_presented_copy_respelled_is_still_revoked(
    held: tuple[WalletApp, dict[str, Any]],
    region: Region,
    certified: dict[str, Any],
    anonymous: Api,
) -> None:
    # The review's attack through a holder's presentation: the enclosed copy's status entry
    # re-spelled (the same RDF, so its proof holds) read as "no entry, not revoked".
    app, copy = held
    r = region.coordinator.post(
        f"/api/v1/credentials/{certified['credential_id']}/revoke", {"reason": "test"}
    )
    assert r.status_code == 200, r.text
    respelled = {**copy, "credentialStatus": {**copy["credentialStatus"]}}
    respelled["credentialStatus"]["type"] = [respelled["credentialStatus"]["type"]]
    vp = sign_presentation(app, challenge="c", domain=None, credentials=[respelled])
    verdict = _verify(anonymous, vp, "c")
    assert verdict["verdict"] == "revoked", verdict
    assert verdict["presenter"] == {"id": app.did, "is_holder": True}


# ---- every other refusal, each for what it is ------------------------------------------------


def _signed(**proof: Any) -> dict[str, Any]:
    return sign_presentation(wallet_app(), challenge="c", domain=None, **proof)


def _after_signing(**members: Any) -> dict[str, Any]:
    """A signed presentation with `members` put in after it was signed: refused before its
    signature is looked at, or for it."""
    return {**_signed(), **members}


def _proof_changed(**changes: Any) -> dict[str, Any]:
    vp = _signed()
    return {**vp, "proof": {**vp["proof"], **changes}}


# Made when the test runs, not when it is collected: a proof is fresh for ten minutes only.
REFUSED: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    "created-not-a-date-time": (
        lambda: _signed(created="yesterday"),
        "created is not a UTC date-time",
    ),
    "created-not-a-date": (
        lambda: _signed(created="2026-02-30T10:00:00Z"),
        "created is not a valid date-time",
    ),
    "expired": (lambda: _signed(expires="2020-01-01T00:00:00Z"), "the proof has expired"),
    "unknown-proof-member": (
        lambda: _proof_changed(note="hi"),
        "the proof member 'note' is not understood",
    ),
    "bad-proof-value": (lambda: _proof_changed(proofValue="not multibase"), "the proofValue"),
    "two-proofs": (
        lambda: {**_signed(), "proof": [_signed()["proof"]] * 2},
        "not exactly one proof object",
    ),
    "no-holder": (lambda: _after_signing(holder=None), "it names no holder DID"),
    "too-large": (lambda: _after_signing(id="urn:x:" + "a" * 50_000), "is over 49152 bytes"),
    "not-json-ld": (
        lambda: _after_signing(verifiableCredential=[{"@context": [VC_CONTEXT], "type": 5}]),
        "it is not valid JSON-LD",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_presentation_is_refused_for_what_is_wrong_with_it(anonymous: Api, case: str) -> None:
    make, said = REFUSED[case]
    assert said in _refused_because(anonymous, make(), "c")


def test_a_proof_given_as_a_one_element_list_is_read_as_the_proof(anonymous: Api) -> None:
    # The Data Integrity documents' own form ("proof": [{…}]) is accepted for presentations too.
    vp = _signed()
    listed = {**vp, "proof": [vp["proof"]]}
    check = _check(_verify(anonymous, listed, "c"), "presentation")
    assert check["ok"] is True, check

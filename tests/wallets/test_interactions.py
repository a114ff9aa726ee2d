"""Starting a hand-over (staff API, the officer's wallet page), the interaction URL answering
protocols or a page in words, and the VC-API exchange's DID Authentication request."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import PUBLIC_URL, Api, Region, assert_problem
from tests.wallets.conftest import Flow, code_of, offer_of, path_of, wallet_app


@pytest.fixture
def certified(region: Region, course: dict[str, Any]) -> dict[str, Any]:
    return region.certified(course)


def test_the_interaction_url_answers_protocols_to_a_wallet_and_words_to_a_browser(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.admin, certified["credential_id"])
    url = started["interaction_url"]
    assert url.startswith(f"{PUBLIC_URL}/interactions/") and url.endswith("?iuv=1")
    r = client.get(path_of(url), headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    protocols = r.json()["protocols"]
    assert protocols == started["protocols"]
    assert set(protocols) == {"vcapi", "OID4VCI", "openid4vci"}
    assert protocols["openid4vci"] == protocols["OID4VCI"]  # LearnCard reads the lower case
    assert protocols["vcapi"].startswith(f"{PUBLIC_URL}/exchanges/")
    assert offer_of(protocols["OID4VCI"])["credential_issuer"] == PUBLIC_URL
    page = client.get(path_of(url), headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Add a CIT certification to a wallet app" in page.text
    assert "dccrequest://request?request=" in page.text  # the LCW deep link
    assert "openid-credential-offer://" in page.text
    assert "nosniff" in page.headers["x-content-type-options"]


def test_unknown_interactions_are_404_in_both_forms(client: TestClient[Litestar]) -> None:
    r = client.get("/interactions/nope", headers={"Accept": "application/json"})
    assert_problem(r, 404, field="interaction", rule="exists")
    for secret in ("nope", "x" * 300, "%00", "..%2F..%2Fetc"):
        # Odd paths may be refused before the route (a decoded slash leaves it): 404 alike.
        r = client.get(f"/interactions/{secret}", headers={"Accept": "application/json"})
        assert_problem(r, 404)
        page = client.get(f"/interactions/{secret}")
        assert page.status_code == 404


def test_only_the_holders_region_coordinator_or_an_admin_may_start_a_hand_over(
    region_factory: Any, course: dict[str, Any], anonymous: Api
) -> None:
    home, other = region_factory(), region_factory()
    certified = home.certified(course)
    path = f"/api/v1/credentials/{certified['credential_id']}/interactions"
    assert_problem(anonymous.post(path, {}), 401)
    assert_problem(home.instructor.post(path, {}), 403)
    assert_problem(other.coordinator.post(path, {}), (403, 404))
    assert home.coordinator.post(path, {}).status_code == 201
    assert home.admin.post(path).status_code == 201  # no body at all: no transaction code
    assert_problem(home.coordinator.post("/api/v1/credentials/NOSUCH/interactions", {}), 404)
    r = home.coordinator.post(path, {"tx_code": "yes please"})
    assert_problem(r, 400)


def test_after_a_transfer_only_the_officers_new_region_mints_copies(
    region_factory: Any, course: dict[str, Any]
) -> None:
    """The issuing region still reads the record, but a copy is bound to whatever key takes it:
    only the region the holder serves in now may start a hand-over."""
    home, other = region_factory(), region_factory()
    certified = home.certified(course)
    moved = home.coordinator.post(
        f"/api/v1/officers/{certified['officer']['id']}/transfer",
        {"agency_id": other.agency_id, "effective_date": date.today().isoformat()},
    )
    assert moved.status_code == 200, moved.text
    path = f"/api/v1/credentials/{certified['credential_id']}/interactions"
    assert home.coordinator.get(f"/api/v1/credentials/{certified['credential_id']}").is_success
    assert_problem(home.coordinator.post(path, {}), 403, rule="region_scope")
    assert other.coordinator.post(path, {}).status_code == 201


def test_a_revoked_or_suspended_certification_is_not_handed_over(
    flow: Flow, region: Region, certified: dict[str, Any]
) -> None:
    credential_id = certified["credential_id"]
    started = flow.start(region.coordinator, credential_id)
    r = region.coordinator.post(f"/api/v1/credentials/{credential_id}/suspend", {"reason": "x"})
    assert r.status_code == 200, r.text
    path = f"/api/v1/credentials/{credential_id}/interactions"
    assert_problem(
        region.coordinator.post(path, {}), 422, field="credential_id", rule="handover_status"
    )
    # An interaction started before the suspension hands nothing over either.
    token = flow.access_token(code_of(started))
    r = flow.credential(token, wallet_app().proof(flow.nonce()))
    assert r.status_code == 400 and r.json()["error"] == "credential_request_denied", r.text


def test_the_exchange_asks_for_did_authentication_with_a_fresh_challenge(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"])
    exchange = path_of(started["protocols"]["vcapi"])
    r = client.post(exchange, json={})
    assert r.status_code == 200, r.text
    request = r.json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["query"][0]["acceptedMethods"] == [{"method": "key"}]
    assert request["domain"] == PUBLIC_URL
    assert len(request["challenge"]) >= 16
    assert request["interact"]["service"][0]["serviceEndpoint"] == started["protocols"]["vcapi"]
    again = client.post(exchange, content=b"")
    assert again.status_code == 200, again.text
    assert again.json()["verifiablePresentationRequest"]["challenge"] != request["challenge"]


def test_hostile_exchange_bodies_are_refused_with_problems(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"])
    exchange = path_of(started["protocols"]["vcapi"])
    for body in (b"[1]", b"\xff", b"{", b'"x"', b"null"):
        r = client.post(exchange, content=body, headers={"Content-Type": "application/json"})
        assert_problem(r, 400, field="body")
    r = client.post(exchange, content=b"{" + b" " * 70000 + b"}")
    assert r.status_code == 413
    assert_problem(client.post("/exchanges/unknown", json={}), 404, field="interaction")


def test_an_offer_with_a_transaction_code_has_no_exchange(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"], tx_code=True)
    secret = path_of(started["interaction_url"]).split("/")[2].split("?")[0]
    assert_problem(client.post(f"/exchanges/{secret}", json={}), 404)


def test_a_completed_hand_over_has_no_exchange_left(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"])
    token = flow.access_token(code_of(started))
    assert flow.credential(token, wallet_app().proof(flow.nonce())).status_code == 200
    r = client.post(path_of(started["protocols"]["vcapi"]), json={})
    assert_problem(r, 404, rule="interaction_used")


def test_the_officers_wallet_page_starts_a_hand_over_of_their_own_certification(
    flow: Flow,
    region: Region,
    course: dict[str, Any],
    certified: dict[str, Any],
    client: TestClient[Litestar],
) -> None:
    wallet = path_of(certified["wallet_url"])
    page = client.get(wallet)
    action = f"{wallet}/handover/{certified['credential_id']}"
    assert f'action="{action}"' in page.text
    r = client.post(action)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert 'src="data:image/svg+xml;base64,' in r.text
    url = re.search(r'(https://registry\.test/interactions/[^<"\s]+)', r.text)
    assert url, r.text
    answer = client.get(path_of(unescape(url.group(1))), headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    # Each press makes a fresh hand-over; both work until used or expired.
    second = client.post(action)
    assert unescape(url.group(1)) not in second.text
    # Another officer's certification cannot be handed over from this wallet.
    someone = region.certified(course)
    assert client.post(f"{wallet}/handover/{someone['credential_id']}").status_code == 404
    assert (
        client.post(f"/wallet/not-a-key/handover/{certified['credential_id']}").status_code == 404
    )

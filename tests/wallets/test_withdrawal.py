"""Holder copies that can be withdrawn: what a leaked wallet link or a lost phone can do, and how
it is undone. A withdrawn copy no longer makes its presenter the holder; the certification itself
stays valid."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import PUBLIC_URL, Api, Region, assert_problem
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.wallets.conftest import Flow, WalletApp, path_of, sign_presentation, wallet_app

PHONE = "LearnerCredentialWallet/2.2.9 (iPhone)"


def _exchange_copy(client: TestClient[Litestar], exchange: str, app: WalletApp) -> dict[str, Any]:
    """The copy a wallet app receives over a VC-API exchange, as that app (its User-Agent)."""
    headers = {"User-Agent": PHONE}
    request = client.post(exchange, json={}, headers=headers).json()
    vp = sign_presentation(
        app,
        challenge=request["verifiablePresentationRequest"]["challenge"],
        domain=PUBLIC_URL,
    )
    r = client.post(exchange, json={"verifiablePresentation": vp}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["verifiablePresentation"]["verifiableCredential"][0])


def _from_wallet_page(client: TestClient[Litestar], wallet: str, credential_id: str) -> str:
    """The exchange path of a hand-over the officer starts from their own wallet page."""
    page = client.post(f"{wallet}/handover/{credential_id}")
    assert page.status_code == 200, page.text
    url = re.search(r'<p class="w-mono">([^<]+)</p>', page.text)
    assert url is not None
    secret = path_of(url.group(1)).split("/interactions/")[1].split("?")[0]
    return f"/exchanges/{secret}"


def _present(anonymous: Api, app: WalletApp, copy: dict[str, Any]) -> dict[str, Any]:
    vp = sign_presentation(app, challenge="hr-42", domain=None, credentials=[copy])
    r = anonymous.post("/api/v1/verify", {"presentation": vp, "challenge": "hr-42"})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _copies(region: Region, officer_id: str) -> list[dict[str, Any]]:
    r = region.coordinator.get(f"/api/v1/officers/{officer_id}/copies")
    assert r.status_code == 200, r.text
    return list(r.json())


def test_the_officer_withdraws_a_copy_from_the_wallet_page(
    region: Region, course: dict[str, Any], client: TestClient[Litestar], anonymous: Api
) -> None:
    item = region.certified(course)
    wallet = item["wallet_url"].removeprefix(PUBLIC_URL)
    app = wallet_app()
    copy = _exchange_copy(client, _from_wallet_page(client, wallet, item["credential_id"]), app)
    assert _present(anonymous, app, copy)["presenter"] == {"id": app.did, "is_holder": True}

    (listed,) = _copies(region, item["officer"]["id"])
    assert listed["user_agent"] == PHONE and listed["address"] == "testclient"
    assert listed["through"] == "link" and listed["withdrawn_at"] is None
    page = client.get(wallet)
    assert PHONE[:40] in page.text and "Withdraw" in page.text
    r = client.post(
        f"{wallet}/copies/withdraw", data={"copy_id": listed["id"]}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "1 copy withdrawn" in client.get(r.headers["location"]).text

    answer = _present(anonymous, app, copy)
    assert answer["verdict"] == "valid"  # the certification itself stays valid ...
    assert answer["presenter"] == {"id": app.did, "is_holder": False}  # ... the key proves no one
    holder = next(c for c in answer["checks"] if c["name"] == "holder")
    assert not holder["ok"] and "withdrawn" in holder["detail"]
    assert _copies(region, item["officer"]["id"])[0]["withdrawn_at"] is not None


def test_another_wallet_cannot_withdraw_or_list_someone_elses_copies(
    region: Region, course: dict[str, Any], client: TestClient[Litestar], flow: Flow
) -> None:
    mine, theirs = region.certified(course), region.certified(course)
    exchange = path_of(
        flow.start(region.coordinator, theirs["credential_id"])["protocols"]["vcapi"]
    )
    _exchange_copy(client, exchange, wallet_app())
    (copy,) = _copies(region, theirs["officer"]["id"])
    wallet = mine["wallet_url"].removeprefix(PUBLIC_URL)
    r = client.post(f"{wallet}/copies/withdraw", data={"copy_id": copy["id"]})
    assert_problem(r, 404)
    r = client.post(f"/wallet/{'x' * 43}/copies/withdraw", data={"copy_id": copy["id"]})
    assert_problem(r, 404)
    assert _copies(region, theirs["officer"]["id"])[0]["withdrawn_at"] is None


def test_a_coordinator_withdraws_copies_and_another_region_sees_no_officer(
    region_factory: Any, course: dict[str, Any], client: TestClient[Litestar], flow: Flow
) -> None:
    home, other = region_factory(), region_factory()
    item = home.certified(course)
    exchange = path_of(flow.start(home.coordinator, item["credential_id"])["protocols"]["vcapi"])
    _exchange_copy(client, exchange, wallet_app())
    (copy,) = _copies(home, item["officer"]["id"])
    assert copy["through"] == "coordinator"
    officer = item["officer"]["id"]
    for api in (other.coordinator, home.instructor):
        r = api.post(f"/api/v1/officers/{officer}/copies/withdraw", {"copy_ids": [copy["id"]]})
        assert r.status_code in (403, 404), r.text
    assert_problem(other.coordinator.get(f"/api/v1/officers/{officer}/copies"), 404)
    r = home.coordinator.post(
        f"/api/v1/officers/{officer}/copies/withdraw", {"copy_ids": ["NOSUCHCOPY"]}
    )
    assert_problem(r, 404, field="copy_id")
    r = home.coordinator.post(f"/api/v1/officers/{officer}/copies/withdraw", {"copy_ids": []})
    assert_problem(r, 400)
    r = home.coordinator.post(
        f"/api/v1/officers/{officer}/copies/withdraw", {"copy_ids": [copy["id"]]}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"withdrawn": 1}
    again = home.coordinator.post(
        f"/api/v1/officers/{officer}/copies/withdraw", {"copy_ids": [copy["id"]]}
    )
    assert again.json() == {"withdrawn": 0}


def test_reissuing_a_leaked_link_ends_its_hand_overs_and_offers_its_copies_for_withdrawal(
    region: Region,
    course: dict[str, Any],
    client: TestClient[Litestar],
    anonymous: Api,
    engine: Any,
) -> None:
    item = region.certified(course)
    officer = item["officer"]["id"]
    wallet = item["wallet_url"].removeprefix(PUBLIC_URL)
    # Whoever holds the leaked link minted a copy into their own wallet, and started another.
    thief = wallet_app()
    stolen = _exchange_copy(client, _from_wallet_page(client, wallet, item["credential_id"]), thief)
    pending = _from_wallet_page(client, wallet, item["credential_id"])

    console = client  # signed in as the coordinator for the console's pages
    try:
        assert sign_in(console, make_password_user(engine, "coordinator", region.code)).is_redirect
        page = console.get(f"/console/officers/{officer}")
        r = console.post(
            f"/console/officers/{officer}/wallet-link",
            data={"csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        page = console.get(r.headers["location"])
        assert "1 copy was added to wallet apps through an old link" in page.text
        assert "an old wallet link" in page.text
        # The hand-over started from the old link is over.
        assert_problem(client.post(pending, json={}), 404, rule="interaction_expired")
        # The copies made through the old link are chosen already: one press withdraws them.
        chosen = re.findall(r'name="copy_id" value="([^"]+)"[^>]*checked', page.text)
        assert len(chosen) == 1
        r = console.post(
            f"/console/officers/{officer}/copies/withdraw",
            data={"csrf_token": csrf_of(page.text), "copy_id": chosen},
            follow_redirects=False,
        )
        assert r.status_code == 303
    finally:
        console.cookies.clear()
    assert _present(anonymous, thief, stolen)["presenter"] == {"id": thief.did, "is_holder": False}

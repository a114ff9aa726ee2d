"""The Learner Credential Wallet's deep links, read as LCW reads them: the CHAPI request form
(LCW decodes its `request` a second time) and the older credential-request form that released
LCW (v2.2.9) completes, whose DID Authentication is answered with the holder's copy."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import PUBLIC_URL, Api, Region, assert_problem
from tests.wallets.conftest import SUITE_2020, Flow, path_of, sign_presentation, wallet_app


@pytest.fixture
def certified(region: Region, course: dict[str, Any]) -> dict[str, Any]:
    return region.certified(course)


def _links(client: TestClient[Litestar], started: dict[str, Any]) -> dict[str, str]:
    """The LCW links of the interaction's page, by their scheme and form."""
    page = client.get(path_of(started["interaction_url"]), headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text
    found = [html.unescape(h) for h in re.findall(r'href="(dccrequest://[^"]+)"', page.text)]
    return {
        "request": next(h for h in found if "?request=" in h),
        "credential_request": next(h for h in found if "vc_request_url=" in h),
    }


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query, strict_parsing=True).items()}


def test_the_lcw_link_survives_lcws_second_decoding_and_names_only_vcapi(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"])
    link = _links(client, started)["request"]
    # walletRequestApi.ts: query-string decodes the parameter, then decodeURI() again.
    request = json.loads(unquote(_query(link)["request"]))
    assert request == {
        "credentialRequestOrigin": PUBLIC_URL,
        "protocols": {"vcapi": started["protocols"]["vcapi"]},
    }
    # The QR code carries the interaction URL, which LCW main asks for its protocols.
    assert started["interaction_url"].endswith("?iuv=1")


def test_lcws_older_credential_request_form_hands_the_copy_in_its_answer(
    flow: Flow,
    region: Region,
    certified: dict[str, Any],
    client: TestClient[Litestar],
    anonymous: Api,
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"])
    query = _query(_links(client, started)["credential_request"])
    assert query["issuer"] == PUBLIC_URL and query["auth_type"] == "bearer"
    url = path_of(query["vc_request_url"])
    app, other = wallet_app(), wallet_app()
    # LCW signs over the link's challenge and names no domain.
    wrong = sign_presentation(app, challenge="guessed", domain=None, suite=SUITE_2020)
    assert_problem(client.post(url, json=wrong), 400, rule="did_authentication")
    vp = sign_presentation(app, challenge=query["challenge"], domain=None, suite=SUITE_2020)
    bad_bearer = client.post(url, json=vp, headers={"Authorization": "Bearer not-it"})
    assert_problem(bad_bearer, 400, field="authorization", rule="bearer")
    assert_problem(client.post(url, content=b"[1]"), 400, rule="json")
    r = client.post(url, json=vp, headers={"Authorization": f"Bearer {query['challenge']}"})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"].startswith("no-store")
    answer = r.json()
    # LCW reads the answer itself as a presentation (verifiableObject.ts).
    assert answer["type"] == ["VerifiablePresentation"]
    copy = answer["verifiableCredential"][0]
    assert copy["credentialSubject"]["id"] == app.did
    verdict = anonymous.post("/api/v1/verify", {"credential": copy}).json()
    assert verdict["verdict"] == "valid", verdict
    # One wallet per hand-over: the link is spent.
    again = sign_presentation(other, challenge=query["challenge"], domain=None, suite=SUITE_2020)
    assert_problem(client.post(url, json=again), 404, rule="interaction_used")


def test_a_hand_over_with_a_transaction_code_has_no_lcw_links(
    flow: Flow, region: Region, certified: dict[str, Any], client: TestClient[Litestar]
) -> None:
    started = flow.start(region.coordinator, certified["credential_id"], tx_code=True)
    page = client.get(path_of(started["interaction_url"]), headers={"Accept": "text/html"})
    assert "dccrequest://" not in page.text
    secret = started["interaction_url"].split("/interactions/")[1].split("?")[0]
    vp = sign_presentation(wallet_app(), challenge="c", domain=None, suite=SUITE_2020)
    r = client.post(f"/exchanges/{secret}/credential-request", json=vp)
    assert_problem(r, 404, field="interaction")

"""The coordinator's handout: a hand-over made from the console's credential page, with its QR
code, link and (optionally) transaction code, under the same region rules as the API."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Region
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.wallets.conftest import Flow, offer_of, path_of


def _signed_in(client: TestClient[Litestar], engine: sa.Engine, region: str) -> None:
    r = sign_in(client, make_password_user(engine, "coordinator", region))
    assert r.status_code in (302, 303), r.text


def test_a_coordinator_makes_a_handout_with_a_transaction_code(
    client: TestClient[Litestar],
    engine: sa.Engine,
    region: Region,
    course: dict[str, Any],
    flow: Flow,
) -> None:
    certified = region.certified(course)
    client.cookies.clear()
    try:
        _signed_in(client, engine, region.code)
        page = client.get(f"/console/credentials/{certified['credential_id']}")
        assert "Hand over to a wallet app" in page.text
        r = client.post(
            f"/console/credentials/{certified['credential_id']}/handover",
            data={"csrf_token": csrf_of(page.text), "tx_code": "on"},
            follow_redirects=False,
        )
    finally:
        client.cookies.clear()
    assert r.status_code == 200, r.text
    assert 'src="data:image/svg+xml;base64,' in r.text
    tx_code = re.search(r"<strong>(\d{6})</strong>", r.text)
    offer = re.search(r'href="(openid-credential-offer://[^"]+)"', r.text)
    assert tx_code and offer, r.text
    code = offer_of(unescape(offer.group(1)))["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]["pre-authorized_code"]
    assert "Open in LCW" not in r.text  # a coded offer is OpenID4VCI only
    assert flow.token(code, tx_code=tx_code.group(1)).status_code == 200


def test_a_coordinator_of_another_region_gets_no_handout(
    client: TestClient[Litestar], engine: sa.Engine, region_factory: Any, course: dict[str, Any]
) -> None:
    home, other = region_factory(), region_factory()
    certified = home.certified(course)
    client.cookies.clear()
    try:
        _signed_in(client, engine, other.code)
        csrf = csrf_of(client.get("/console").text)
        r = client.post(
            f"/console/credentials/{certified['credential_id']}/handover",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        missing = client.post(
            f"/console/credentials/{certified['credential_id']}/handover",
            data={},
            follow_redirects=False,
        )
    finally:
        client.cookies.clear()
    assert r.status_code == 303, r.text
    assert "another region" in unquote(r.cookies.get("cit_flash") or "")
    assert missing.status_code == 403  # no CSRF token
    assert path_of(r.headers["location"]).startswith("/console/credentials/")

"""CORS on exactly the public endpoints a browser wallet or verifier calls, and nowhere else: any
origin, no credentials, the preflight answered; never the console, the wallet page or the
authenticated API."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Region
from tests.wallets.conftest import Flow, path_of

ORIGIN = "https://wallet.example"


def _preflight(client: TestClient[Litestar], path: str, method: str = "POST") -> Any:
    return client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.fixture
def started(client: TestClient[Litestar], region: Region, course: dict[str, Any]) -> dict[str, Any]:
    return Flow(client).start(region.coordinator, region.certified(course)["credential_id"])


def _public(started: dict[str, Any]) -> list[tuple[str, str]]:
    secret = path_of(started["interaction_url"]).split("/")[2].split("?")[0]
    return [
        ("GET", "/.well-known/openid-credential-issuer"),
        ("GET", "/.well-known/oauth-authorization-server"),
        ("POST", "/oid4vci/token"),
        ("POST", "/oid4vci/nonce"),
        ("POST", "/oid4vci/credential"),
        ("GET", "/.well-known/did.json"),
        ("GET", "/.well-known/jwks.json"),
        ("GET", "/status/revocation/1"),
        ("GET", f"/interactions/{secret}"),
        ("POST", f"/exchanges/{secret}"),
        ("POST", f"/exchanges/{secret}/credential-request"),
        ("POST", "/api/v1/verify"),
    ]


def test_the_public_endpoints_a_wallet_calls_answer_any_origin_without_credentials(
    client: TestClient[Litestar], started: dict[str, Any]
) -> None:
    for method, path in _public(started):
        pre = _preflight(client, path, method)
        assert pre.status_code == 204, (path, pre.status_code)
        assert pre.headers["access-control-allow-origin"] == "*", path
        assert method in pre.headers["access-control-allow-methods"], path
        assert "Authorization" in pre.headers["access-control-allow-headers"], path
        assert "access-control-allow-credentials" not in pre.headers, path
        answer = client.request(
            method,
            path,
            headers={"Origin": ORIGIN, "Accept": "application/json"},
            json={} if path == "/api/v1/verify" else None,
        )
        # Whatever the answer (a refusal of an empty request too), a browser may read it.
        assert answer.headers.get("access-control-allow-origin") == "*", (path, answer.status_code)
        assert "access-control-allow-credentials" not in answer.headers, path
    # A refusal says why, readable: the OpenID4VCI error and its WWW-Authenticate.
    refused = client.post("/oid4vci/credential", json={}, headers={"Origin": ORIGIN})
    assert refused.status_code == 401
    assert "WWW-Authenticate" in refused.headers["access-control-expose-headers"]


def test_the_console_the_wallet_page_and_the_authenticated_api_answer_no_other_origin(
    client: TestClient[Litestar], region: Region, course: dict[str, Any]
) -> None:
    certified = region.certified(course)
    wallet = path_of(certified["wallet_url"])
    private = [
        ("GET", "/console"),
        ("POST", "/console/login"),
        ("GET", wallet),
        ("POST", f"{wallet}/copies/withdraw"),
        ("GET", "/api/v1/courses"),
        ("POST", f"/api/v1/credentials/{certified['credential_id']}/interactions"),
        ("GET", f"/api/v1/credentials/{certified['credential_id']}"),
        ("GET", "/"),
        ("GET", f"/c/{certified['credential_id']}"),
    ]
    for method, path in private:
        pre = _preflight(client, path, method)
        assert "access-control-allow-origin" not in pre.headers, (path, pre.status_code)
        answer = client.request(method, path, headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in answer.headers, (path, answer.status_code)
    # An OPTIONS that is no preflight, on a public path, is the router's own answer.
    plain = client.options("/api/v1/verify", headers={"Origin": ORIGIN})
    assert "access-control-allow-methods" not in plain.headers

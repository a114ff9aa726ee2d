"""The public edge: health, OpenAPI, security headers, rate limits shared through Redis."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings
from tests.conftest import TEST_REDIS


def test_health_answers_ok_when_the_database_answers(client: TestClient[Any]) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_health_answers_503_when_the_database_does_not(settings: Settings) -> None:
    broken = replace(settings, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(broken)) as c:
        r = c.get("/health")
    assert r.status_code == 503


def test_openapi_document_and_its_readable_page_are_served(client: TestClient[Any]) -> None:
    doc = client.get("/schema/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    for path in ("/api/v1/verify", "/api/v1/classes/{class_id}/certify", "/c/{credential_id}"):
        assert path in paths
    page = client.get("/schema")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


@pytest.mark.parametrize("path", ["/", "/health", "/.well-known/jwks.json", "/api/v1/courses"])
def test_every_answer_carries_the_security_headers(client: TestClient[Any], path: str) -> None:
    r = client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    # The test client speaks https://registry.test, so HSTS is due.
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_plain_http_gets_no_hsts(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        assert "strict-transport-security" not in c.get("/health").headers


def test_unknown_routes_answer_problem_json(client: TestClient[Any]) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404


ODD_SEGMENTS = [
    "a%00b",
    "9" * 30,
    "9" * 5000,
    "²",
    "-1",
    "0",
    "%",
    "..%2F..%2Fetc%2Fpasswd",
    "x" * 3000,
    "🙂",
    "%C0%AF",
    "%FF",
    "a b",
]


def test_public_paths_with_odd_segments_never_answer_5xx(client: TestClient[Any]) -> None:
    failures = []
    for v in ODD_SEGMENTS:
        for path in (
            f"/c/{v}",
            f"/c/{v}/credential.jwt",
            f"/c/{v}/qr.png",
            f"/c/{v}/qr.svg",
            f"/c/{v}/certificate.pdf",
            f"/courses/{v}",
            f"/status/revocation/{v}",
            f"/status/{v}/1",
            f"/wallet/{v}",
            f"/wallet/{v}/show/{v}",
        ):
            for accept in ("text/html", "application/json"):
                r = client.get(path, headers={"Accept": accept})
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} {path[:60]} ({accept})")
    assert failures == []


def _limited(settings: Settings, **overrides: Any) -> TestClient[Any]:
    return TestClient(create_app(replace(settings, rate_limit=3, **overrides)))


def test_public_endpoints_are_rate_limited_with_retry_after(settings: Settings) -> None:
    with _limited(settings) as c:
        answers = [c.get("/.well-known/jwks.json") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        last = answers[-1]
        assert last.headers["content-type"].startswith("application/problem+json")
        assert int(last.headers["retry-after"]) > 0
        # Health checks from load balancers are never throttled.
        assert all(c.get("/health").status_code == 200 for _ in range(6))


def test_authenticated_api_is_not_throttled_by_the_public_limit(settings: Settings) -> None:
    with _limited(settings) as c:
        assert {c.get("/api/v1/courses").status_code for _ in range(6)} == {401}


def test_workers_share_the_limit_through_redis(settings: Settings) -> None:
    """Two app instances (as two workers would be) count against one Redis store."""
    url = TEST_REDIS
    # Counts from an earlier run in the same minute would skew this one.
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("cit-rate-limit*"):
        client.delete(key)
    client.close()
    with _limited(settings, redis_url=url) as first, _limited(settings, redis_url=url) as second:
        codes = [
            (first if i % 2 == 0 else second).get("/.well-known/jwks.json").status_code
            for i in range(4)
        ]
    assert codes == [200, 200, 200, 429]


def test_the_lookup_and_verify_forms_are_rate_limited(settings: Settings) -> None:
    """Public forms without CSRF (a hiring department has no session) are throttled instead."""
    for path, form in (
        ("/lookup", {"post_id": "UT-1", "last_name": "Doe"}),
        ("/verify", {"token": "not.a.token"}),
    ):
        with _limited(settings) as c:
            codes = [c.post(path, data=form).status_code for _ in range(4)]
            assert codes == [200, 200, 200, 429], path


def test_the_verify_api_is_rate_limited_in_every_form(settings: Settings) -> None:
    """The token form is answered beneath the handler (TokenRequests): the app's rate limit
    still counts it, with the other forms, in one bucket per client."""
    token = {"token": "not.a.token"}
    with _limited(settings) as c:
        codes = [c.post("/api/v1/verify", json=token).status_code for _ in range(2)]
        codes.append(c.post("/api/v1/verify", json={"credential": {}}).status_code)
        last = c.post("/api/v1/verify", json=token)
        assert [*codes, last.status_code] == [200, 200, 200, 429]
        assert last.headers["content-type"].startswith("application/problem+json")
        assert int(last.headers["retry-after"]) > 0

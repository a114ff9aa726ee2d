"""The JSON API takes a bearer token and JSON bodies only: the console's session cookie and
bodies a page on another site can send (forms, text/plain) are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Api, Region, assert_problem, unique
from tests.console.conftest import make_password_user, sign_in

# What a cross-site form or fetch without a preflight can send.
SIMPLE_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


def signed_in_coordinator(client: TestClient[Litestar], engine: sa.Engine, region: Region) -> None:
    client.cookies.clear()
    r = sign_in(client, make_password_user(engine, "coordinator", region.code))
    assert r.status_code == 303


def test_the_session_cookie_cannot_revoke_a_credential_through_the_api(
    client: TestClient[Litestar], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    held = region.certified(course)
    signed_in_coordinator(client, engine, region)
    try:
        # The cookie works for the console...
        assert client.get("/console").status_code == 200
        path = f"/api/v1/credentials/{held['credential_id']}/revoke"
        for content_type in ("application/json", "text/plain"):
            r = client.post(
                path,
                content=json.dumps({"reason": "cross-site"}).encode(),
                headers={"Content-Type": content_type, "Origin": "https://evil.example"},
            )
            assert_problem(r, 401)
        # ...and reads the API nowhere either: least privilege.
        assert_problem(client.get(f"/api/v1/credentials/{held['credential_id']}"), 401)
        assert_problem(client.get("/api/v1/officers"), 401)
    finally:
        client.cookies.clear()
    stored = region.coordinator.get(f"/api/v1/credentials/{held['credential_id']}").json()
    assert stored["status"] == "active"


def test_a_bearer_token_still_works_with_a_cookie_beside_it(
    client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    signed_in_coordinator(client, engine, region)
    try:
        assert region.coordinator.get("/api/v1/officers").status_code == 200
    finally:
        client.cookies.clear()


@pytest.mark.parametrize("content_type", [*SIMPLE_TYPES, "application/xml", None])
def test_an_api_write_with_a_body_that_is_not_json_is_a_415(
    admin: Api, content_type: str | None
) -> None:
    code = unique("R")
    headers = {"Authorization": f"Bearer {admin.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    body = json.dumps({"code": code, "name": "Not JSON typed"}).encode()
    r = admin.client.post("/api/v1/regions", content=body, headers=headers)
    assert_problem(r, 415, field="content-type", rule="media_type")
    assert code not in [x["code"] for x in admin.get("/api/v1/regions").json()]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/ld+json"]
)
def test_json_and_json_suffixed_types_are_read(admin: Api, content_type: str) -> None:
    code = unique("R")
    r = admin.client.post(
        "/api/v1/regions",
        content=json.dumps({"code": code, "name": "JSON typed"}).encode(),
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": content_type},
    )
    assert r.status_code == 201, r.text


def test_a_patch_with_a_form_body_is_a_415_and_changes_nothing(region: Region) -> None:
    officer = region.officer()
    r = region.coordinator.client.patch(
        f"/api/v1/officers/{officer['id']}",
        content=b"last_name=Changed",
        headers={
            "Authorization": f"Bearer {region.coordinator.token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert_problem(r, 415, field="content-type")
    again = region.coordinator.get(f"/api/v1/officers/{officer['id']}").json()
    assert again["last_name"] == officer["last_name"]


@pytest.mark.parametrize("content_type", SIMPLE_TYPES)
def test_the_public_verify_api_wants_json_too(anonymous: Api, content_type: str) -> None:
    r = anonymous.client.post(
        "/api/v1/verify",
        content=json.dumps({"token": "a.b.c"}).encode(),
        headers={"Content-Type": content_type},
    )
    assert_problem(r, 415, field="content-type", rule="media_type")


def test_the_verify_api_keeps_its_size_limit_and_answers_json(anonymous: Api) -> None:
    r = anonymous.client.post(
        "/api/v1/verify",
        content=b'{"token": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(r, 413)
    r = anonymous.post("/api/v1/verify", {"token": "a.b.c"})
    assert r.status_code == 200
    assert r.json()["verdict"] == "invalid"


def test_certify_without_a_body_needs_no_content_type(
    region: Region, course: dict[str, Any]
) -> None:
    # The body is optional there ("all eligible"): a request with none is not refused for it.
    klass = region.klass()
    r = region.coordinator.client.post(
        f"/api/v1/classes/{klass['id']}/certify",
        headers={"Authorization": f"Bearer {region.coordinator.token}"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["issued"] == []


def test_csv_imports_still_take_csv(region: Region) -> None:
    r = region.coordinator.client.post(
        "/api/v1/imports/officers",
        content=b"post_id,first_name,last_name,agency_ori,patrol_start_date\n",
        headers={"Authorization": f"Bearer {region.coordinator.token}", "Content-Type": "text/csv"},
    )
    assert r.status_code in (200, 422), r.text

"""Every error is an RFC 9457 problem: malformed bodies, odd paths, huge and unicode input."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest
from litestar import post
from litestar.testing import TestClient
from sqlmodel import Session, select

from registry.app import create_app
from registry.db import unit_of_work
from registry.http.deps import DbSession
from registry.settings import Settings
from registry.tables.people import Region as RegionRow
from tests.conftest import Api, KeptLog, Region, assert_problem, unique

JSON = {"Accept": "application/json"}


def raw_post(api: Api, path: str, content: bytes, content_type: str | None) -> Any:
    headers = {"Authorization": f"Bearer {api.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.client.post(path, content=content, headers=headers)


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b'{"code": "X", "name": }',
        b"not json at all",
        b'{"code": "X", "name": "Y"',
        b"\xff\xfe",
    ],
)
def test_a_malformed_json_body_is_a_400_problem(admin: Api, content: bytes) -> None:
    assert_problem(raw_post(admin, "/api/v1/regions", content, "application/json"), 400)


def test_an_empty_body_is_a_400_problem(admin: Api) -> None:
    assert_problem(raw_post(admin, "/api/v1/regions", b"", "application/json"), 400)
    assert_problem(raw_post(admin, "/api/v1/regions", b"null", "application/json"), 400)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
)
def test_a_body_of_the_wrong_content_type_is_refused_without_a_500(
    admin: Api, engine: Any, content_type: str | None
) -> None:
    code = unique("R")
    r = raw_post(admin, "/api/v1/regions", f"code={code}&name=Form".encode(), content_type)
    assert_problem(r, (400, 415))
    listed = [x["code"] for x in admin.get("/api/v1/regions").json()]
    assert code not in listed


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/officers/not-a-uuid",
        "/api/v1/officers/123",
        "/api/v1/agencies/%00",
        "/api/v1/classes/../../etc/passwd",
        "/api/v1/classes/zzzz/roster",
        "/api/v1/credentials/" + "A" * 500,
    ],
)
def test_a_malformed_id_in_the_path_is_a_400_or_404_problem(admin: Api, path: str) -> None:
    assert_problem(admin.get(path), (400, 404))


def test_a_malformed_id_in_a_posting_path_is_a_problem(admin: Api) -> None:
    assert_problem(
        admin.post("/api/v1/classes/not-a-uuid/enrollments", {"officer_id": str(uuid.uuid4())}),
        (400, 404),
    )
    assert_problem(admin.post("/api/v1/officers/nope/transfer", {}), (400, 404))


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/regions", "/no/such/page"])
def test_an_unknown_route_is_a_404_problem(admin: Api, anonymous: Api, path: str) -> None:
    assert_problem(admin.get(path), 404)


def test_a_wrong_method_is_a_405_problem(admin: Api) -> None:
    r = admin.client.delete("/api/v1/regions", headers={"Authorization": f"Bearer {admin.token}"})
    assert_problem(r, 405)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/regions", {"code": "R", "name": "n" * 10_000}, "name"),
        ("/api/v1/regions", {"code": "C" * 10_000, "name": "Long code"}, "code"),
        ("/api/v1/agencies", {"name": "a" * 10_000, "ori": "UT0000000", "region": "X"}, "name"),
    ],
)
def test_huge_strings_are_a_400_not_a_500(
    admin: Api, path: str, body: dict[str, Any], field: str
) -> None:
    assert_problem(admin.post(path, body), 400, field=field)


def test_huge_officer_and_class_fields_are_a_400(region: Region) -> None:
    officer = {
        "post_id": unique("P"),
        "first_name": "x" * 10_000,
        "last_name": "Long",
        "agency_id": region.agency_id,
        "patrol_start_date": "2015-01-01",
    }
    assert_problem(region.coordinator.post("/api/v1/officers", officer), 400, field="first_name")
    email = {**officer, "first_name": "Ok", "email": "a" * 10_000 + "@example.org"}
    assert_problem(region.coordinator.post("/api/v1/officers", email), 400, field="email")
    klass = {
        "course": "CIT-40",
        "region": region.code,
        "start_date": "2030-01-07",
        "end_date": "2030-01-11",
        "location": "L" * 10_000,
        "capacity": 10,
    }
    assert_problem(region.coordinator.post("/api/v1/classes", klass), 400, field="location")
    r = region.coordinator.get("/api/v1/officers", params={"q": "q" * 10_000})
    assert_problem(r, 400)


def test_unicode_names_are_kept_as_given(region: Region) -> None:
    r = region.coordinator.post(
        "/api/v1/officers",
        {
            "post_id": unique("P"),
            "first_name": "Zoë-Ñuñez",
            "last_name": "O'Brien 李小龍 🚓",
            "agency_id": region.agency_id,
            "patrol_start_date": "2015-01-01",
        },
    )
    assert r.status_code == 201, r.text
    officer = r.json()
    assert officer["first_name"] == "Zoë-Ñuñez"
    assert officer["last_name"] == "O'Brien 李小龍 🚓"
    again = region.coordinator.get(f"/api/v1/officers/{officer['id']}").json()
    assert again["last_name"] == "O'Brien 李小龍 🚓"
    found = region.coordinator.get("/api/v1/officers", params={"q": "李小龍"}).json()
    assert [o["id"] for o in found] == [officer["id"]]
    r = region.admin.post("/api/v1/regions", {"code": unique("U"), "name": "Région Økologisk 東"})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Région Økologisk 東"


def test_a_schema_error_lists_every_invalid_parameter(admin: Api) -> None:
    body = assert_problem(admin.post("/api/v1/regions", {"code": 5, "name": ""}), 400)
    assert body["rule"] == "schema"
    names = {p["name"] for p in body["invalid_params"]}
    assert {"code", "name"} <= names
    assert all(p["reason"] for p in body["invalid_params"])


def test_a_domain_error_names_field_and_rule(region: Region) -> None:
    r = region.coordinator.post(
        "/api/v1/agencies", {"name": "Bad", "ori": "XX", "region": region.code}
    )
    body = assert_problem(r, 422, field="ori")
    assert body["rule"] == "ori_format"
    assert body["type"].endswith("ori_format")
    assert body["instance"] == "/api/v1/agencies"


def test_auth_and_role_errors_are_problems(anonymous: Api, region: Region) -> None:
    assert_problem(anonymous.post("/api/v1/regions", {"code": "X", "name": "Y"}), 401)
    assert_problem(region.instructor.post("/api/v1/regions", {"code": "X", "name": "Y"}), 403)


def test_absurdly_nested_json_is_a_400_not_a_500(admin: Api) -> None:
    for content in (b"[" * 100_000, b'{"code": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001):
        body = assert_problem(raw_post(admin, "/api/v1/regions", content, "application/json"), 400)
        assert body["detail"]


def test_a_body_over_the_size_limit_is_a_413_problem(admin: Api) -> None:
    content = b'{"code": "' + b"A" * (11 * 1024 * 1024) + b'", "name": "x"}'
    assert_problem(raw_post(admin, "/api/v1/regions", content, "application/json"), 413)


def test_numbers_out_of_range_are_a_400(admin: Api) -> None:
    for content in (
        b'{"code": 1e400, "name": "x"}',
        b'{"code": "X", "name": ' + b"9" * 5000 + b"}",
    ):
        assert_problem(raw_post(admin, "/api/v1/regions", content, "application/json"), 400)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/agencies", {"name": "NUL PD", "ori": "UT1234567", "region": "X\x00"}),
        (
            "/api/v1/classes",
            {
                "course": "CIT\x00",
                "region": "X",
                "start_date": "2030-01-07",
                "end_date": "2030-01-08",
                "location": "x",
                "capacity": 3,
            },
        ),
        ("/api/v1/regions", {"code": "R\x00", "name": "x"}),
        ("/api/v1/regions", {"code": unique("R"), "name": "nul\x00name"}),
    ],
)
def test_a_nul_character_is_a_4xx_on_every_database(
    admin: Api, path: str, body: dict[str, Any]
) -> None:
    # PostgreSQL cannot store NUL in text at all; the registry must say so, not fail.
    assert_problem(admin.post(path, body), (400, 404))


def test_a_nul_character_in_a_search_is_refused_naming_q(region: Region) -> None:
    region.officer()
    r = region.coordinator.get("/api/v1/officers", params={"q": "a\x00"})
    assert_problem(r, 400, field="q")
    assert_problem(region.coordinator.get("/api/v1/officers", params={"q": "\x00"}), 400, field="q")


def test_a_nul_character_in_an_id_in_the_path_is_a_4xx(admin: Api) -> None:
    assert_problem(admin.get("/api/v1/credentials/AB%00CD"), (400, 404))
    assert_problem(admin.get("/api/v1/officers/%00"), (400, 404))


def test_an_unreachable_database_is_a_503_with_retry_after(
    settings: Settings, registry_log: KeptLog
) -> None:
    # Nothing listens on port 9: every query fails to connect, as when the database is down.
    down = replace(settings, database_url="postgresql+psycopg://postgres@127.0.0.1:9/test")
    with TestClient(create_app(down)) as client:
        answers = {
            "public page": client.get("/c/ABCDEFGHJKMNPQRS", headers=JSON),
            "lookup": client.post(
                "/lookup", data={"post_id": "P1", "last_name": "X"}, headers=JSON
            ),
            "API with a token": client.get(
                "/api/v1/regions", headers={"Authorization": "Bearer citr_secret-token-value"}
            ),
            "status list": client.get("/status/revocation/1"),
        }
        console = client.post("/login", data={"username": "a", "password": "b"})
        page = client.get("/c/ABCDEFGHJKMNPQRS", headers={"Accept": "text/html"})
    for name, answer in answers.items():
        body = assert_problem(answer, 503, rule="database_available")
        assert answer.headers["retry-after"] == "5", name
        assert "nothing was saved" in body["detail"], name
    assert console.status_code in (403, 503)  # no CSRF token: refused before the database
    # The page a phone opens says it in words, and that it says nothing about the certificate.
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "Try again shortly" in page.text and "nothing about the certification" in page.text
    assert any("database unavailable" in line for line in registry_log.lines)
    assert "secret-token-value" not in " ".join(registry_log.lines)


def test_a_constraint_race_is_a_409_wherever_the_database_refuses_it(settings: Settings) -> None:
    # The services check before they write; what they cannot see is a row another request
    # saved a moment earlier. Two handlers, registered on a private app, play that race: one
    # meets the constraint inside the handler (flush), the other only at the commit.
    code = unique("RACE")

    def twins(session: Session) -> None:
        session.add(RegionRow(code=code, name="first"))
        session.add(RegionRow(code=code, name="second"))

    @post("/race/flush", public=True, sync_to_thread=True, status_code=201)
    def in_handler(session: DbSession) -> None:
        twins(session)
        session.flush()

    @post("/race/commit", public=True, sync_to_thread=True, status_code=201)
    def at_commit(session: DbSession) -> None:
        twins(session)

    app = create_app(settings)
    app.register(in_handler)
    app.register(at_commit)
    with TestClient(app) as client:
        for path in ("/race/flush", "/race/commit"):
            body = assert_problem(client.post(path), 409, rule="integrity")
            assert "nothing was saved" in body["detail"], path
        with unit_of_work(app.state.resources.engine, read_only=True) as session:
            assert session.exec(select(RegionRow).where(RegionRow.code == code)).all() == []

"""A region owns its officers, through the console: enrollment and roster import answer an
officer of another region as unknown, transfers are the losing side's, protected officers move
only by the administrator; classes too far ahead are refused in words."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from registry.common import add_months
from tests.conftest import Region, unique
from tests.console.conftest import csrf_of, make_password_user, sign_in


@pytest.fixture
def two(region_factory: Any, course: dict[str, Any]) -> tuple[Region, Region, dict[str, Any]]:
    """Region `home`; region `away` with a protected officer certified there."""
    home, away = region_factory(), region_factory()
    certified = away.certified(course, protected=True, first_name="Undercover")
    return home, away, certified


def _shows(text: str, officer: dict[str, Any]) -> bool:
    return officer["post_id"] in text or officer["last_name"] in text or officer["id"] in text


def _post(c: TestClient[Any], path: str, page: str, **fields: Any) -> Any:
    return c.post(path, data={"csrf_token": csrf_of(page), **fields}, follow_redirects=False)


def _flash(r: Any) -> str:
    return unquote(r.cookies.get("cit_flash", "") or "")


def test_the_console_enrollment_form_answers_another_regions_officer_as_unknown(
    console_client: TestClient[Any],
    engine: sa.Engine,
    two: tuple[Region, Region, dict[str, Any]],
) -> None:
    home, _, certified = two
    officer = certified["officer"]
    klass = home.klass()
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", home.code))
    path = f"/console/classes/{klass['id']}"
    page = c.get(path).text
    never = unique("P")

    def refusal(post_id: str) -> str:
        answer = _post(c, f"{path}/enroll", page, post_id=post_id)
        assert answer.status_code == 200, answer.text
        table = answer.text[answer.text.index('id="h-refused"') :]
        return str(table[: table.index("</table>")])

    unknown = refusal(never)
    assert "No officer with this POST id." in unknown and never in unknown
    refused = refusal(officer["post_id"])
    # The bulk enrollment's report: the POST id as typed, and the unknown id's words.
    assert refused == unknown.replace(never, officer["post_id"])
    assert officer["last_name"] not in refused and officer["id"] not in refused
    after = c.get(path)
    assert after.status_code == 200
    assert not _shows(after.text, officer)
    assert "Undercover" not in after.text


def test_the_console_roster_import_answers_another_regions_officer_as_unknown(
    console_client: TestClient[Any],
    engine: sa.Engine,
    two: tuple[Region, Region, dict[str, Any]],
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.resources.sign_in_throttle, "per_minute", 0)
    home, _, certified = two
    officer = certified["officer"]
    klass = home.klass()
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", home.code))
    csrf = csrf_of(c.get("/console/import").text)
    r = c.post(
        "/console/import/roster",
        data={"csrf_token": csrf, "class_id": klass["id"]},
        files={"file": ("roster.csv", f"post_id\n{officer['post_id']}\n".encode(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 200, r.text
    assert f"No officer with POST id {officer['post_id']}." in r.text
    assert "certif" not in r.text.lower().replace("certification", "").replace("certify", "")
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", r.text)
    assert home.coordinator.get(f"/api/v1/classes/{klass['id']}/roster").json()["officers"] == []


def test_the_console_refuses_a_class_too_far_ahead_in_words(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    start = add_months(date.today(), 19)
    r = c.post(
        "/console/classes",
        data={
            "csrf_token": csrf_of(c.get("/console/classes").text),
            "course": "CIT-40",
            "region": region.code,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
            "location": "Far Future Academy",
            "capacity": "10",
        },
        follow_redirects=True,
    )
    assert "at most 18 months ahead" in r.text
    assert "Far Future Academy" not in c.get("/console/classes").text


def test_the_console_transfer_is_the_losing_sides_and_protected_officers_the_admins(
    console_client: TestClient[Any], engine: sa.Engine, region_factory: Any, admin: Any
) -> None:
    losing, hiring = region_factory(), region_factory()
    plain, protected = losing.officer(), losing.officer(protected=True)
    c = console_client
    form = {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()}

    sign_in(c, make_password_user(engine, "coordinator", hiring.code))
    page = c.get("/console/officers").text
    for officer in (plain, protected):
        r = _post(c, f"/console/officers/{officer['id']}/transfer", page, **form)
        assert "No officer with this id." in _flash(r)
        # The officer's page is as unknown to the hiring side as any made-up id.
        assert c.get(f"/console/officers/{officer['id']}").status_code == 404
        assert admin.get(f"/api/v1/officers/{officer['id']}").json()["region"] == losing.code
    c.cookies.clear()

    sign_in(c, make_password_user(engine, "coordinator", losing.code))
    page = c.get(f"/console/officers/{protected['id']}").text
    r = _post(c, f"/console/officers/{protected['id']}/transfer", page, **form)
    assert "only the program administrator may transfer it" in _flash(r)
    assert admin.get(f"/api/v1/officers/{protected['id']}").json()["region"] == losing.code
    r = _post(c, f"/console/officers/{plain['id']}/transfer", page, **form)
    assert "Transfer recorded" in _flash(r)
    assert admin.get(f"/api/v1/officers/{plain['id']}").json()["region"] == hiring.code
    # Gone from the losing side's console, as any officer of another region.
    assert c.get(f"/console/officers/{plain['id']}").status_code == 404


def test_the_console_credential_page_links_no_public_certificate_for_a_protected_holder(
    console_client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    protected, plain = region.certified(course, protected=True), region.certified(course)
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    page = c.get(f"/console/credentials/{protected['credential_id']}").text
    assert f"/c/{protected['credential_id']}/certificate.pdf" not in page
    assert "prints the certificate from the wallet link" in page
    page = c.get(f"/console/credentials/{plain['credential_id']}").text
    assert f"/c/{plain['credential_id']}/certificate.pdf" in page

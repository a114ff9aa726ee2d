"""A class week through the console's forms: schedule, enroll, attendance grid, results,
certify with confirmation, then revoke with a reason; plus role and region limits."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from tests.conftest import Region
from tests.console.conftest import CONSOLE_SCRIPT, csrf_of, make_password_user, sign_in


def _post(c: TestClient[Any], path: str, page: str, **fields: Any) -> Any:
    return c.post(path, data={"csrf_token": csrf_of(page), **fields}, follow_redirects=True)


def test_a_coordinator_runs_a_class_from_scheduling_to_certification(
    console_client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    officer = region.officer(last_name="Console")
    start = date.today() - timedelta(days=5)
    page = c.get("/console/classes").text
    r = _post(
        c,
        "/console/classes",
        page,
        course="CIT-40",
        region=region.code,
        start_date=start.isoformat(),
        end_date=(start + timedelta(days=4)).isoformat(),
        location="Console Academy",
        capacity="20",
    )
    assert r.status_code == 200
    assert "Class scheduled." in r.text
    class_path = str(r.url.path)
    assert re.fullmatch(r"/console/classes/[0-9a-f-]{36}", class_path)

    r = _post(c, f"{class_path}/enroll", r.text, post_id=officer["post_id"])
    assert "enrolled." in r.text
    # Refusals are explained in words, and nothing changes.
    r = _post(c, f"{class_path}/enroll", r.text, post_id=officer["post_id"])
    assert "already enrolled" in r.text
    recruit = region.officer(months_on_patrol=3)
    r = _post(c, f"{class_path}/enroll", r.text, post_id=recruit["post_id"])
    assert "months of patrol experience" in r.text

    grid = {f"h:{officer['id']}:{m['code']}": str(m["hours"]) for m in course["modules"]}
    r = _post(c, f"{class_path}/attendance", r.text, **grid)
    assert f"Attendance saved ({len(course['modules'])} cells)." in r.text
    too_many = {f"h:{officer['id']}:{course['modules'][0]['code']}": "99"}
    r = _post(c, f"{class_path}/attendance", r.text, **too_many)
    assert "lasts" in r.text  # the module's hours, in words
    r = _post(
        c,
        f"{class_path}/results",
        r.text,
        **{f"written_exam:{officer['id']}": "pass", f"scenario_evaluation:{officer['id']}": "pass"},
    )
    assert "Results saved for 1 officers." in r.text
    assert "eligible" in r.text

    confirm = c.get(f"{class_path}/certify")
    assert "Yes, certify 1 officer" in confirm.text
    r = _post(c, f"{class_path}/certify", confirm.text)
    assert "1 certification issued." in r.text
    credential_id = re.search(r'href="/console/credentials/([0-9A-Z]+)"', r.text)
    assert credential_id
    cred_path = f"/console/credentials/{credential_id.group(1)}"

    shown = c.get(cred_path)
    assert shown.status_code == 200
    assert "Valid" in shown.text
    # Revocation is final: the first press asks, and nothing changes yet.
    r = _post(c, f"{cred_path}/revoke", shown.text, reason="Training record found falsified")
    assert "<h1>Revoke this credential?</h1>" in r.text
    assert 'value="Training record found falsified"' in r.text
    assert "Revocation is final" in r.text
    assert c.get(cred_path).text.count("Revoke (final)") == 1  # still revocable: not revoked
    r = _post(c, f"{cred_path}/revoke", r.text, reason="", confirm="yes")
    assert "reason" in r.text.lower() and "Credential revoked." not in r.text
    r = _post(
        c, f"{cred_path}/revoke", r.text, reason="Training record found falsified", confirm="yes"
    )
    assert "Credential revoked." in r.text
    assert "Revoked" in r.text
    public = c.get(f"/c/{credential_id.group(1)}", headers={"Accept": "application/json"})
    assert public.json()["verdict"] == "revoked"


def test_every_console_page_renders_for_each_role(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    klass = region.klass()
    officer = region.officer()
    pages = [
        "/console",
        "/console/officers",
        "/console/agencies",
        "/console/classes",
        f"/console/classes/{klass['id']}",
        f"/console/officers/{officer['id']}",
        "/console/expiring",
        "/console/coverage",
        "/console/audit",
        f"/console/audit?officer={officer['post_id']}",
        "/console/courses",
        "/console/courses/CIT-40",
    ]
    for role in ("admin", "coordinator", "instructor"):
        console_client.cookies.clear()
        sign_in(console_client, make_password_user(engine, role, region.code))
        for path in pages:
            r = console_client.get(path)
            assert r.status_code == 200, (role, path, r.text[:300])
            # No script but the console's own file (no inline script: the CSP forbids it).
            assert "<script" not in r.text.replace(CONSOLE_SCRIPT, "")
            assert "style=" not in r.text


def test_an_instructor_cannot_schedule_or_certify_and_sees_why(
    console_client: TestClient[Any], engine: sa.Engine, region: Region
) -> None:
    sign_in(console_client, make_password_user(engine, "instructor", region.code))
    page = console_client.get("/console/classes").text
    assert "Schedule a class" not in page
    r = _post(console_client, "/console/classes", page, course="CIT-40", region=region.code)
    assert r.status_code == 403
    assert "Not allowed" in r.text


def test_a_coordinator_cannot_open_another_regions_class(
    console_client: TestClient[Any], engine: sa.Engine, region_factory: Any
) -> None:
    mine, theirs = region_factory(), region_factory()
    sign_in(console_client, make_password_user(engine, "coordinator", mine.code))
    r = console_client.get(f"/console/classes/{theirs.klass()['id']}")
    assert r.status_code == 403
    assert "another region" in r.text

"""Who reads which audit entries: a coordinator sees what touches their region (its classes and
the officers serving there now, with their credentials and CE), whoever did it; another region
sees none of it; the administrator sees everything."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from tests.conftest import Api, Region, make_user, program_today
from tests.console.conftest import make_password_user, sign_in


def _audit(c: TestClient[Any], engine: sa.Engine, role: str, region: str | None, **q: str) -> str:
    c.cookies.clear()
    sign_in(c, make_password_user(engine, role, region))
    r = c.get("/console/audit", params=q)
    assert r.status_code == 200
    return r.text


def test_a_coordinator_sees_another_coordinators_officer_entries_in_the_region(
    console_client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    region_factory: Any,
    course: dict[str, Any],
) -> None:
    c = console_client
    # A second coordinator of the same region does the work through the API.
    colleague = Api(c, make_user(engine, "coordinator", region.code))
    officer = colleague.post(
        "/api/v1/officers",
        {
            "post_id": "AUD" + region.code[-6:],
            "first_name": "Audit",
            "last_name": "Visible",
            "agency_id": region.agency_id,
            "patrol_start_date": "2019-01-01",
        },
    ).json()
    r = colleague.post(
        f"/api/v1/officers/{officer['id']}/ce",
        {"title": "Refresher", "hours": 4, "completed_on": program_today().isoformat()},
    )
    assert r.status_code == 201, r.text
    issued = region.certified(course)

    page = _audit(c, engine, "coordinator", region.code)
    assert "officer.create" in page and officer["id"] in page
    assert "ce.record" in page
    assert issued["credential_id"] in page  # credential.issue, by the region's class
    assert _audit(c, engine, "instructor", region.code).count(officer["id"]) >= 1
    # Filtered by POST id, too.
    assert officer["id"] in _audit(
        c, engine, "coordinator", region.code, officer=officer["post_id"]
    )

    other = region_factory()
    page = _audit(c, engine, "coordinator", other.code)
    assert officer["id"] not in page and issued["credential_id"] not in page
    for q in (officer["post_id"], officer["id"]):
        assert "No entries." in _audit(c, engine, "coordinator", other.code, officer=q)
    assert officer["id"] in _audit(c, engine, "admin", None, officer=officer["id"])

    # Moved out: the record's history goes with it to the region that now owns the officer.
    r = colleague.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": other.agency_id, "effective_date": date.today().isoformat()},
    )
    assert r.status_code == 200, r.text
    assert "officer.create" in _audit(c, engine, "coordinator", other.code, officer=officer["id"])
    assert "No entries." in _audit(c, engine, "coordinator", region.code, officer=officer["id"])

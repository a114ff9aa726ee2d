"""The officer page's CE form and Renew button, through the console with its CSRF token."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from registry.dates import long_date
from tests.conftest import Region, program_today
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.renewals.conftest import Certified, age, stored


def test_a_coordinator_records_ce_and_renews_from_the_officer_page(
    console_client: TestClient[Any],
    engine: sa.Engine,
    region: Region,
    certified: Certified,
    course: dict[str, Any],
) -> None:
    age(engine, certified.credential_id)  # in the renewal window
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    path = f"/console/officers/{certified.officer['id']}"
    page = c.get(path)
    assert page.status_code == 200
    for label in ("Title <input", "Hours <input", "Completed on <input"):
        assert label in page.text  # every input sits in its label
    assert "style=" not in page.text and "<script>" not in page.text
    renew_path = f"/console/credentials/{certified.credential_id}/renew"
    assert f'action="{renew_path}"' not in page.text  # CE not met yet
    assert "Continuing education" in page.text and "missing" in page.text

    r = c.post(
        f"{path}/ce",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "Annual recertification class",
            "hours": "0",
            "completed_on": program_today().isoformat(),
        },
    )
    assert "hours: Input should be greater than 0" in r.text  # the flash names the field
    assert f'action="{renew_path}"' not in r.text

    r = c.post(
        f"{path}/ce",
        data={
            "csrf_token": csrf_of(r.text),
            "title": "Annual recertification class",
            "hours": str(course["ce_hours_per_cycle"]),
            "completed_on": program_today().isoformat(),
        },
    )
    assert r.status_code == 200
    assert "Annual recertification class" in r.text
    assert f"<td>{long_date(program_today())}</td>" in r.text  # the date as every page writes it
    assert f'action="{renew_path}"' in r.text
    hours = f"{course['ce_hours_per_cycle']:g}"
    assert f"{hours} of {hours} CE hours this cycle" in r.text

    # Without the form's token nothing happens.
    forged = c.post(renew_path, data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert stored(engine, certified.credential_id).superseded_by is None

    r = c.post(renew_path, data={"csrf_token": csrf_of(r.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == path
    page = c.get(path)
    match = re.search(r"Renewed: new credential ([0-9A-Z]+), valid until", page.text)
    assert match, page.text
    successor = match.group(1)
    assert stored(engine, certified.credential_id).superseded_by == successor
    assert stored(engine, successor).renewal_of == certified.credential_id
    # The renewed credential no longer offers renewal; the new one waits for its own CE.
    assert f'action="{renew_path}"' not in page.text
    assert "superseded" in page.text

    again = c.post(renew_path, data={"csrf_token": csrf_of(page.text)})
    assert "already renewed" in again.text


def test_instructors_see_no_ce_form_and_cannot_post_it(
    console_client: TestClient[Any], engine: sa.Engine, region: Region, certified: Certified
) -> None:
    c = console_client
    sign_in(c, make_password_user(engine, "instructor", region.code))
    path = f"/console/officers/{certified.officer['id']}"
    page = c.get(path)
    assert page.status_code == 200
    assert f'action="{path}/ce"' not in page.text
    r = c.post(
        f"{path}/ce",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "x",
            "hours": "4",
            "completed_on": "2025-01-01",
        },
        follow_redirects=False,
    )
    assert r.status_code == 403

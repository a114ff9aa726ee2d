"""A region owns its officers: every route that takes an officer id answers an officer of
another region exactly as an unknown id, the losing side records a transfer, a protected officer
moves only by the administrator, and a refused pull hands nothing over."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from tests.conftest import Region, assert_problem, assert_same_problem

# (method, path template, body) for every API route that takes an officer id.
OFFICER_ROUTES = [
    ("GET", "/api/v1/officers/{id}", None),
    ("PATCH", "/api/v1/officers/{id}", {"protected": False, "last_name": "Renamed"}),
    ("POST", "/api/v1/officers/{id}/wallet-link", {}),
    ("GET", "/api/v1/officers/{id}/ce", None),
    (
        "POST",
        "/api/v1/officers/{id}/ce",
        {"title": "Refresher", "hours": 4, "completed_on": "2025-01-02"},
    ),
    ("POST", "/api/v1/officers/{id}/transfer", None),  # body filled in per test
]


def _call(who: Any, method: str, path: str, body: Any) -> Any:
    if method == "GET":
        return who.get(path)
    if method == "PATCH":
        return who.patch(path, body)
    return who.post(path, body)


@pytest.mark.parametrize(("method", "template", "body"), OFFICER_ROUTES)
def test_every_officer_route_answers_another_regions_officer_as_unknown(
    region_factory: Any, admin: Any, method: str, template: str, body: Any
) -> None:
    home, hiring = region_factory(), region_factory()
    officer = home.officer(protected=True)
    if body is None and method == "POST":
        body = {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()}
    wallet_before = admin.get(f"/api/v1/officers/{officer['id']}").json()
    unknown = _call(hiring.coordinator, method, template.format(id=uuid.uuid4()), body)
    assert_problem(unknown, 404, rule="exists")
    r = _call(hiring.coordinator, method, template.format(id=officer["id"]), body)
    assert_same_problem(r, unknown)
    # Nothing changed: still protected, same name, same region, the same history.
    assert admin.get(f"/api/v1/officers/{officer['id']}").json() == wallet_before
    # The officer's own region still may (moving a protected officer is the administrator's).
    mine = _call(home.coordinator, method, template.format(id=officer["id"]), body)
    if template.endswith("/transfer"):
        assert_problem(mine, 403, rule="protected_transfer")
    else:
        assert mine.status_code in (200, 201), mine.text


def test_a_protected_officer_is_transferred_by_the_administrator_only(
    region_factory: Any, admin: Any
) -> None:
    losing, hiring = region_factory(), region_factory()
    officer = losing.officer(protected=True)
    body = {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()}
    path = f"/api/v1/officers/{officer['id']}/transfer"
    # The losing coordinator can see the officer (and that the record is protected): a 403
    # that says why tells them nothing new.
    assert_problem(losing.coordinator.post(path, body), 403, field="id", rule="protected_transfer")
    # Within the region too: a protected record stays where it is unless the administrator moves it.
    other_agency = losing.coordinator.post(
        "/api/v1/agencies",
        {"name": "Second PD", "ori": "UT" + uuid.uuid4().hex[:7].upper(), "region": losing.code},
    ).json()["id"]
    assert_problem(
        losing.coordinator.post(
            path, {"agency_id": other_agency, "effective_date": date.today().isoformat()}
        ),
        403,
        rule="protected_transfer",
    )
    # The hiring side does not even learn the officer exists.
    assert_problem(hiring.coordinator.post(path, body), 404, rule="exists")
    r = admin.post(path, body)
    assert r.status_code == 200, r.text
    assert r.json()["region"] == hiring.code
    assert r.json()["protected"] is True


def test_a_refused_pull_hands_over_no_records(
    region: Region, region_factory: Any, course: dict[str, Any], anonymous: Any
) -> None:
    """The review's chain: take an officer in by UUID, then rename, unprotect, re-issue the
    wallet link and suspend the credential another region issued. The first step fails, so do
    all the others."""
    issued = region.certified(course, protected=True)
    officer = issued["officer"]
    hiring = region_factory()
    body = {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()}
    assert_problem(hiring.coordinator.post(f"/api/v1/officers/{officer['id']}/transfer", body), 404)
    credential = f"/api/v1/credentials/{issued['credential_id']}"
    for action in ("suspend", "revoke", "reinstate", "renew"):
        r = hiring.coordinator.post(f"{credential}/{action}", {"reason": "taking over"})
        assert_problem(r, 403, rule="region_scope")
        assert_problem(anonymous.post(f"{credential}/{action}", {"reason": "x"}), 401)
    assert_problem(hiring.coordinator.get(credential), 403, rule="region_scope")
    assert_problem(
        hiring.coordinator.post(f"/api/v1/officers/{officer['id']}/wallet-link", {}), 404
    )
    record = region.coordinator.get(credential).json()
    assert record["status"] == "active"
    assert record["wallet_url"] == issued["wallet_url"]
    assert record["holder"]["protected"] is True
    # An instructor of the officer's own region may not move anyone either.
    assert_problem(region.instructor.post(f"/api/v1/officers/{officer['id']}/transfer", body), 403)


def test_after_the_losing_side_moves_the_officer_the_hiring_region_owns_the_record(
    region: Region, region_factory: Any, course: dict[str, Any]
) -> None:
    issued = region.certified(course)
    officer = issued["officer"]
    hiring = region_factory()
    r = region.coordinator.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": hiring.agency_id, "effective_date": date.today().isoformat()},
    )
    assert r.status_code == 200, r.text
    assert hiring.coordinator.get(f"/api/v1/officers/{officer['id']}").status_code == 200
    assert_problem(region.coordinator.get(f"/api/v1/officers/{officer['id']}"), 404)
    credential = f"/api/v1/credentials/{issued['credential_id']}"
    # The rule for credentials as it stands: the holder's region may suspend and reinstate;
    # only the issuing region revokes (it vouched for the training).
    assert (
        hiring.coordinator.post(f"{credential}/suspend", {"reason": "inquiry"}).status_code == 200
    )
    assert hiring.coordinator.post(f"{credential}/reinstate", {"reason": "done"}).status_code == 200
    assert_problem(
        hiring.coordinator.post(f"{credential}/revoke", {"reason": "x"}), 403, rule="region_scope"
    )

"""Renewal cannot be chained: it opens six months before expiry, the new cycle starts at the old
validUntil, CE hours count for one renewal only; and a status change reaches the renewal chain
(revocation: every renewal resting on the credential; suspension and reinstatement: all of it)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from registry.common import add_months, utcnow
from tests.conftest import Api, Region, assert_problem, program_zone
from tests.console.conftest import csrf_of, make_password_user, sign_in
from tests.renewals.conftest import Certified, add_ce, age, audit_actions, certify, stored


def _renew(api: Api, credential_id: str) -> Any:
    return api.post(f"/api/v1/credentials/{credential_id}/renew")


def _renewed(
    region: Region, engine: sa.Engine, certified: Certified, course: dict[str, Any]
) -> str:
    """Renews `certified` in its window with fresh CE hours; answers the successor's id."""
    age(engine, certified.credential_id)
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    r = _renew(region.coordinator, certified.credential_id)
    assert r.status_code == 201, r.text
    return str(r.json()["credential_id"])


def test_renewal_opens_six_months_before_expiry(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    r = _renew(region.coordinator, certified.credential_id)
    body = assert_problem(r, 422, field="valid_until", rule="renewal_window")
    assert "Renewal opens 6 months before expiry" in body["detail"]
    until = stored(engine, certified.credential_id).valid_until
    assert body["opens"] == add_months(until, -6).astimezone(program_zone()).date().isoformat()
    # Just inside the window it opens (the CE recorded today falls in the aged cycle).
    age(engine, certified.credential_id, 18)
    assert _renew(region.coordinator, certified.credential_id).status_code == 201


def test_one_ce_record_renews_once(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    """The review's chain: one 4-hour record renewed a certification again and again."""
    old_until = age(engine, certified.credential_id).valid_until
    record = add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    r = _renew(region.coordinator, certified.credential_id)
    assert r.status_code == 201, r.text
    successor = r.json()["credential_id"]
    # The new cycle starts at the old validUntil, not now.
    assert stored(engine, successor).valid_until == add_months(old_until, course["validity_months"])
    ce = region.coordinator.get(f"/api/v1/officers/{certified.officer['id']}/ce").json()
    assert [(c["id"], c["used_by"]) for c in ce] == [(record["id"], successor)]
    assert "credential.renew" in audit_actions(engine, certified.credential_id)

    # Bring the successor into its own window, its cycle reaching back over the same record:
    # the record is spent, so the chain stops.
    aged = age(engine, successor, course["validity_months"])
    assert aged.valid_from.date() <= utcnow().date() - timedelta(days=1)
    r = _renew(region.coordinator, successor)
    body = assert_problem(r, 422, field="ce_hours", rule="ce_hours")
    assert body["recorded"] == 0
    # New hours renew it.
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    assert _renew(region.coordinator, successor).status_code == 201


def test_revoking_a_renewed_credential_revokes_its_renewals_in_one_answer(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine, anonymous: Api
) -> None:
    successor = _renewed(region, engine, certified, course)
    r = region.coordinator.post(
        f"/api/v1/credentials/{certified.credential_id}/revoke", {"reason": "Roster fraud"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked"
    assert r.json()["also_changed"] == [successor]
    for cid in (certified.credential_id, successor):
        assert stored(engine, cid).status == "revoked"
        assert "credential.revoke" in audit_actions(engine, cid)
        verdict = anonymous.get(f"/c/{cid}", headers={"Accept": "application/json"}).json()
        assert verdict["verdict"] == "revoked"


def test_revoking_a_renewal_leaves_what_it_renewed(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    successor = _renewed(region, engine, certified, course)
    r = region.coordinator.post(f"/api/v1/credentials/{successor}/revoke", {"reason": "Bad CE"})
    assert r.status_code == 200, r.text
    assert r.json()["also_changed"] == []
    assert stored(engine, certified.credential_id).status == "active"


def test_a_suspension_reaches_the_whole_chain_and_so_does_reinstatement(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    successor = _renewed(region, engine, certified, course)
    base = "/api/v1/credentials"
    r = region.coordinator.post(f"{base}/{certified.credential_id}/suspend", {"reason": "Inquiry"})
    assert r.status_code == 200, r.text
    assert r.json()["also_changed"] == [successor]
    assert stored(engine, successor).status == "suspended"
    r = region.coordinator.post(f"{base}/{successor}/reinstate", {"reason": "Cleared"})
    assert r.json()["also_changed"] == [certified.credential_id]
    assert stored(engine, certified.credential_id).status == "active"
    # Suspending the current one suspends the superseded one, which still verifies till expiry.
    r = region.coordinator.post(f"{base}/{successor}/suspend", {"reason": "Inquiry"})
    assert r.json()["also_changed"] == [certified.credential_id]


def test_the_chain_obeys_the_region_rule(
    region: Region,
    certified: Certified,
    course: dict[str, Any],
    engine: sa.Engine,
    region_factory: Any,
    anonymous: Api,
) -> None:
    successor = _renewed(region, engine, certified, course)
    other = region_factory()
    path = f"/api/v1/credentials/{certified.credential_id}"
    assert_problem(other.coordinator.post(f"{path}/revoke", {"reason": "x"}), 403)
    assert_problem(region.instructor.post(f"{path}/revoke", {"reason": "x"}), 403)
    assert_problem(anonymous.post(f"{path}/revoke", {"reason": "x"}), 401)
    assert stored(engine, successor).status == "active"


def test_the_console_says_which_renewals_were_revoked_with_it(
    console_client: TestClient[Any], engine: sa.Engine, region: Region, course: dict[str, Any]
) -> None:
    certified = certify(region, course)
    successor = _renewed(region, engine, certified, course)
    c = console_client
    sign_in(c, make_password_user(engine, "coordinator", region.code))
    path = f"/console/credentials/{certified.credential_id}"
    page = c.get(path)
    r = c.post(
        f"{path}/revoke",
        data={"csrf_token": csrf_of(page.text), "reason": "Fraud", "confirm": "yes"},
    )
    assert r.status_code == 200
    assert f"Credential revoked, and with it the renewals resting on it: {successor}." in r.text
    assert stored(engine, successor).status == "revoked"


def test_a_renewed_certification_revoked_afterwards_reads_revoked_everywhere(
    region: Region,
    certified: Certified,
    course: dict[str, Any],
    engine: sa.Engine,
    client: TestClient[Any],
) -> None:
    original = certified.credential_id
    successor = _renewed(region, engine, certified, course)
    r = region.coordinator.post(f"/api/v1/credentials/{original}/revoke", {"reason": "Fraud"})
    assert r.status_code == 200, r.text
    try:
        assert sign_in(client, make_password_user(engine, "coordinator", region.code)).is_redirect
        page = client.get(f"/console/officers/{certified.officer['id']}").text
        rows = re.findall(
            r'credentials/(\w+)">\w+</a></td>.*?<span class="tag[^"]*">(\w+)<', page, re.S
        )
        assert dict(rows) == {original: "revoked", successor: "revoked"}, rows
        exported = client.get("/console/credentials.csv").content.decode("utf-8-sig")
        states = {r["credential_id"]: r["status"] for r in csv.DictReader(io.StringIO(exported))}
        assert states[original] == states[successor] == "revoked"
        credential_page = client.get(f"/console/credentials/{original}").text
        assert "Change status" not in credential_page  # revoked: no action is offered
    finally:
        client.cookies.clear()
    assert (
        client.get(f"/c/{original}", headers={"Accept": "application/json"}).json()["verdict"]
        == "revoked"
    )

"""Renewing a certification: the CE rule, the new credential, the old one superseded (not
revoked), idempotency, expired credentials, and the expiring list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlmodel import Session, select

from registry.actors import SYSTEM
from registry.common import add_months
from registry.credentials.renewal import renew
from registry.db import new_session
from registry.errors import RuleViolation
from registry.tables.credentials import Credential, StatusAllocation
from tests.conftest import Api, Region, program_zone
from tests.renewals.conftest import (
    Certified,
    add_ce,
    age,
    audit_actions,
    certify,
    payload_of,
    stored,
)

VERDICT_KEYS = {"verdict", "reasons", "checks", "checked_at", "credential"}


def _renew(api: Api, credential_id: str) -> Any:
    return api.post(f"/api/v1/credentials/{credential_id}/renew")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_renewal_is_refused_without_enough_ce_hours(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    age(engine, certified.credential_id)
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"] - 1)
    r = _renew(region.coordinator, certified.credential_id)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["rule"] == "ce_hours"
    assert "Continuing education" in problem["detail"]
    assert problem["recorded"] == course["ce_hours_per_cycle"] - 1


def test_ce_hours_from_before_the_cycle_do_not_count(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    aged = age(engine, certified.credential_id)
    before_cycle = aged.valid_from.date() - timedelta(days=30)
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"], on=before_cycle)
    r = _renew(region.coordinator, certified.credential_id)
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == "ce_hours"
    assert r.json()["recorded"] == 0


def test_early_renewal_keeps_the_remaining_time_and_both_credentials_verify(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    old_id = certified.credential_id
    old_until = age(engine, old_id).valid_until
    # Once seen, the public page is answered from memory; the renewal must still show on it.
    for _ in range(2):
        assert "Renewed" not in region.coordinator.client.get(f"/c/{old_id}").text
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    r = _renew(region.coordinator, old_id)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["renewal_of"] == old_id
    assert new["credential_id"] == new["id"] != old_id
    assert new["verify_url"].endswith(f"/c/{new['credential_id']}")
    assert new["wallet_url"] == certified.issued["wallet_url"]

    old_payload = payload_of(certified.issued["token"])
    new_payload = payload_of(new["token"])
    # The new cycle starts where the old one ends: renewing early loses nothing.
    assert new_payload["validUntil"] == _iso(add_months(old_until, course["validity_months"]))
    assert new_payload["credentialSubject"] == old_payload["credentialSubject"]

    for token in (new["token"], certified.issued["token"]):
        verdict = region.coordinator.post("/api/v1/verify", {"token": token}).json()
        assert verdict["verdict"] == "valid", verdict["reasons"]

    old_record = region.coordinator.get(f"/api/v1/credentials/{old_id}").json()
    assert old_record["status"] == "active"  # superseded, not revoked
    assert old_record["superseded_by"] == new["credential_id"]
    new_record = region.coordinator.get(f"/api/v1/credentials/{new['credential_id']}").json()
    assert new_record["renewal_of"] == old_id
    assert new_record["superseded_by"] is None

    page = region.coordinator.client.get(f"/c/{old_id}")
    assert "Renewed: superseded by a newer credential valid until" in page.text
    assert f'href="{new["verify_url"]}"' in page.text
    verdict = region.coordinator.client.get(
        f"/c/{old_id}", headers={"Accept": "application/json"}
    ).json()
    assert set(verdict) == VERDICT_KEYS  # the promised shape, nothing added
    assert verdict["verdict"] == "valid"

    stored_new, stored_old = stored(engine, new["credential_id"]), stored(engine, old_id)
    assert stored_new.generation == stored_old.generation + 1
    assert stored_new.class_id == stored_old.class_id
    assert "credential.renew" in audit_actions(engine, old_id)
    assert "credential.issue" in audit_actions(engine, new["credential_id"])


def test_a_renewed_credential_gets_a_fresh_status_list_index(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    age(engine, certified.credential_id)
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    new_id = _renew(region.coordinator, certified.credential_id).json()["credential_id"]
    new = stored(engine, new_id)
    with Session(engine) as session:
        sharing = session.exec(
            select(Credential.id).where(
                Credential.status_list == new.status_list,
                Credential.status_index == new.status_index,
            )
        ).all()
        allocated = session.get(StatusAllocation, (new.status_list, new.status_index))
    assert sharing == [new_id]
    assert allocated is not None
    status = payload_of(new.token)["credentialStatus"]
    assert status["statusListIndex"] == str(new.status_index)
    # Revoking the new one leaves the old one valid: their bits are separate.
    r = region.coordinator.post(f"/api/v1/credentials/{new_id}/revoke", {"reason": "test"})
    assert r.status_code == 200, r.text
    old_token = stored(engine, certified.credential_id).token
    assert region.coordinator.post("/api/v1/verify", {"token": old_token}).json()["verdict"] == (
        "valid"
    )


def test_renewing_twice_is_refused_naming_the_successor(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine
) -> None:
    age(engine, certified.credential_id)
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    first = _renew(region.coordinator, certified.credential_id)
    assert first.status_code == 201, first.text
    again = _renew(region.coordinator, certified.credential_id)
    assert again.status_code == 422, again.text
    assert again.json()["rule"] == "already_renewed"
    assert again.json()["superseded_by"] == first.json()["credential_id"]
    assert first.json()["credential_id"] in again.json()["detail"]


@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_a_revoked_or_suspended_credential_cannot_be_renewed(
    region: Region, certified: Certified, course: dict[str, Any], action: str
) -> None:
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    r = region.coordinator.post(
        f"/api/v1/credentials/{certified.credential_id}/{action}", {"reason": "misconduct"}
    )
    assert r.status_code == 200, r.text
    r = _renew(region.coordinator, certified.credential_id)
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == "active"


def test_only_office_roles_of_the_region_renew(
    region: Region, certified: Certified, course: dict[str, Any], region_factory: Any
) -> None:
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    assert _renew(region.instructor, certified.credential_id).status_code == 403
    other = region_factory()
    assert _renew(other.coordinator, certified.credential_id).status_code == 403
    assert _renew(region.coordinator, "0" * 26).status_code == 404


def test_an_expired_credential_renews_within_a_year_of_expiry_but_not_after(
    region: Region, certified: Certified, course: dict[str, Any], engine: sa.Engine, app: Litestar
) -> None:
    add_ce(region, certified.officer["id"], course["ce_hours_per_cycle"])
    issuer = app.state.resources.issuer
    old = stored(engine, certified.credential_id)
    months = course["validity_months"]

    # Every attempt is rolled back: the shared database keeps no credentials from the future.
    session = new_session(engine)
    try:
        later = add_months(old.valid_until, 11)
        new = renew(session, SYSTEM, issuer, old.id, program_zone(), now=later)
        assert new.renewal_of == old.id
        assert new.valid_from == later
        # Past expiry the new cycle still starts at the old expiry: renewing late gains nothing.
        assert new.valid_until == add_months(old.valid_until, months)
    finally:
        session.rollback()
        session.close()

    session = new_session(engine)
    try:
        with pytest.raises(RuleViolation) as refused:
            renew(
                session, SYSTEM, issuer, old.id, program_zone(), now=add_months(old.valid_until, 13)
            )
        assert refused.value.rule == "renewal_window"
        assert "retake the course" in refused.value.detail
    finally:
        session.rollback()
        session.close()
    assert stored(engine, old.id).superseded_by is None


def test_expiring_lists_credentials_in_the_region_and_leaves_out_renewed_ones(
    region: Region, course: dict[str, Any], region_factory: Any, engine: sa.Engine
) -> None:
    kept, renewed = certify(region, course), certify(region, course)
    age(engine, renewed.credential_id)
    add_ce(region, renewed.officer["id"], course["ce_hours_per_cycle"])
    assert _renew(region.coordinator, renewed.credential_id).status_code == 201

    r = region.coordinator.get("/api/v1/expiring", params={"days": 800})
    assert r.status_code == 200, r.text
    ids = {row["credential_id"] for row in r.json()}
    assert kept.credential_id in ids
    assert renewed.credential_id not in ids  # superseded: nothing left to do
    row = next(row for row in r.json() if row["credential_id"] == kept.credential_id)
    assert row["post_id"] == kept.officer["post_id"]
    assert 700 < row["days_left"] <= 800

    assert kept.credential_id not in {
        row["credential_id"] for row in region.coordinator.get("/api/v1/expiring").json()
    }  # 90 days by default
    other = region_factory()
    assert kept.credential_id not in {
        row["credential_id"]
        for row in other.coordinator.get("/api/v1/expiring", params={"days": 800}).json()
    }
    assert region.instructor.get("/api/v1/expiring").status_code == 403
    assert region.coordinator.get("/api/v1/expiring", params={"days": 0}).status_code == 400

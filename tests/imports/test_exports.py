"""CSV exports: roster, credentials, coverage and expiring; what was entered comes back out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from registry.db import unit_of_work
from registry.tables.credentials import Credential
from registry.tables.people import Officer
from tests.conftest import Api, Region, graduate, program_zone
from tests.imports import parse_csv


def download(api: Api, path: str, **params: Any) -> list[dict[str, str]]:
    r = api.get(path, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.content.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    return parse_csv(r.content)


def certified(
    region: Region, course: dict[str, Any], **fields: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    klass = region.klass()
    officer = region.officer(**fields)
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    return klass, officer, r.json()["issued"][0]["credential_id"]


def test_the_roster_export_holds_standings_and_credentials(
    region: Region, course: dict[str, Any]
) -> None:
    klass, officer, credential_id = certified(region, course, first_name="Zoë")
    waiting = region.officer()
    r = region.coordinator.post(
        f"/api/v1/classes/{klass['id']}/enrollments", {"officer_id": waiting["id"]}
    )
    assert r.status_code == 201, r.text
    rows = {
        r["post_id"]: r
        for r in download(region.instructor, f"/api/v1/classes/{klass['id']}/roster.csv")
    }
    done = rows[officer["post_id"]]
    assert done["name"] == f"Zoë {officer['last_name']}"
    assert done["hours"] == "40"
    assert done["written_exam"] == "pass" and done["scenario_evaluation"] == "pass"
    assert done["eligible"] == "yes" and done["credential_id"] == credential_id
    pending = rows[waiting["post_id"]]
    assert pending["eligible"] == "no" and pending["credential_id"] == ""
    assert "Written exam result not recorded." in pending["reasons"]
    assert len(pending["missing_modules"].split()) == len(course["modules"])
    # Wallet links are capabilities: the instructor's roster has none, the coordinator's has the
    # graduate's (and none for an officer not yet certified).
    assert done["wallet_url"] == "" and pending["wallet_url"] == ""
    mine = {
        r["post_id"]: r
        for r in download(region.coordinator, f"/api/v1/classes/{klass['id']}/roster.csv")
    }
    assert mine[officer["post_id"]]["wallet_url"].startswith("https://registry.test/wallet/")
    assert mine[waiting["post_id"]]["wallet_url"] == ""


def test_exports_neutralise_cells_excel_would_run_as_formulas(
    region: Region, course: dict[str, Any]
) -> None:
    formula = '=HYPERLINK("https://evil.example","click")'
    klass, officer, _ = certified(region, course, first_name=formula, last_name="+SUM(A1)")
    roster = download(region.coordinator, f"/api/v1/classes/{klass['id']}/roster.csv")
    assert roster[0]["name"] == f"'{formula} +SUM(A1)"
    expiring = download(region.coordinator, "/api/v1/expiring.csv", days=3000)
    row = next(e for e in expiring if e["post_id"] == officer["post_id"])
    assert row["name"].startswith("'=HYPERLINK(")


def test_credentials_export_lists_the_regions_credentials_without_protected_names(
    region: Region, course: dict[str, Any], region_factory: Any
) -> None:
    _, plain, plain_id = certified(region, course, last_name="Visible")
    _, hidden, hidden_id = certified(region, course, last_name="Undercover", protected=True)
    other = region_factory()
    _, _, elsewhere_id = certified(other, course)
    r = region.coordinator.get("/api/v1/credentials.csv")
    assert "Undercover" not in r.content.decode("utf-8-sig")
    rows = {c["credential_id"]: c for c in download(region.coordinator, "/api/v1/credentials.csv")}
    assert rows[plain_id]["name"] == f"Jane {plain['last_name']}"
    assert rows[plain_id]["post_id"] == plain["post_id"]
    assert rows[plain_id]["status"] == "active"
    assert rows[plain_id]["course"] == "CIT-40"
    assert rows[plain_id]["verify_url"] == f"https://registry.test/c/{plain_id}"
    assert rows[hidden_id]["name"] == "(protected)"
    assert rows[hidden_id]["post_id"] == hidden["post_id"]
    assert elsewhere_id not in rows
    everything = {c["credential_id"] for c in download(region.admin, "/api/v1/credentials.csv")}
    assert {plain_id, hidden_id, elsewhere_id} <= everything


def test_credentials_export_needs_a_coordinator(region: Region) -> None:
    assert region.instructor.get("/api/v1/credentials.csv").status_code == 403


def test_coverage_export_counts_the_agencys_officers(
    region: Region, course: dict[str, Any]
) -> None:
    certified(region, course)
    region.officer()
    rows = download(region.coordinator, "/api/v1/coverage.csv")
    assert {r["region"] for r in rows} == {region.code}
    (agency,) = rows
    assert agency["agency"] == f"Police {region.code}"
    assert (agency["officers"], agency["certified_valid"], agency["share_percent"]) == (
        "2",
        "1",
        "50.0",
    )
    assert agency["expiring_90_days"] == "0"


def test_expiring_export_takes_a_window_in_days(region: Region, course: dict[str, Any]) -> None:
    _, officer, credential_id = certified(region, course)
    soon = download(region.coordinator, "/api/v1/expiring.csv", days=90)
    assert credential_id not in {e["credential_id"] for e in soon}
    later = download(region.coordinator, "/api/v1/expiring.csv", days=800)
    row = next(e for e in later if e["credential_id"] == credential_id)
    assert row["post_id"] == officer["post_id"]
    assert 700 < int(row["days_left"]) <= 800
    assert region.coordinator.get("/api/v1/expiring.csv", params={"days": 0}).status_code == 400


def test_roster_export_of_another_region_is_forbidden(region: Region, region_factory: Any) -> None:
    other = region_factory()
    klass = other.klass()
    assert region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster.csv").status_code == 403


def test_credentials_export_has_the_wallet_link_of_officers_serving_in_the_region(
    region: Region, course: dict[str, Any], region_factory: Any, engine: sa.Engine
) -> None:
    _, here, here_id = certified(region, course)
    _, gone, gone_id = certified(region, course)
    other = region_factory()
    # The officer moved to another region's agency (the losing side records a transfer): the
    # credential stays listed (issued here), but the wallet link, the officer's private page,
    # is now the other region's to give.
    r = region.coordinator.post(
        f"/api/v1/officers/{gone['id']}/transfer",
        {"agency_id": other.agency_id, "effective_date": date.today().isoformat()},
    )
    assert r.status_code == 200, r.text
    with unit_of_work(engine, read_only=True) as session:
        keys = {
            o.id: o.wallet_key
            for o in session.exec(
                select(Officer).where(
                    col(Officer.id).in_([uuid.UUID(here["id"]), uuid.UUID(gone["id"])])
                )
            )
        }
    rows = {c["credential_id"]: c for c in download(region.coordinator, "/api/v1/credentials.csv")}
    assert (
        rows[here_id]["wallet_url"] == f"https://registry.test/wallet/{keys[uuid.UUID(here['id'])]}"
    )
    assert rows[gone_id]["wallet_url"] == ""
    everything = {c["credential_id"]: c for c in download(region.admin, "/api/v1/credentials.csv")}
    assert everything[gone_id]["wallet_url"].startswith("https://registry.test/wallet/")


def test_credentials_export_says_each_credentials_state(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    """The status column as the pages say it (credentials/display.py), read from plain rows:
    revoked and suspended by status, expired by date, renewed once superseded unless revoked."""
    ids = [certified(region, course)[2] for _ in range(6)]
    past = datetime.now(UTC) - timedelta(days=1)
    changes: list[dict[str, Any]] = [
        {},
        {"status": "revoked"},
        {"status": "suspended"},
        {"valid_until": past, "valid_from": past - timedelta(days=30)},
        {"superseded_by": ids[0]},
        {"superseded_by": ids[0], "status": "revoked"},
    ]
    with unit_of_work(engine) as session:
        for credential_id, change in zip(ids, changes, strict=True):
            if change:
                session.execute(
                    sa.update(Credential).where(col(Credential.id) == credential_id).values(change)
                )
    rows = {r["credential_id"]: r for r in download(region.coordinator, "/api/v1/credentials.csv")}
    assert [rows[i]["status"] for i in ids] == [
        "active", "revoked", "suspended", "expired", "renewed", "revoked",
    ]  # fmt: skip
    assert rows[ids[3]]["valid_until"] == past.astimezone(program_zone()).date().isoformat()

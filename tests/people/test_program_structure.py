"""Changing the program's structure: renaming regions, editing agencies, importing agencies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from registry.db import unit_of_work
from registry.tables.audit import AuditEntry
from tests.conftest import Api, Region, assert_problem, unique


def new_ori() -> str:
    return "UT" + uuid.uuid4().hex[:7].upper()


def test_the_administrator_renames_a_region_and_its_code_stays(admin: Api, region: Region) -> None:
    r = admin.patch(f"/api/v1/regions/{region.code.lower()}", {"name": "Bear River Valley"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": region.id, "code": region.code, "name": "Bear River Valley"}
    listed = {x["code"]: x["name"] for x in admin.get("/api/v1/regions").json()}
    assert listed[region.code] == "Bear River Valley"


def test_a_coordinator_cannot_rename_a_region(region: Region) -> None:
    r = region.coordinator.patch(f"/api/v1/regions/{region.code}", {"name": "Mine now"})
    assert_problem(r, 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Renamed", "code": "NEW"}, "code"),
        ({}, "name"),
    ],
)
def test_a_bad_region_rename_names_the_field(
    admin: Api, region: Region, body: dict[str, Any], field: str
) -> None:
    assert_problem(admin.patch(f"/api/v1/regions/{region.code}", body), (400, 422), field=field)


def test_renaming_an_unknown_region_is_404(admin: Api) -> None:
    assert_problem(admin.patch("/api/v1/regions/NOPE-XYZ", {"name": "x"}), 404, field="code")


def test_a_coordinator_renames_an_agency_and_corrects_its_ori(region: Region) -> None:
    ori = new_ori()
    r = region.coordinator.patch(
        f"/api/v1/agencies/{region.agency_id}", {"name": "Ogden Police", "ori": ori.lower()}
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Ogden Police"
    assert r.json()["ori"] == ori
    again = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}").json()
    assert (again["name"], again["ori"], again["region"]) == ("Ogden Police", ori, region.code)


def test_an_agency_ori_must_be_well_formed_and_unique(region: Region, region_factory: Any) -> None:
    other = region_factory()
    taken = other.coordinator.get(f"/api/v1/agencies/{other.agency_id}").json()["ori"]
    path = f"/api/v1/agencies/{region.agency_id}"
    assert_problem(region.coordinator.patch(path, {"ori": "UT12"}), 422, field="ori")
    assert_problem(region.coordinator.patch(path, {"ori": taken}), 409, field="ori", rule="unique")
    # Its own ORI again is no change, not a conflict with itself.
    own = region.coordinator.get(path).json()["ori"]
    assert region.coordinator.patch(path, {"ori": own}).status_code == 200


def test_only_the_administrator_moves_an_agency_to_another_region(
    region: Region, region_factory: Any
) -> None:
    other = region_factory()
    path = f"/api/v1/agencies/{region.agency_id}"
    r = region.coordinator.patch(path, {"region": other.code})
    assert_problem(r, 403, field="region", rule="role")
    assert region.coordinator.get(path).json()["region"] == region.code
    r = region.admin.patch(path, {"region": other.code})
    assert r.status_code == 200, r.text
    assert r.json()["region"] == other.code
    # The agency and the officers serving there now belong to the other region.
    assert_problem(region.coordinator.get(path), 403)
    assert other.coordinator.get(path).status_code == 200


def test_another_regions_coordinator_cannot_edit_an_agency(
    region: Region, region_factory: Any
) -> None:
    other = region_factory()
    r = other.coordinator.patch(f"/api/v1/agencies/{region.agency_id}", {"name": "Taken"})
    assert_problem(r, 403, rule="region_scope")
    assert region.coordinator.get(f"/api/v1/agencies/{region.agency_id}").json()["name"] != (
        "Taken"
    )


def test_an_agency_edit_refuses_unknown_fields(region: Region) -> None:
    r = region.coordinator.patch(f"/api/v1/agencies/{region.agency_id}", {"id": str(uuid.uuid4())})
    assert_problem(r, 400)


# ---- agency import ------------------------------------------------------------------------


def post_csv(api: Api, body: str) -> Any:
    return api.post(
        "/api/v1/imports/agencies", content=body.encode(), headers={"Content-Type": "text/csv"}
    )


def test_agencies_import_from_csv_all_rows(region: Region) -> None:
    oris = [new_ori(), new_ori()]
    body = "name,ori,region\n" + "".join(
        f"Agency {i},{ori},{region.code}\n" for i, ori in enumerate(oris)
    )
    r = post_csv(region.coordinator, body)
    assert r.status_code == 200, r.text
    assert r.json() == {"saved": 2}
    listed = {a["ori"] for a in region.coordinator.get("/api/v1/agencies").json()}
    assert set(oris) <= listed


def test_a_refused_agency_row_saves_nothing_and_names_each_row(
    region: Region, region_factory: Any
) -> None:
    other = region_factory()
    good, dup = new_ori(), new_ori()
    body = (
        "name,ori,region\n"
        f"Good PD,{good},{region.code}\n"
        f"Bad ORI PD,UT1,{region.code}\n"
        f"Twice PD,{dup},{region.code}\n"
        f"Twice Again PD,{dup},{region.code}\n"
        f"Elsewhere PD,{new_ori()},{other.code}\n"
        f"Nowhere PD,{new_ori()},NO-SUCH-{unique()}\n"
        f",{new_ori()},{region.code}\n"
    )
    problem = assert_problem(
        post_csv(region.coordinator, body), 422, field="file", rule="import_rows"
    )
    rows = {(e["line"], e["field"]) for e in problem["rows"]}
    assert rows == {(3, "ori"), (5, "ori"), (6, "region"), (7, "region"), (8, "name")}, rows
    by_line = {e["line"]: e["reason"] for e in problem["rows"]}
    assert "another region" in by_line[6]
    listed = {a["ori"] for a in region.admin.get("/api/v1/agencies").json()}
    assert good not in listed and dup not in listed


def test_an_agency_file_without_its_columns_is_refused(region: Region) -> None:
    r = post_csv(region.coordinator, "name,ori\nX PD,UT0000001\n")
    assert_problem(r, 400, field="file", rule="header")


def test_region_and_agency_changes_are_audited(
    admin: Api, region: Region, engine: sa.Engine
) -> None:
    admin.patch(f"/api/v1/regions/{region.code}", {"name": "Audited Region"})
    region.coordinator.patch(f"/api/v1/agencies/{region.agency_id}", {"name": "Audited PD"})
    with unit_of_work(engine, read_only=True) as session:
        entries = session.exec(
            select(AuditEntry).where(
                col(AuditEntry.entity_id).in_([region.id, region.agency_id]),
                col(AuditEntry.action).in_(["region.update", "agency.update"]),
            )
        ).all()
        changes = {(e.action, (e.after or {}).get("name")) for e in entries}
    assert changes == {("region.update", "Audited Region"), ("agency.update", "Audited PD")}

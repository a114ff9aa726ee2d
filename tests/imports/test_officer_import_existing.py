"""Officer imports that meet officers already registered: refuse the file, skip them, or update
them from it, with a preview of what would change that keeps nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Region, assert_problem, unique
from tests.imports import HEADER, agency_ori, find_officer, post_csv
from tests.imports.test_officer_import import row

PATH = "/api/v1/imports/officers"


def officer_of(region: Region, post_id: str) -> dict[str, Any]:
    (found,) = find_officer(region.coordinator, post_id)
    return found


def test_by_default_an_existing_officer_refuses_the_file(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    known = region.officer()
    new = unique("NEW")
    body = "\n".join([HEADER, row(known["post_id"], ori), row(new, ori), ""])
    problem = assert_problem(post_csv(region.coordinator, PATH, body), 422, rule="import_rows")
    assert [e["line"] for e in problem["rows"]] == [2]
    assert find_officer(region.coordinator, new) == []


def test_skip_imports_the_new_and_leaves_the_known_as_they_are(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    known = region.officer(first_name="Kept")
    new = unique("NEW")
    body = "\n".join([HEADER, row(known["post_id"], ori, first="Changed"), row(new, ori), ""])
    r = post_csv(region.coordinator, f"{PATH}?existing=skip", body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["saved"] == 1
    assert [c["post_id"] for c in answer["created"]] == [new.upper()]
    assert [c["post_id"] for c in answer["skipped"]] == [known["post_id"]]
    assert officer_of(region, known["post_id"])["first_name"] == "Kept"


def test_a_preview_says_what_an_update_would_change_and_keeps_nothing(region: Region) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    known = region.officer(first_name="Ann", email="old@example.org")
    new = unique("NEW")
    body = "\n".join(
        [
            HEADER,
            row(
                known["post_id"],
                ori,
                first="Anne",
                last=known["last_name"],
                email="new@example.org",
                start=known["patrol_start_date"],
            ),
            row(new, ori),
            "",
        ]
    )
    r = post_csv(region.coordinator, f"{PATH}?existing=update&preview=true", body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["preview"] is True
    (update,) = answer["updated"]
    assert update["changes"] == {
        "first_name": {"before": "Ann", "after": "Anne"},
        "email": {"before": "old@example.org", "after": "new@example.org"},
    }
    assert [c["post_id"] for c in answer["created"]] == [new.upper()]
    # Nothing of it was kept.
    assert find_officer(region.coordinator, new) == []
    assert officer_of(region, known["post_id"])["first_name"] == "Ann"

    r = post_csv(region.coordinator, f"{PATH}?existing=update", body)
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 2
    after = officer_of(region, known["post_id"])
    assert (after["first_name"], after["email"]) == ("Anne", "new@example.org")


def test_an_update_never_lifts_protection_nor_moves_an_officer(
    region: Region, region_factory: Any
) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    secret = region.officer(protected=True)
    body = "\n".join([HEADER, row(secret["post_id"], ori, protected="no"), ""])
    r = post_csv(region.coordinator, f"{PATH}?existing=update", body)
    assert r.status_code == 200, r.text
    assert officer_of(region, secret["post_id"])["protected"] is True
    # Another agency in the file is a transfer, which an import does not make.
    other_agency = region.coordinator.post(
        "/api/v1/agencies",
        {"name": unique("PD "), "ori": "UT" + unique()[-7:].rjust(7, "0"), "region": region.code},
    )
    assert other_agency.status_code == 201, other_agency.text
    moved = "\n".join([HEADER, row(secret["post_id"], other_agency.json()["ori"]), ""])
    problem = assert_problem(
        post_csv(region.coordinator, f"{PATH}?existing=update", moved), 422, rule="import_rows"
    )
    assert "record a transfer" in problem["rows"][0]["reason"]


def test_another_regions_officer_is_never_updated_nor_named(
    region: Region, region_factory: Any
) -> None:
    other = region_factory()
    theirs = other.officer(first_name="Theirs")
    ori = agency_ori(region.coordinator, region.agency_id)
    body = "\n".join([HEADER, row(theirs["post_id"], ori, first="Mine"), ""])
    for mode in ("skip", "update"):
        r = post_csv(region.coordinator, f"{PATH}?existing={mode}", body)
        problem = assert_problem(r, 422, rule="import_rows")
        # The POST id is taken statewide, as when creating one: nothing more is said.
        assert problem["rows"][0]["reason"].endswith("is already registered.")
        assert theirs["last_name"] not in r.text and "Theirs" not in r.text
    assert officer_of(other, theirs["post_id"])["first_name"] == "Theirs"


def test_an_unknown_mode_names_the_parameter(region: Region) -> None:
    r = post_csv(region.coordinator, f"{PATH}?existing=merge", f"{HEADER}\n")
    assert_problem(r, 400, field="existing")

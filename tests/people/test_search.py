"""The officer search (issue 24): "contains" over the POST id and the full name, accents and case
aside, through a trigram index on both databases (people/search.py, migration 0018); and an
agency's officers read off an index in name order. What the database plans is read with EXPLAIN:
no timing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Region, unique
from tests.console.conftest import make_password_user, sign_in

LAST_MONTH = (date.today() - timedelta(days=30)).isoformat()  # after the officers' start


def found(api: Any, q: str, **params: Any) -> list[str]:
    r = api.get("/api/v1/officers", params={"q": q, "limit": 500, **params})
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()]


def test_a_name_is_found_by_any_part_of_it_accents_and_case_aside(region: Region) -> None:
    token = unique()
    zoe = region.officer(first_name="Zoë-Ñuñez", last_name=f"O'Brien-{token}")
    emile = region.officer(first_name="Émile", last_name=f"Straße{token}")
    c = region.coordinator
    assert found(c, token.lower()) == [zoe["id"], emile["id"]]  # by last name
    assert found(c, f"o'brien-{token}") == [zoe["id"]]
    assert found(c, f"O'BRIEN-{token[:4]}") == [zoe["id"]]
    # Accents either way, case beyond ASCII, across the first and last names.
    assert found(c, f"zoe-nunez o'brien-{token}") == [zoe["id"]]
    assert found(c, f"ZOË-ÑUÑEZ O'Brien-{token}") == [zoe["id"]]
    assert found(c, f"emile strasse{token}") == [emile["id"]]
    assert found(c, f"ÉMILE STRASSE{token}") == [emile["id"]]
    assert found(c, f"Straße{token}") == [emile["id"]]
    # A hyphen or an apostrophe is a character like any other: the name without it is not it.
    assert found(c, f"obrien-{token}") == []
    assert found(c, f"o'brien {token}") == []


def test_a_post_id_is_found_whole_or_in_part(region: Region) -> None:
    officer = region.officer()
    post_id = officer["post_id"]
    c = region.coordinator
    assert found(c, post_id) == [officer["id"]]
    assert found(c, post_id.lower()) == [officer["id"]]
    assert officer["id"] in found(c, post_id[:-2])  # the start
    assert found(c, post_id[2:]) == [officer["id"]]  # the rest: unique in the region and state
    assert found(c, post_id + "0") == []


def test_short_terms_are_found_too(region: Region) -> None:
    """Fewer than three characters have no trigram: the search reads the folded text itself."""
    ng = region.officer(first_name="Ngozi", last_name=unique("Ng "))
    jane = region.officer(first_name="Jane", last_name=unique("Doe"))
    c = region.coordinator  # their region holds these two officers alone
    assert found(c, "NG") == [ng["id"]]
    assert found(c, "ñg") == [ng["id"]]
    assert found(c, "j") == [jane["id"]]
    assert set(found(c, "")) == {ng["id"], jane["id"]}


def test_the_search_follows_a_rename_and_a_transfer(
    region: Region, region_factory: Any, admin: Any
) -> None:
    old, new = unique('Old "Q"'), unique("New")  # a quote, as FTS5's query syntax has them
    officer = region.officer(last_name=old)
    c = region.coordinator
    assert found(c, old) == [officer["id"]]
    r = c.patch(f"/api/v1/officers/{officer['id']}", {"last_name": new})
    assert r.status_code == 200, r.text
    assert found(c, old) == []
    assert found(c, new) == [officer["id"]]
    elsewhere = region_factory()
    r = c.post(
        f"/api/v1/officers/{officer['id']}/transfer",
        {"agency_id": elsewhere.agency_id, "effective_date": LAST_MONTH},
    )
    assert r.status_code == 200, r.text
    # Region scoping follows the officer's agency now: the old region finds them no more.
    assert found(c, new) == []
    assert found(elsewhere.coordinator, new) == [officer["id"]]
    assert found(admin, new) == [officer["id"]]


def test_a_protected_officer_is_found_by_their_own_region_only(
    region: Region, region_factory: Any
) -> None:
    name = unique("Hidden")
    hidden = region.officer(last_name=name, protected=True)
    assert found(region.coordinator, name) == [hidden["id"]]
    assert found(region_factory().coordinator, name) == []
    assert found(region_factory().coordinator, hidden["post_id"]) == []


def test_an_agencys_page_lists_who_serves_there_now(
    region: Region, region_factory: Any, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    stays = region.officer(last_name=unique("Stays"))
    moves = region.officer(last_name=unique("Moves"))
    elsewhere = region_factory()
    r = region.coordinator.post(
        f"/api/v1/officers/{moves['id']}/transfer",
        {"agency_id": elsewhere.agency_id, "effective_date": LAST_MONTH},
    )
    assert r.status_code == 200, r.text
    client.cookies.clear()
    assert sign_in(client, make_password_user(engine, "admin")).status_code == 303
    try:
        here = client.get(f"/console/agencies/{region.agency_id}").text
        there = client.get(f"/console/agencies/{elsewhere.agency_id}").text
    finally:
        client.cookies.clear()
    assert stays["id"] in here and moves["id"] not in here
    assert moves["id"] in there and stays["id"] not in there
    assert "1 officer" in here


# ---- what the database plans ----------------------------------------------------------------


@contextmanager
def selects_on_officers() -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs reading the officers table that the requests inside run, with parameters."""
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if threading.current_thread().name == "live-status":
            return
        if statement.lstrip().upper().startswith("SELECT") and "FROM officers" in statement:
            seen.append((statement, parameters))

    sa.event.listen(sa.Engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", listen)


def plans(engine: sa.Engine, statements: list[tuple[str, Any]], *, ordered: bool) -> list[str]:
    """Each statement's plan as one text: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN
    with the plans a small test database would rather take priced out: sequential scans, and
    sorts when the statement is to be read `ordered` off a b-tree, else index scans (walking a
    b-tree in order), which leaves a trigram index's bitmap scan. An index that cannot answer
    leaves a Seq Scan or a Sort all the same."""
    out = []
    with engine.connect() as c:
        for statement, parameters in statements:
            if engine.dialect.name == "sqlite":
                rows = c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                out.append("\n".join(str(r[-1]) for r in rows))
                continue
            c.exec_driver_sql("SET LOCAL enable_seqscan = off")
            off = "enable_sort" if ordered else "enable_indexscan"
            c.exec_driver_sql(f"SET LOCAL {off} = off")
            rows = c.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            out.append("\n".join(str(r[0]) for r in rows))
        c.rollback()
    return out


def full_scans(plan: str, dialect: str) -> bool:
    """Whether the plan reads every officer (or walks a whole index of them)."""
    if dialect == "sqlite":
        return any(line.startswith("SCAN officers") for line in plan.splitlines())
    return "Seq Scan on officers" in plan


def test_a_name_search_reads_the_trigram_index(region: Region, engine: sa.Engine) -> None:
    name = unique("Indexed")
    region.officer(last_name=name)
    index = "officer_search" if engine.dialect.name == "sqlite" else "ix_officers_search_text_trgm"
    for api in (region.coordinator, region.admin):
        with selects_on_officers() as seen:
            assert len(found(api, name[2:].lower())) == 1
        (plan,) = plans(engine, seen[:1], ordered=False)
        assert not full_scans(plan, engine.dialect.name), plan
        # The whole state's officers (a region's few may be read off their agencies).
        assert api is region.coordinator or index in plan, plan


def test_an_agencys_first_page_is_read_in_order_off_an_index(
    region: Region, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    for _ in range(3):
        region.officer()
    client.cookies.clear()
    assert sign_in(client, make_password_user(engine, "admin")).status_code == 303
    try:
        with selects_on_officers() as seen:
            assert client.get(f"/console/agencies/{region.agency_id}").status_code == 200
    finally:
        client.cookies.clear()
    listing = [s for s in seen if "ORDER BY" in s[0]]
    assert listing, seen
    for plan in plans(engine, listing, ordered=True):
        assert not full_scans(plan, engine.dialect.name), plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # no sort of the agency
        assert "ix_officers_agency_name" in plan, plan

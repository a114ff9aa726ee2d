"""The administrator's first-run checklist ticks itself from what the registry holds (issue 23,
item 10): regions, agencies, coordinators, the program contact, a production signing key, a
recent backup, an https public URL. Only the administrator sees it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.app import create_app
from registry.db import make_engine
from registry.settings import Settings
from registry.vc.keystore import KeyStore
from tests.conftest import Api, Region, fresh_database, make_user
from tests.console.conftest import make_password_user, sign_in
from tests.live import run_registry


def lines(html: str) -> dict[str, str]:
    """Each checklist line's label and whether it is done."""
    section = html.partition('id="h-first-run"')[2].partition("</section>")[0]
    found = re.findall(r'class="(done|todo)">.*?<strong>([^<]+)<', section, re.S)
    return {label: state for state, label in found}


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def test_a_fresh_registry_has_everything_to_do_and_it_ticks_itself(
    settings: Settings, empty: str, tmp_path: Path
) -> None:
    keys = tmp_path / "dev-keys"
    KeyStore(keys).generate("EdDSA", development=True)
    engine = make_engine(empty)
    admin = make_password_user(engine, "admin")
    fresh = replace(settings, database_url=empty, keys_dir=keys, public_url="http://registry.local")
    with TestClient(create_app(fresh), base_url="http://registry.local") as client:
        sign_in(client, admin)
        page = client.get("/console").text
        assert "First-run checklist: 0 of 7 done" in page
        assert set(lines(page).values()) == {"todo"}
        assert "The development key signs" in page
        assert "None recorded: schedule `registry backup PATH` daily" in page

    # Rows made, a real key, a backup taken, https and a contact: every line ticks.
    with TestClient(create_app(fresh), base_url="http://registry.local") as client:
        api = Api(client, make_user(engine, "admin"))
        assert api.post("/api/v1/regions", json={"code": "FR", "name": "First"}).status_code == 201
    KeyStore(keys).rotate()
    env = {**os.environ, "REGISTRY_DATABASE_URL": empty, "REGISTRY_KEYS_DIR": str(keys)}
    backup = run_registry("backup", str(tmp_path / "first.db"), env=env)
    assert backup.returncode == 0, backup.stderr
    done = replace(fresh, public_url="https://cit.example.gov", program_contact="801-555-0100")
    with TestClient(create_app(done), base_url="https://cit.example.gov") as client:
        sign_in(client, admin)
        page = client.get("/console").text
        states = lines(page)
        assert states["Regions"] == "done"
        assert states["Agencies"] == "todo"  # none yet
        assert states["A production signing key"] == "done"
        assert states["Backups"] == "done"
        # When, as every page tells a moment: in the program's zone, named.
        assert re.search(r"Last backup \w+ \d{1,2}, \d{4} at \d\d:\d\d M[SD]T", page), page
        assert states["HTTPS"] == "done"
        assert states["Program contact"] == "done"
        assert states["Coordinators"] == "todo"
    engine.dispose()


def test_only_the_administrator_sees_the_checklist(
    console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    coordinator = make_password_user(engine, "coordinator", region.code)
    sign_in(console_client, coordinator)
    assert "First-run checklist" not in console_client.get("/console").text
    console_client.cookies.clear()
    sign_in(console_client, make_password_user(engine, "admin"))
    assert "First-run checklist" in console_client.get("/console").text

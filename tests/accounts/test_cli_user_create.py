"""`registry user create`: the first accounts, made from the command line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.conftest import Api, Region, unique

REGISTRY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "registry"


@pytest.fixture
def run(database_url: str, tmp_path: Path) -> Any:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_KEYS_DIR": str(tmp_path / "keys"),
    }

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REGISTRY), "user", "create", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    return run


def stored_user(engine: sa.Engine, username: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT role, region_id, password_hash FROM users WHERE username = :u"),
            {"u": username},
        ).first()


def test_an_admin_made_on_the_command_line_gets_a_working_token(
    run: Any, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    name = unique("root")
    p = run(name, "--role", "admin")
    assert p.returncode == 0, p.stderr
    token = p.stdout.strip().splitlines()[-1]
    api = Api(client, token)
    assert api.get("/api/v1/courses").status_code == 200
    r = api.post("/api/v1/regions", {"code": unique("R"), "name": "From the CLI"})
    assert r.status_code == 201, r.text
    row = stored_user(engine, name)
    assert row.role == "admin"
    assert row.password_hash is None
    with engine.connect() as conn:
        hashes = [h for (h,) in conn.execute(sa.text("SELECT token_hash FROM api_tokens"))]
    assert token not in hashes


def test_a_password_from_stdin_is_stored_as_an_argon2id_hash(
    run: Any, region: Region, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    name = unique("coord")
    password = "correct horse battery staple"
    p = run(
        name,
        "--role",
        "coordinator",
        "--region",
        region.code,
        "--password-stdin",
        stdin=password + "\n",
    )
    assert p.returncode == 0, p.stderr
    assert password not in p.stdout
    row = stored_user(engine, name)
    assert row.role == "coordinator"
    assert row.password_hash.startswith("$argon2id$")
    assert password not in row.password_hash
    # The coordinator's token acts in its own region only.
    api = Api(client, p.stdout.strip().splitlines()[-1])
    agencies = api.get("/api/v1/agencies")
    assert agencies.status_code == 200
    assert [a["region"] for a in agencies.json()] == [region.code]
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT before, after FROM audit_log")).all()
    assert all(password not in str(a) and row.password_hash not in str(a) for a in audit)


def test_a_region_code_is_accepted_in_lower_case(
    run: Any, region: Region, engine: sa.Engine
) -> None:
    name = unique("instr")
    p = run(name, "--role", "instructor", "--region", region.code.lower())
    assert p.returncode == 0, p.stderr
    assert stored_user(engine, name).role == "instructor"


def test_a_coordinator_without_a_region_is_refused(run: Any, engine: sa.Engine) -> None:
    name = unique("coord")
    p = run(name, "--role", "coordinator")
    assert p.returncode == 2
    assert "region" in p.stderr.lower()
    assert p.stdout.strip() == ""
    assert stored_user(engine, name) is None


def test_an_unknown_region_is_refused(run: Any, engine: sa.Engine) -> None:
    name = unique("coord")
    p = run(name, "--role", "coordinator", "--region", "NO-SUCH-REGION")
    assert p.returncode == 2
    assert "NO-SUCH-REGION" in p.stderr
    assert stored_user(engine, name) is None


def test_an_unknown_role_or_a_short_password_is_refused(
    run: Any, region: Region, engine: sa.Engine
) -> None:
    name = unique("x")
    assert run(name, "--role", "superuser").returncode == 2
    p = run(
        name, "--role", "instructor", "--region", region.code, "--password-stdin", stdin="short\n"
    )
    assert p.returncode == 2
    assert "12" in p.stderr
    assert stored_user(engine, name) is None


def test_a_taken_username_is_refused(run: Any) -> None:
    name = unique("admin")
    assert run(name, "--role", "admin").returncode == 0
    p = run(name, "--role", "admin")
    assert p.returncode == 2
    assert "taken" in p.stderr


def test_a_liaison_belongs_to_the_agency_its_ori_names(
    run: Any, region: Region, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    ori = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}").json()["ori"]
    name = unique("cad")
    p = run(name, "--role", "liaison", "--agency", ori.lower())
    assert p.returncode == 0, p.stderr
    assert f"created liaison {name} of agency {ori}" in p.stdout
    api = Api(client, p.stdout.strip().splitlines()[-1])
    assert api.get(f"/api/v1/agencies/{region.agency_id}/on-duty").status_code == 200
    assert api.get("/api/v1/courses").status_code == 403
    # Without an agency, or with one nobody registered, there is no liaison.
    for args in ((), ("--agency", "UT9999999")):
        refused = run(unique("cad"), "--role", "liaison", *args)
        assert refused.returncode == 2
        assert "agency" in refused.stderr.lower()


def test_a_dispatch_account_reads_its_agencys_on_duty_list_and_nothing_else(
    run: Any, region: Region, client: TestClient[Litestar]
) -> None:
    ori = region.coordinator.get(f"/api/v1/agencies/{region.agency_id}").json()["ori"]
    name = unique("cad")
    p = run(name, "--role", "dispatch", "--agency", ori)
    assert p.returncode == 0, p.stderr
    assert f"created dispatch {name} of agency {ori}" in p.stdout
    api = Api(client, p.stdout.strip().splitlines()[-1])
    assert api.get(f"/api/v1/agencies/{region.agency_id}/on-duty").status_code == 200
    for path in ("patrol", "coverage", "officers"):
        assert api.get(f"/api/v1/agencies/{region.agency_id}/{path}").status_code == 403, path
    # It holds a token only: no console password.
    refused = run(
        unique("cad"),
        "--role",
        "dispatch",
        "--agency",
        ori,
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert refused.returncode == 2
    assert "token only" in refused.stderr.lower() or "password" in refused.stderr.lower()

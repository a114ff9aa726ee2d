"""A backup restored after later changes gives back exactly the registry it was taken from:
every credential's verdict, and an intact audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import sqlalchemy as sa
from litestar.testing import TestClient

from registry.app import create_app
from registry.db import make_engine
from registry.settings import Settings
from tests.conftest import PUBLIC_URL, make_user
from tests.live import cli_env, eligible_class, ok, run_registry, verdict


@contextmanager
def registry_on(settings: Settings, url: str, token: str) -> Iterator[httpx.Client]:
    app = create_app(replace(settings, database_url=url))
    with TestClient(app, base_url=PUBLIC_URL) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def verdicts(api: httpx.Client, tokens: dict[str, str]) -> dict[str, str]:
    return {cid: verdict(api, token) for cid, token in tokens.items()}


def audit_verify(url: str) -> str:
    done = run_registry("audit", "verify", env=cli_env(REGISTRY_DATABASE_URL=url))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()[0]


def change(api: httpx.Client, credential_id: str, action: str) -> None:
    ok(api.post(f"/api/v1/credentials/{credential_id}/{action}", json={"reason": "test"}))


def test_restoring_a_backup_gives_back_every_verdict_and_an_intact_audit_trail(
    scratch_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    url = scratch_database_url
    env = cli_env(REGISTRY_DATABASE_URL=url)
    engine = make_engine(url)
    try:
        token = make_user(engine, "admin")
    finally:
        engine.dispose()
    with registry_on(settings, url, token) as api:
        class_id, _ = eligible_class(api, 6)
        issued = ok(api.post(f"/api/v1/classes/{class_id}/certify", json={}))["issued"]
        tokens = {i["credential_id"]: i["token"] for i in issued}
        ids = list(tokens)
        change(api, ids[0], "revoke")
        change(api, ids[1], "suspend")
        at_backup = verdicts(api, tokens)
    assert sorted(at_backup.values()) == [
        "revoked",
        "suspended",
        "valid",
        "valid",
        "valid",
        "valid",
    ]
    trail_at_backup = audit_verify(url)

    path = tmp_path / "registry.backup"
    done = run_registry("backup", str(path), env=env)
    assert done.returncode == 0, done.stderr
    assert path.stat().st_size > 0
    again = run_registry("backup", str(path), env=env)
    assert again.returncode == 2, "an existing backup must never be overwritten"

    with registry_on(settings, url, token) as api:
        change(api, ids[2], "revoke")
        change(api, ids[1], "reinstate")
        later_class, _ = eligible_class(api, 2)
        ok(api.post(f"/api/v1/classes/{later_class}/certify", json={}))
        changed = verdicts(api, tokens)
    assert changed != at_backup

    refused = run_registry("restore", str(path), env=env)
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    done = run_registry("restore", str(path), "--yes", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "saved first as" in done.stdout

    with registry_on(settings, url, token) as api:
        assert verdicts(api, tokens) == at_backup
        r = api.get(f"/api/v1/classes/{later_class}/roster")
        assert r.status_code == 404, "the class made after the backup is gone"
    assert audit_verify(url) == trail_at_backup


def test_a_file_that_is_not_a_backup_is_refused_and_the_database_kept(
    scratch_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(REGISTRY_DATABASE_URL=scratch_database_url)
    before = audit_verify(scratch_database_url)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 100)
    done = run_registry("restore", str(junk), "--yes", env=env)
    assert done.returncode == 2
    assert "registry:" in done.stderr
    assert audit_verify(scratch_database_url) == before
    engine = sa.create_engine(scratch_database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM courses")).scalar_one() >= 1
    finally:
        engine.dispose()

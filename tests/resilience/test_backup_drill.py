"""The restore drill of docs/operations.md, with the scheduled backup's own script (deploy/backup):
a backup taken while serving, the database wiped, restored with `registry restore`, the audit
trail intact to the hash the backup recorded, and a credential issued before still valid."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from tests.live import cli_env, ok, run_registry, serve, verdict

ROOT = Path(__file__).resolve().parents[2]
# Both servers, before and after the restore, at one address: credentials name their issuer by it.
PUBLIC_URL = "https://registry.test"


def last_hash(report: str) -> str:
    (line,) = [line for line in report.splitlines() if line.startswith("last hash:")]
    return line


def wipe(url: str) -> None:
    """Everything gone: the SQLite file and its side files, or every table of PostgreSQL's."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def test_backup_wipe_restore_and_a_credential_still_verifies(
    scratch_database_url: str, tmp_path: Path
) -> None:
    url = scratch_database_url
    keys = tmp_path / "keys"
    backups = tmp_path / "backups"
    with serve(url, keys, tmp_path / "before.log", public_url=PUBLIC_URL) as live:
        issued = live.issue()
        # Taken while the server serves, as the timer does.
        env = cli_env(REGISTRY_DATABASE_URL=url, CIT_BACKUP_DIR=str(backups))
        done = subprocess.run(
            [str(ROOT / "deploy" / "backup")], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
    backup = Path(done.stdout.strip().splitlines()[-1])
    assert backup.is_file() and backup.parent == backups
    recorded = last_hash(backup.with_suffix(".audit").read_text())

    wipe(url)
    gone = run_registry("audit", "verify", env=cli_env(REGISTRY_DATABASE_URL=url))
    assert gone.returncode != 0  # nothing left to verify

    restored = run_registry("restore", str(backup), "--yes", env=cli_env(REGISTRY_DATABASE_URL=url))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    audit = run_registry("audit", "verify", env=cli_env(REGISTRY_DATABASE_URL=url))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert last_hash(audit.stdout) == recorded

    with serve(url, keys, tmp_path / "after.log", public_url=PUBLIC_URL) as live, live.api() as api:
        assert verdict(api, issued["token"]) == "valid"
        page = ok(api.get(f"/c/{issued['credential_id']}", headers={"Accept": "application/json"}))
        assert page["verdict"] == "valid"

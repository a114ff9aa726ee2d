"""`registry import officers|roster FILE`: the same all-or-nothing import from the command line."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Region, unique
from tests.imports import HEADER, agency_ori, find_officer

REGISTRY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "registry"
PATROL = (date.today() - timedelta(days=800)).isoformat()


@pytest.fixture
def run(database_url: str, tmp_path: Path) -> Any:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_KEYS_DIR": str(tmp_path / "keys"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REGISTRY), "import", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )

    return run


def test_two_thousand_officers_import_with_a_progress_bar(
    run: Any, region: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    prefix = unique("BULK")
    lines = [HEADER] + [
        f"{prefix}-{i},First{i},Last{i},{ori},{PATROL},o{i}@example.org,{'yes' if i % 10 else 'no'}"
        for i in range(2000)
    ]
    file = tmp_path / "officers.csv"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    p = run("officers", str(file))
    elapsed = time.perf_counter() - started
    assert p.returncode == 0, p.stderr
    assert "saved 2000 officers" in p.stdout
    assert "2000/2000" in p.stderr  # tqdm's bar, on stderr
    with capsys.disabled():
        print(f"\n[cli import] 2000 officers in {elapsed:.2f} s ({2000 / elapsed:.0f} rows/s)")
    assert find_officer(region.coordinator, f"{prefix}-1999")[0]["first_name"] == "First1999"


def test_a_bad_file_exits_1_with_a_report_and_saves_nothing(
    run: Any, region: Region, tmp_path: Path
) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    good = unique("CLI")
    file = tmp_path / "bad.csv"
    file.write_text(
        f"{HEADER}\n{good},A,B,{ori},{PATROL},,\n{unique('CLI')},A,B,UT0000000X,{PATROL},,\n",
        encoding="utf-8",
    )
    p = run("officers", str(file))
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"{file}:3: agency_ori:" in p.stdout
    assert "nothing was saved" in p.stderr
    assert find_officer(region.coordinator, good) == []


def test_a_roster_file_enrolls_in_the_class(run: Any, region: Region, tmp_path: Path) -> None:
    klass = region.klass()
    officers = [region.officer(), region.officer()]
    file = tmp_path / "roster.csv"
    file.write_text("post_id\n" + "\n".join(o["post_id"] for o in officers) + "\n")
    p = run("roster", str(file), "--class", klass["id"])
    assert p.returncode == 0, p.stderr
    assert "saved 2 enrollments" in p.stdout
    r = region.coordinator.get(f"/api/v1/classes/{klass['id']}/roster")
    assert len(r.json()["officers"]) == 2


def test_a_rookie_on_the_roster_exits_1(run: Any, region: Region, tmp_path: Path) -> None:
    klass = region.klass()
    file = tmp_path / "roster.csv"
    file.write_text(f"post_id\n{region.officer(months_on_patrol=6)['post_id']}\n")
    p = run("roster", str(file), "--class", klass["id"])
    assert p.returncode == 1
    assert ":2: refused: The course needs" in p.stdout
    assert "saved 0 enrollments" in p.stdout


def test_usage_and_io_errors_exit_2(run: Any, region: Region, tmp_path: Path) -> None:
    p = run("officers", str(tmp_path / "missing.csv"))
    assert p.returncode == 2 and "cannot read" in p.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{HEADER}\nX,Müller,B,UT0000000,{PATROL},,\n".encode("latin-1"))
    p = run("officers", str(latin))
    assert p.returncode == 2 and f"{latin} is not UTF-8" in p.stderr
    p = run("roster", str(latin), "--class", "not-a-uuid")
    assert p.returncode == 2 and "not a class id" in p.stderr
    p = run("roster", str(latin))
    assert p.returncode == 2


def test_agencies_import_from_the_command_line(run: Any, region: Region, tmp_path: Path) -> None:
    ori = "UT" + uuid.uuid4().hex[:7].upper()
    file = tmp_path / "agencies.csv"
    file.write_text(f"name,ori,region\nCLI County Sheriff,{ori},{region.code}\n", encoding="utf-8")
    p = run("agencies", str(file))
    assert p.returncode == 0, p.stderr
    assert f"saved 1 agencies from {file}" in p.stdout
    assert ori in {a["ori"] for a in region.coordinator.get("/api/v1/agencies").json()}
    again = run("agencies", str(file))
    assert again.returncode == 1
    assert f"{file}:2: ori: An agency with ORI {ori} exists." in again.stdout


def test_officers_update_from_the_command_line_with_a_preview(
    run: Any, region: Region, tmp_path: Path
) -> None:
    ori = agency_ori(region.coordinator, region.agency_id)
    known = region.officer(first_name="Ann")
    file = tmp_path / "officers.csv"
    file.write_text(
        f"{HEADER}\n{known['post_id']},Anne,{known['last_name']},{ori},"
        f"{known['patrol_start_date']},,\n",
        encoding="utf-8",
    )
    p = run("officers", str(file), "--existing", "update", "--preview")
    assert p.returncode == 0, p.stderr
    assert f"{file}:2: updated {known['post_id']}" in p.stdout
    assert "first_name: 'Ann' -> 'Anne'" in p.stdout
    assert "nothing was saved" in p.stdout
    assert find_officer(region.coordinator, known["post_id"])[0]["first_name"] == "Ann"
    p = run("officers", str(file), "--existing", "update")
    assert p.returncode == 0, p.stderr
    assert "saved 1 officers" in p.stdout
    assert find_officer(region.coordinator, known["post_id"])[0]["first_name"] == "Anne"

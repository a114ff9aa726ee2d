"""`registry user list|disable|enable|reset-password|tokens|revoke-token|end-sessions`: shutting an
account off from the command line takes effect on the next request, and each step is audited."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.accounts.service import issue_token
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.tables.accounts import User
from tests.conftest import Api, Region, unique
from tests.console.conftest import PASSWORD, make_password_user, sign_in
from tests.live import cli_env, run_registry


@pytest.fixture
def user(database_url: str, tmp_path: Path) -> Any:
    """`registry user ...` against the run's database."""
    env = cli_env(REGISTRY_DATABASE_URL=database_url, REGISTRY_KEYS_DIR=str(tmp_path / "keys"))

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_registry("user", *args, env=env, stdin=stdin)

    return run


@pytest.fixture
def console_client(client: TestClient[Litestar]) -> Iterator[TestClient[Litestar]]:
    """As tests/console's fixture: the shared client with an empty cookie jar."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def new_token(engine: sa.Engine, username: str) -> str:
    with unit_of_work(engine) as session:
        row = session.exec(select(User).where(User.username == username)).one()
        return issue_token(session, SYSTEM, row)


def actions_for(engine: sa.Engine, username: str) -> list[str]:
    with engine.connect() as conn:
        user_id = conn.execute(
            sa.text("SELECT id FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()
        rows = conn.execute(
            sa.text("SELECT entity_id, action FROM audit_log WHERE entity = 'user' ORDER BY id")
        ).all()
    wanted = str(user_id).replace("-", "")
    return [r.action for r in rows if r.entity_id.replace("-", "") == wanted]


def test_the_first_admin_is_made_with_a_password_and_signs_in_to_the_console(
    user: Any, console_client: TestClient[Litestar]
) -> None:
    name = unique("first")
    p = user("create", name, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1].startswith("citr_")  # API.md: the token, last
    assert sign_in(console_client, name).status_code == 303
    assert console_client.get("/console/users").status_code == 200


def test_disable_stops_the_token_and_the_session_at_once_and_enable_lets_back_in(
    user: Any, console_client: TestClient[Litestar], engine: sa.Engine, region: Region
) -> None:
    name = make_password_user(engine, "coordinator", region.code)
    api = Api(console_client, new_token(engine, name))
    assert sign_in(console_client, name).status_code == 303
    assert console_client.get("/console").status_code == 200
    assert api.get("/api/v1/officers").status_code == 200

    p = user("disable", name)
    assert p.returncode == 0, p.stderr
    assert "disabled" in p.stdout
    assert api.get("/api/v1/officers").status_code == 401
    assert console_client.get("/console", follow_redirects=False).status_code == 303
    console_client.cookies.clear()
    assert sign_in(console_client, name).status_code == 401  # the right password, refused
    listed = user("list").stdout
    assert any(name in line and "DISABLED" in line for line in listed.splitlines())

    p = user("enable", name)
    assert p.returncode == 0, p.stderr
    assert api.get("/api/v1/officers").status_code == 200
    assert sign_in(console_client, name).status_code == 303
    assert actions_for(engine, name)[-4:] == [
        "user.disable",
        "session.sign_in_failed",
        "user.enable",
        "session.sign_in",
    ]


def test_reset_password_ends_sessions_and_only_the_new_password_works(
    user: Any, console_client: TestClient[Litestar], engine: sa.Engine
) -> None:
    name = make_password_user(engine, "admin")
    assert sign_in(console_client, name).status_code == 303
    new = "a brand new long password"
    p = user("reset-password", name, "--password-stdin", stdin=new + "\n")
    assert p.returncode == 0, p.stderr
    assert console_client.get("/console", follow_redirects=False).status_code == 303
    console_client.cookies.clear()
    assert sign_in(console_client, name).status_code == 401
    assert sign_in(console_client, name, new).status_code == 303
    with engine.connect() as conn:
        audit = " ".join(str(r) for r in conn.execute(sa.text("SELECT * FROM audit_log")))
    assert new not in audit
    assert "user.password_reset" in actions_for(engine, name)
    short = user("reset-password", name, "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert "12" in short.stderr
    assert user("reset-password", name).returncode == 2  # only from stdin, never an argument


def test_one_token_or_all_of_them_can_be_revoked(
    user: Any, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    name = make_password_user(engine, "admin")
    first, second, third = (Api(client, new_token(engine, name)) for _ in range(3))
    listed = user("tokens", name)
    assert listed.returncode == 0, listed.stderr
    ids = [line.split()[0] for line in listed.stdout.splitlines()]
    assert len(ids) == 3
    assert all(t.token not in listed.stdout for t in (first, second, third) if t.token)

    p = user("revoke-token", name, ids[0])
    assert p.returncode == 0, p.stderr
    assert first.get("/api/v1/courses").status_code == 401
    assert second.get("/api/v1/courses").status_code == 200
    assert "revoked" in user("tokens", name).stdout.splitlines()[0]

    assert user("revoke-token", name).returncode == 2  # neither an id nor --all
    assert user("revoke-token", name, "not-a-uuid").returncode == 2
    p = user("revoke-token", name, "--all")
    assert p.returncode == 0, p.stderr
    assert "revoked 2" in p.stdout
    assert second.get("/api/v1/courses").status_code == 401
    assert third.get("/api/v1/courses").status_code == 401
    assert actions_for(engine, name).count("token.revoke") == 2


def test_a_token_of_another_user_cannot_be_revoked_through_this_one(
    user: Any, client: TestClient[Litestar], engine: sa.Engine
) -> None:
    mine, theirs = make_password_user(engine, "admin"), make_password_user(engine, "admin")
    their_api = Api(client, new_token(engine, theirs))
    their_id = user("tokens", theirs).stdout.split()[0]
    p = user("revoke-token", mine, their_id)
    assert p.returncode == 2
    assert their_api.get("/api/v1/courses").status_code == 200


def test_end_sessions_signs_out_everywhere_and_leaves_tokens(
    user: Any, console_client: TestClient[Litestar], engine: sa.Engine
) -> None:
    name = make_password_user(engine, "admin")
    api = Api(console_client, new_token(engine, name))
    assert sign_in(console_client, name).status_code == 303
    p = user("end-sessions", name)
    assert p.returncode == 0, p.stderr
    assert "ended 1 console session" in p.stdout
    assert console_client.get("/console", follow_redirects=False).status_code == 303
    assert api.get("/api/v1/courses").status_code == 200
    assert "session.end_all" in actions_for(engine, name)


def test_an_unknown_user_is_one_line_and_exit_2(user: Any) -> None:
    for args in (("disable", "nobody-here"), ("tokens", "nobody-here")):
        p = user(*args)
        assert p.returncode == 2
        assert p.stderr.strip().count("\n") == 0
        assert "nobody-here" in p.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("user", "list"),
        ("user", "disable", "someone"),
        ("audit", "verify"),
        ("notify-expiring",),
        ("import", "officers", "{csv}"),
    ],
)
def test_without_a_database_file_a_command_says_so_and_creates_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    missing = tmp_path / "var" / "registry.db"
    env = cli_env(
        REGISTRY_DATABASE_URL=f"sqlite:///{missing}", REGISTRY_KEYS_DIR=str(tmp_path / "keys")
    )
    csv = tmp_path / "officers.csv"
    csv.write_text(
        "post_id,first_name,last_name,agency_ori,patrol_start_date\n"
        "P1,Ann,Lee,UT0180000,2020-01-01\n"
    )
    p = run_registry(*(a.format(csv=csv) for a in args), env=env)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.count("\n") == 1, p.stderr
    assert f"no database at {missing}" in p.stderr
    assert "Traceback" not in p.stderr
    assert not missing.exists()
    assert not missing.parent.exists()


def test_a_database_file_that_was_never_migrated_is_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "registry.db"
    empty.touch()
    env = cli_env(REGISTRY_DATABASE_URL=f"sqlite:///{empty}")
    p = run_registry("user", "list", env=env)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "no such table" in p.stderr, p.stderr


def at_a_terminal(
    argv: list[str], env: dict[str, str], dialogue: list[tuple[str, str]]
) -> tuple[int, str]:
    """Runs `argv` on a pseudo-terminal, typing each answer once its prompt is the last thing
    shown (never earlier: the program turns echo off only as it asks); what the terminal
    showed, and the exit status. A program still waiting after 30 quiet seconds is killed."""
    import os
    import pty
    import select as wait
    import signal

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, with the pty as its terminal
        os.execve(argv[0], argv, env)  # noqa: S606 - the command under test, no shell
    shown = b""
    pending = [(prompt.encode(), answer.encode()) for prompt, answer in dialogue]
    while True:
        ready, _, _ = wait.select([fd], [], [], 30)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal: it is done
            break
        if not chunk:
            break
        shown += chunk
        if pending and shown.endswith(pending[0][0]):
            os.write(fd, pending.pop(0)[1] + b"\n")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_at_a_terminal_the_password_is_asked_twice_without_echo(
    database_url: str, tmp_path: Path
) -> None:
    from tests.live import REGISTRY

    env = cli_env(REGISTRY_DATABASE_URL=database_url, REGISTRY_KEYS_DIR=str(tmp_path / "keys"))
    name = unique("tty")
    argv = [str(REGISTRY), "user", "create", name, "--role", "admin", "--password-stdin"]
    first, again = "spaces count): ", "The same password again: "
    code, shown = at_a_terminal(argv, env, [(first, PASSWORD), (again, PASSWORD)])
    assert code == 0, shown
    assert "Console password (12 characters or more" in shown
    assert "The same password again:" in shown
    assert PASSWORD not in shown  # never echoed
    code, shown = at_a_terminal(
        [*argv[:3], unique("tty"), *argv[4:]], env, [(first, PASSWORD), (again, PASSWORD + "x")]
    )
    assert code != 0 and "the two passwords differ" in shown

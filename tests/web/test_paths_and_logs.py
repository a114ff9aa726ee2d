"""Odd paths and the logs: a NUL byte names no file (404, not 500), and whatever a path holds,
a log record stays one line with no wallet key in it, whichever handler writes it."""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest
from litestar import get
from litestar.params import FromPath
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings
from registry.web.logfilter import RedactWalletKeys, clean, uvicorn_log_config
from tests.conftest import KeptLog, assert_problem

KEY = "k3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3y"


@pytest.mark.parametrize(
    "path",
    [
        "/static/site.css%00",
        "/static/%00",
        "/schema-assets/swagger-ui.css%00",
        "/schema-assets/%00x",
    ],
)
def test_a_nul_byte_in_a_file_path_is_a_404(client: TestClient[Any], path: str) -> None:
    assert_problem(client.get(path), 404)
    assert client.head(path).status_code == 404


def test_the_files_themselves_are_still_served(client: TestClient[Any]) -> None:
    assert client.get("/static/site.css").status_code == 200
    assert client.get("/schema-assets/swagger-ui.css").status_code == 200


def test_a_500_logs_its_path_escaped_and_without_a_wallet_key(
    settings: Settings, registry_log: KeptLog
) -> None:
    @get("/boom/{rest:path}", public=True)
    async def boom(rest: FromPath[str]) -> None:
        raise RuntimeError("a bug")

    app = create_app(settings)
    app.register(boom)
    with TestClient(app) as client:
        r = client.get(f"/boom/wallet/{KEY}%0A2026-01-01 INFO forged line%0D%1B")
    assert_problem(r, 500)
    (line,) = [m for m in registry_log.lines if "unhandled error" in m]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "/boom/wallet/[redacted]\\n2026-01-01 INFO forged line\\r\\x1b" in line
    assert KEY not in " ".join(registry_log.lines)


def test_a_503_logs_its_path_escaped_and_without_a_wallet_key(
    settings: Settings, registry_log: KeptLog
) -> None:
    down = replace(settings, database_url="postgresql+psycopg://postgres@127.0.0.1:9/test")
    with TestClient(create_app(down)) as client:
        r = client.get(f"/wallet/{KEY}%0Aforged", headers={"Accept": "application/json"})
    assert r.status_code == 503
    lines = [m for m in registry_log.lines if "database unavailable" in m]
    assert lines
    assert all("\n" not in m for m in lines)
    assert any("/wallet/[redacted]\\nforged" in m for m in lines)
    assert KEY not in " ".join(registry_log.lines)


def test_clean_escapes_every_line_break_and_control_character() -> None:
    for raw in ("\n", "\r", "\x00", "\x1b", "\x85", "\u2028", "\u2029", "\x7f"):
        cleaned = clean(f"a{raw}b")
        assert raw not in cleaned and cleaned.isprintable(), cleaned
    assert clean("/wallet/abc?x=1") == "/wallet/[redacted]?x=1"
    assert clean("Ünïcode names stay") == "Ünïcode names stay"


def test_the_server_log_config_filters_every_handler_and_the_root_logger() -> None:
    config = uvicorn_log_config()
    assert config["filters"]["redact_wallet_keys"]["()"] is RedactWalletKeys
    for handler in config["handlers"].values():
        assert "redact_wallet_keys" in handler["filters"]
    # Records of any logger that propagates (the registry's, a library's) reach a filtered
    # handler, not Python's unfiltered last resort.
    assert config["root"]["handlers"] == ["default"]


# Run in a process of its own: it configures logging as the server does, for the whole process.
MADE_AFTER_THE_SERVER_LOG_CONFIG = """
import logging, logging.config, sys
from registry.web.logfilter import uvicorn_log_config
logging.config.dictConfig(uvicorn_log_config())
before = list(logging.getLogger().handlers)
from dataclasses import replace
from pathlib import Path
from registry.app import create_app
from registry.settings import load_settings
settings = load_settings()
create_app(replace(settings, database_url=sys.argv[1], keys_dir=Path(sys.argv[2]),
                   keys_passphrase=None))
assert logging.getLogger().handlers == before, logging.getLogger().handlers
logging.getLogger("some.library").warning("GET /wallet/%s failed", sys.argv[3])
logging.getLogger("litestar").warning("litestar says /interactions/%s", sys.argv[3])
"""


def test_making_the_app_keeps_the_servers_filtered_root_handler(settings: Settings) -> None:
    # Litestar's default logging replaced the root logger's handlers with its own: every other
    # library's records then escaped the redacting filter. Now its records go through ours.
    script = MADE_AFTER_THE_SERVER_LOG_CONFIG
    done = subprocess.run(
        [sys.executable, "-c", script, settings.database_url, str(settings.keys_dir), KEY],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "GET /wallet/[redacted] failed" in done.stderr
    assert "litestar says /interactions/[redacted]" in done.stderr
    assert KEY not in done.stderr


def test_a_secret_split_between_the_template_and_its_arguments_is_redacted() -> None:
    def record(msg: str, *args: object) -> logging.LogRecord:
        kept = logging.LogRecord("x", logging.WARNING, __file__, 1, msg, args, None)
        assert RedactWalletKeys().filter(kept)
        return kept

    # The placeholder is not taken for the secret (that broke the formatting, and Python's
    # "--- Logging error ---" report then printed the raw key).
    split = record("GET /wallet/%s failed", KEY)
    assert split.getMessage() == "GET /wallet/[redacted] failed"
    # uvicorn's access lines keep their arguments for its formatter: each holds the whole path.
    access = record('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", f"/wallet/{KEY}", "1.1", 200)
    assert access.args == ("1.2.3.4", "GET", "/wallet/[redacted]", "1.1", 200)
    assert record("/exchanges/%s/%s", KEY, "x\ny").getMessage() == "/exchanges/[redacted]/x\\ny"
    assert record(f"no arguments /wallet/{KEY}").getMessage() == "no arguments /wallet/[redacted]"

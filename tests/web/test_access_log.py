"""The access log: one line per request with the status, wallet keys redacted, no forged lines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings


def test_each_request_is_one_line_with_its_status_and_no_wallet_key(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(replace(settings, access_log=True))) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/wallet/SeCrEtWaLlEtKeY12345").status_code == 404
        assert c.get("/wallet/%53eCrEtWaLlEtKeY12345/manifest.webmanifest").status_code == 404
        assert c.post("/api/v1/verify", json={"tok": "x"}).status_code == 400
        # A percent-encoded line break is decoded by the router: the log must not break there.
        assert c.get("/c/ABC%0A2026-01-01T00:00:00Z 1.2.3.4 - forged").status_code == 404
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5, lines
    assert lines[0].endswith('"GET /health HTTP/1.1" 200')
    assert lines[1].endswith('"GET /wallet/[redacted] HTTP/1.1" 404')
    assert lines[2].endswith('"GET /wallet/[redacted]/manifest.webmanifest HTTP/1.1" 404')
    assert lines[3].endswith('"POST /api/v1/verify HTTP/1.1" 400')
    assert '"GET /c/ABC\\n2026-01-01T00:00:00Z 1.2.3.4 - forged HTTP/1.1" 404' in lines[4]
    assert "SeCrEtWaLlEtKeY" not in "\n".join(lines)


def test_no_line_is_written_when_the_access_log_is_off(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(replace(settings, access_log=False))) as c:
        assert c.get("/health").status_code == 200
    assert capsys.readouterr().out == ""

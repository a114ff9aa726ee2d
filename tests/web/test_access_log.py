"""The access log: one line per request with the status, wallet keys redacted, no forged lines."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings
from tests.conftest import PUBLIC_URL, Api, Region


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


def test_a_path_asked_again_is_written_as_the_first_time(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log keeps the targets it wrote before (registry.web.accesslog): a clean one comes back
    the same, and one that cleaning changed is cleaned again each time, never kept raw."""
    with TestClient(create_app(replace(settings, access_log=True))) as c:
        for _ in range(2):
            assert c.get("/health?x=1").status_code == 200
            assert c.get("/wallet/AgAiNsEcReTkEy67890").status_code == 404
            assert c.get("/c/DEF%0Aforged").status_code == 404
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6, lines
    for first, again in zip(lines[:3], lines[3:], strict=True):
        assert (
            first.partition(" ")[2].partition(" ")[2] == again.partition(" ")[2].partition(" ")[2]
        )
    assert lines[3].endswith('"GET /health?x=1 HTTP/1.1" 200')
    assert lines[4].endswith('"GET /wallet/[redacted] HTTP/1.1" 404')
    assert lines[5].endswith('"GET /c/DEF\\nforged HTTP/1.1" 404')
    assert "AgAiNsEcReTkEy" not in "\n".join(lines)


def test_no_line_is_written_when_the_access_log_is_off(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(replace(settings, access_log=False))) as c:
        assert c.get("/health").status_code == 200
    assert capsys.readouterr().out == ""


def test_a_hand_overs_secret_is_not_in_the_access_log(
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    region: Region,
    course: dict[str, Any],
) -> None:
    # The secret behind an interaction URL is also the exchange's and the OpenID4VCI
    # pre-authorized code: whoever reads the log could take the certification into a wallet.
    with TestClient(create_app(replace(settings, access_log=True)), base_url=PUBLIC_URL) as c:
        coordinator = Api(c, region.coordinator.token)
        item = region.certified(course)
        r = coordinator.post(f"/api/v1/credentials/{item['credential_id']}/interactions", {})
        assert r.status_code == 201, r.text
        interaction = urlsplit(r.json()["interaction_url"])
        secret = interaction.path.rsplit("/", 1)[-1]
        r = c.get(f"{interaction.path}?{interaction.query}", headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text
        assert c.post(urlsplit(r.json()["protocols"]["vcapi"]).path, json={}).status_code == 200
    lines = capsys.readouterr().out.splitlines()
    assert any('"GET /interactions/[redacted]?iuv=1 HTTP/1.1" 200' in line for line in lines)
    assert any('"POST /exchanges/[redacted] HTTP/1.1" 200' in line for line in lines)
    assert secret not in "\n".join(lines)

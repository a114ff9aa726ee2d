"""What operators read: /metrics for an administrator's or a monitor account's token only, its
figures by route template (never a raw path, so no credential id or wallet key), the verdicts
and certifications counted; /health/ready while lists cannot be served."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from registry.accounts.guards import PUBLIC
from registry.app import create_app
from registry.settings import Settings
from registry.vc.keystore import KeyStore
from tests.conftest import PUBLIC_URL, Api, Region, make_user
from tests.live import serve


@pytest.fixture(scope="module")
def monitor(client: TestClient[Litestar], engine: sa.Engine) -> Api:
    return Api(client, make_user(engine, "monitor"))


def scraped(api: Api) -> str:
    r = api.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return str(r.text)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series (0 when it does not exist yet)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        series, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def test_metrics_answer_the_admin_and_a_monitor_and_no_one_else(
    monitor: Api, admin: Api, anonymous: Api, region: Region
) -> None:
    assert anonymous.get("/metrics").status_code == 401
    for other in (region.coordinator, region.instructor):
        assert other.get("/metrics").status_code == 403
    for allowed in (monitor, admin):
        text = scraped(allowed)
        for name in (
            "registry_http_requests_total",
            "registry_http_request_duration_seconds_bucket",
            "registry_certifications_issued_total",
            "registry_status_list_age_seconds",
            "registry_db_pool_in_use",
        ):
            assert name in text, name
    # A monitor account reads the metrics and nothing else: every other route that is not
    # public refuses its token (checked route by route, as the app lists them).
    refused = 0
    for method, path in guarded_routes(monitor.client.app):
        if path == "/metrics":
            continue
        r = monitor.client.request(
            method,
            concrete(path),
            headers={"Authorization": f"Bearer {monitor.token}"},
            follow_redirects=False,
        )
        to_sign_in = r.status_code in (302, 303) and r.headers["location"].startswith("/login")
        assert r.status_code in (401, 403) or to_sign_in, (method, path, r.status_code)
        refused += 1
    assert refused > 50


def guarded_routes(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path template) of the app that is not public."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get(PUBLIC) or route.path.startswith(("/schema", "/static")):
                continue
            methods = sorted(handler.http_methods - {"HEAD", "OPTIONS"})
            found.extend((m, route.path) for m in methods)
    return found


def concrete(template: str) -> str:
    """A path of the template, with a made-up value for each parameter."""
    return re.sub(
        r"\{(\w+):(\w+)\}",
        lambda m: "8d5c1f5e-2f4e-4c8e-9a55-0c7b7c1f0a11" if m[2] == "uuid" else "X",
        template,
    )


def test_requests_are_counted_by_route_template_never_by_their_path(
    monitor: Api, anonymous: Api, region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    credential_id, wallet_key = item["credential_id"], item["wallet_url"].rsplit("/", 1)[1]
    before = scraped(monitor)
    page = {"route": "/c/{credential_id}", "method": "GET", "status": "200"}
    verdicts = {"form": "page", "verdict": "valid"}
    for _ in range(3):
        r = anonymous.get(f"/c/{credential_id}", headers={"Accept": "application/json"})
        assert r.json()["verdict"] == "valid"
    anonymous.get(f"/wallet/{wallet_key}")
    assert anonymous.get(f"/no-such-page/{credential_id}").status_code == 404
    after = scraped(monitor)
    assert (
        sample(after, "registry_http_requests_total", **page)
        - sample(before, "registry_http_requests_total", **page)
        == 3
    )
    assert (
        sample(after, "registry_verifications_total", **verdicts)
        - sample(before, "registry_verifications_total", **verdicts)
        == 3
    )
    assert sample(after, "registry_http_requests_total", route="unmatched", status="404") >= 1
    duration = sample(
        after, "registry_http_request_duration_seconds_count", route="/c/{credential_id}"
    )
    assert duration >= 3
    # Neither the credential's id nor the officer's wallet key is anywhere in what is served.
    assert credential_id not in after and wallet_key not in after


def test_verdicts_are_counted_by_form_and_certifications_once_committed(
    monitor: Api, anonymous: Api, region: Region, course: dict[str, Any]
) -> None:
    before = scraped(monitor)
    item = region.certified(course)
    token = anonymous.post("/api/v1/verify", json={"token": item["token"]})
    assert token.json()["verdict"] == "valid"
    nonsense = anonymous.post("/api/v1/verify", json={"token": "not.a.token"})
    assert nonsense.json()["verdict"] == "invalid"
    # Certifying the same class again issues nothing new: it counts nothing.
    again = region.coordinator.post(f"/api/v1/classes/{item['class']['id']}/certify", {})
    assert again.status_code == 200
    after = scraped(monitor)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("registry_verifications_total", form="token", verdict="valid") == 1
    assert grew("registry_verifications_total", form="token", verdict="invalid") == 1
    assert grew("registry_certifications_issued_total") == 1


@pytest.fixture
def keyless_client(settings: Settings, tmp_path: Path) -> Any:
    """An app whose keys folder holds only a retired key: nothing may sign a status list."""
    keys = KeyStore(tmp_path / "keys")
    keys.retire(keys.generate(development=True).kid)
    with TestClient(
        create_app(replace(settings, keys_dir=tmp_path / "keys")), base_url=PUBLIC_URL
    ) as c:
        yield c


def test_ready_says_what_is_missing_when_no_status_list_can_be_served(
    client: TestClient[Litestar], keyless_client: TestClient[Litestar]
) -> None:
    assert client.get("/health/ready").json() == {"status": "ready"}
    r = keyless_client.get("/health/ready")
    assert r.status_code == 503
    assert r.json() == {"status": "not ready", "missing": ["status_lists"]}
    # /health is about the database alone, as API.md keeps it.
    assert keyless_client.get("/health").json() == {"status": "ok"}


def test_several_workers_add_their_figures_up(scratch_database_url: str, tmp_path: Path) -> None:
    """`registry serve` with two workers: whichever answers /metrics counts every worker's
    requests (prometheus_client's multiprocess mode in a folder emptied at start)."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "stale.db").write_bytes(b"left by an earlier run")
    with serve(
        scratch_database_url,
        tmp_path / "keys",
        tmp_path / "server.log",
        REGISTRY_WORKERS="2",
        REGISTRY_METRICS_DIR=str(folder),
    ) as live:
        assert not (folder / "stale.db").exists()
        health = {"route": "/health", "method": "GET", "status": "200"}
        with live.api() as api:
            start = sample(ok_text(api.get("/metrics")), "registry_http_requests_total", **health)
            for _ in range(40):  # new connections: the kernel spreads them over both workers
                with httpx.Client(base_url=live.url) as fresh:
                    assert fresh.get("/health").status_code == 200
            seen = {ok_text(api.get("/metrics")) for _ in range(6)}
        counts = {sample(text, "registry_http_requests_total", **health) for text in seen}
        # Every scrape, from whichever worker, adds all 40 (and no more: each counted once).
        assert counts == {start + 40}, counts
        assert len(list(folder.glob("counter_*.db"))) == 2


def ok_text(r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    return r.text

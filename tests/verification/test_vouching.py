"""Who vouches for the issuer, on the verdict page: the issuer registries that list its DID, read
from the files REGISTRY_ISSUER_REGISTRIES names (DCC's dcc-legacy format), or else the registry's
own entry (/.well-known/dcc-registry-entry.json). The verdict JSON keeps API.md's shape."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings, load_settings
from registry.vc.did import did_web
from tests.conftest import PUBLIC_URL, Region

DID = did_web(PUBLIC_URL)


@pytest.fixture
def certified(region: Region, course: dict[str, Any]) -> dict[str, Any]:
    return region.certified(course)


def _words(settings: Settings, credential_id: str) -> str:
    """The page's "Issuer listed by" line, as words, from an app made with `settings`."""
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        r = client.get(f"/c/{credential_id}", headers={"Accept": "text/html"})
        assert r.status_code == 200, r.text
        found = re.search(r'<dd id="vouched-by">(.*?)</dd>', r.text, re.S)
        assert found, r.text
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def _registry_file(path: Path, entries: dict[str, Any], name: str | None = None) -> Path:
    meta = {"created": "2026-01-01T00:00:00Z", **({"name": name} if name else {})}
    path.write_text(json.dumps({"meta": meta, "registry": entries}), encoding="utf-8")
    return path


def test_by_default_the_registrys_own_entry_vouches_for_it(
    settings: Settings, certified: dict[str, Any]
) -> None:
    own = replace(settings, issuer_location="Salt Lake City, Utah, USA")
    words = _words(own, certified["credential_id"])
    assert words == "this registry's own entry : as CIT Utah, Salt Lake City, Utah, USA"


def test_the_configured_registries_that_list_the_did_vouch_for_it_in_order(
    settings: Settings, certified: dict[str, Any], tmp_path: Path
) -> None:
    listed = {"name": "Utah POST CIT", "url": PUBLIC_URL, "location": "Salt Lake City, Utah"}
    files = (
        _registry_file(tmp_path / "community.json", {DID: listed}, "DCC Community Registry"),
        _registry_file(tmp_path / "other.json", {"did:web:elsewhere.example": listed}),
        _registry_file(tmp_path / "sandbox.json", {DID: {"name": "CIT test"}}),
    )
    words = _words(replace(settings, issuer_registries=files), certified["credential_id"])
    assert words == (
        "DCC Community Registry: as Utah POST CIT, Salt Lake City, Utah sandbox: as CIT test"
    )


def test_no_registry_listing_the_did_is_said_plainly(
    settings: Settings, certified: dict[str, Any], tmp_path: Path
) -> None:
    file = _registry_file(tmp_path / "r.json", {"did:web:elsewhere.example": {"name": "X"}})
    words = _words(replace(settings, issuer_registries=(file,)), certified["credential_id"])
    assert words == "No issuer registry this verifier reads lists it"


def test_the_verdict_json_keeps_api_mds_shape(
    settings: Settings, certified: dict[str, Any]
) -> None:
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        r = client.get(f"/c/{certified['credential_id']}", headers={"Accept": "application/json"})
        verdict = r.json()
        assert set(verdict) == {"verdict", "reasons", "checks", "checked_at", "credential"}
        assert set(verdict["credential"]["issuer"]) == {"id", "name"}


@pytest.mark.parametrize(
    ("content", "said"),
    [("{not json", "not a readable JSON file"), ('{"meta": {}}', 'no "registry" object')],
)
def test_a_configured_file_that_is_no_registry_stops_the_start_in_words(
    settings: Settings, tmp_path: Path, content: str, said: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit, match=f"REGISTRY_ISSUER_REGISTRIES: .*{said}"):
        create_app(replace(settings, issuer_registries=(bad,)))
    with pytest.raises(SystemExit, match="not a readable JSON file"):
        create_app(replace(settings, issuer_registries=(tmp_path / "missing.json",)))


def test_the_registries_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_ISSUER_REGISTRIES", " /etc/a.json, ,/etc/b.json ")
    assert load_settings().issuer_registries == (Path("/etc/a.json"), Path("/etc/b.json"))
    monkeypatch.delenv("REGISTRY_ISSUER_REGISTRIES")
    assert load_settings().issuer_registries == ()

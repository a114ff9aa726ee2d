"""The registry's entry for DCC's issuer registries (the "dcc-legacy" format the Learner
Credential Wallet reads), made from the settings."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import TestClient

from registry.app import create_app
from registry.settings import Settings, load_settings
from tests.conftest import PUBLIC_URL, Api


def test_the_entry_names_the_issuers_did_with_its_name_url_and_location(
    settings: Settings,
) -> None:
    app = create_app(
        replace(settings, issuer_name="Utah POST CIT", issuer_location="Salt Lake City, Utah, USA")
    )
    with TestClient(app, base_url=PUBLIC_URL) as client:
        r = client.get("/.well-known/dcc-registry-entry.json")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        did = client.get("/.well-known/did.json").json()["id"]
        assert r.json() == {
            "registry": {
                did: {
                    "name": "Utah POST CIT",
                    "url": PUBLIC_URL,
                    "location": "Salt Lake City, Utah, USA",
                }
            }
        }
        # Cacheable like the DID document, revalidated by its ETag.
        again = client.get(
            "/.well-known/dcc-registry-entry.json", headers={"If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304


def test_the_entry_is_public_and_names_the_issuers_did(anonymous: Api) -> None:
    entry = anonymous.get("/.well-known/dcc-registry-entry.json").json()["registry"]
    (did,) = entry
    assert did.startswith("did:web:")
    assert entry[did]["name"] == "CIT Utah"
    assert entry[did]["location"] == ""  # not configured: the program adds it before sending


def test_the_location_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_ISSUER_LOCATION", "  Provo, Utah, USA ")
    assert load_settings().issuer_location == "Provo, Utah, USA"
    monkeypatch.delenv("REGISTRY_ISSUER_LOCATION")
    assert load_settings().issuer_location == ""

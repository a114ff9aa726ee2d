"""Verifiers of the field, not ours, against a real server: openbadgeslib (the Open Badges 3.0
verifier on PyPI) resolves our did:web issuer, checks the JWS and its revocation status."""

from __future__ import annotations

from typing import Any

import pytest
from openbadgeslib.ob3.verifier import OB3VerificationError, OB3Verifier
from openbadgeslib.util import download_file

from registry.vc.did import did_web
from tests.live import LiveServer
from tests.verification.test_verify_api import parts


class Downloads:
    """openbadgeslib's own downloader, let through to the test server: did:web resolves over
    https only, so its https URL of the server is fetched over the server's plain http."""

    def __init__(self, live: LiveServer) -> None:
        self.https = live.url.replace("http://", "https://", 1)
        self.http = live.url
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        if url.startswith(self.https):
            url = self.http + url[len(self.https) :]
        data: bytes = download_file(url, allow_insecure=True, allow_private=True)
        return data


def test_openbadgeslib_accepts_the_jws_with_its_status_then_sees_the_revocation(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    item = live_server.issue()
    did = did_web(live_server.url)
    downloads = Downloads(live_server)
    verifier = OB3Verifier.for_issuer_did(did, download=downloads)
    assert downloads.fetched == [f"{downloads.https}/.well-known/did.json"]

    credential: Any = verifier.verify(item["token"], check_status=True, download=downloads)
    assert credential.issuer.id == did
    status_url = f"{live_server.url}/status/revocation/"
    assert any(url.startswith(status_url) for url in downloads.fetched), downloads.fetched

    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{item['credential_id']}/revoke", json={"reason": "x"})
        assert r.status_code == 200, r.text
    with pytest.raises(OB3VerificationError, match="revocation"):
        verifier.verify(item["token"], check_status=True, download=downloads)
    capsys.readouterr()  # download_file's "does not use TLS" warnings


def test_openbadgeslib_checks_our_status_list_signature_but_takes_it_for_no_badge(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    item = live_server.issue()
    downloads = Downloads(live_server)
    verifier = OB3Verifier.for_issuer_did(did_web(live_server.url), download=downloads)
    url = parts(item["token"])[1]["credentialStatus"]["statusListCredential"]
    status_list = downloads(url).decode()
    # Signed by our key (its signature passes), then refused for what it is.
    with pytest.raises(OB3VerificationError, match="not an OpenBadgeCredential"):
        verifier.verify(status_list)
    capsys.readouterr()

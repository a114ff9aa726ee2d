"""The verify API on a token the registry has on record, sent again and again (as hiring systems
and scanners do): its signature is checked once per key set, and the answer is the one a first
verification gives, every check and reason included; status and protection are read each time."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar

from registry.vc.keys import PublicKey
from registry.verification.stored import Signature, StoredCredentials
from tests.conftest import Api, Region

JSON = {"Accept": "application/json"}


def verify(client: Api, token: str) -> dict[str, Any]:
    r = client.post("/api/v1/verify", {"token": token})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    answer.pop("checked_at")
    return answer


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The signing inputs Ed25519/ES256 checks are made on from here on."""
    made: list[bytes] = []
    real = PublicKey.verify

    def counted(self: PublicKey, alg: str, signing_input: bytes, signature: bytes) -> bool:
        made.append(signing_input)
        return real(self, alg, signing_input, signature)

    monkeypatch.setattr(PublicKey, "verify", counted)
    return made


def test_a_token_on_record_is_answered_as_the_first_time_without_a_second_signature_check(
    region: Region, course: dict[str, Any], anonymous: Api, signature_checks: list[bytes]
) -> None:
    issued = region.certified(course)
    token = issued["token"]
    signing_input = token.rpartition(".")[0].encode()
    first = verify(anonymous, token)  # as any token; the record is read for its holder
    assert first["verdict"] == "valid" and first["credential"]["holder"]["name"]
    assert verify(anonymous, token) == first  # as the record: its signature checked
    assert signature_checks.count(signing_input) == 2
    for _ in range(3):
        assert verify(anonymous, token) == first
    assert signature_checks.count(signing_input) == 2


def test_the_same_token_with_a_space_around_it_is_verified_as_what_it_is(
    region: Region, course: dict[str, Any], anonymous: Api, signature_checks: list[bytes]
) -> None:
    token = region.certified(course)["token"]
    verify(anonymous, token)
    spaced = verify(anonymous, f" {token}\n")
    assert spaced["verdict"] == "valid"
    size = next(c for c in spaced["checks"] if c["name"] == "size")
    assert size["detail"].startswith(f"{len(token) + 2} bytes"), size
    assert signature_checks.count(token.rpartition(".")[0].encode()) == 2  # one a request


def test_a_token_on_record_shows_a_revocation_and_a_protection_at_the_next_request(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course)
    token, officer = issued["token"], issued["officer"]
    for _ in range(2):
        assert verify(anonymous, token)["credential"]["holder"]["name"]

    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": True})
    assert r.status_code == 200, r.text
    answer = verify(anonymous, token)
    assert answer["verdict"] == "valid"
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}

    path = f"/api/v1/credentials/{issued['credential_id']}/revoke"
    assert region.coordinator.post(path, {"reason": "test"}).status_code == 200
    answer = verify(anonymous, token)
    assert answer["verdict"] == "revoked", answer
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}


def test_at_most_so_many_stored_credentials_keep_their_checked_signature(
    region: Region, course: dict[str, Any], engine: sa.Engine, app: Litestar
) -> None:
    """A kept signature holds the parsed payload (~7 KB): their number is bounded apart from the
    entries', the oldest dropped first, and its credential stays in memory without it."""
    stored = StoredCredentials(engine, app.state.resources.live, signatures=2)
    ids = [region.certified(course)["credential_id"] for _ in range(3)]
    entries = [stored.load(credential_id) for credential_id in ids]
    for entry in entries:
        stored.keep(entry, Signature("fingerprint", {}, "kid", (), None))
    assert [entry.signature is not None for entry in entries] == [False, True, True]
    assert [stored.cached(credential_id) for credential_id in ids] == entries

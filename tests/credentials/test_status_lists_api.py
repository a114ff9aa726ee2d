"""The published status lists and the revoke / suspend / reinstate API that drives them."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import warnings
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet as JoseKeySet

from tests.conftest import DID, PUBLIC_URL, Api, Region, graduate

MIN_ENTRIES = 131_072


@dataclass
class Decoded:
    """A status list read without the registry's own code: joserfc, base64url, gzip."""

    payload: dict[str, Any]
    bits: bytes
    etag: str

    def bit(self, index: int) -> int:
        return (self.bits[index // 8] >> (7 - index % 8)) & 1  # index 0 is the MSB of byte 0

    @property
    def entries(self) -> int:
        return len(self.bits) * 8


def fetch_list(client: Api, url: str) -> Decoded:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == "application/vc+jwt"
    assert r.headers["etag"]
    assert "max-age" in r.headers["cache-control"]
    jwks = client.get("/.well-known/jwks.json").json()
    # joserfc 1.8 warns that "EdDSA" is not recommended; the profile requires it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        verified = jws.deserialize_compact(
            r.text, JoseKeySet.import_key_set(jwks), algorithms=["EdDSA"]
        )
    assert verified.headers()["typ"] == "vc+jwt"
    payload = json.loads(verified.payload)
    encoded = payload["credentialSubject"]["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    return Decoded(payload, gzip.decompress(raw), r.headers["etag"])


def issue(region: Region, course: dict[str, Any], officers: int = 1) -> list[dict[str, Any]]:
    klass = region.klass(capacity=officers)
    for _ in range(officers):
        graduate(region, course, klass["id"], region.officer()["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    issued: list[dict[str, Any]] = r.json()["issued"]
    assert len(issued) == officers
    return issued


def status_entry(token: str) -> tuple[str, int]:
    part = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    entry = payload["credentialStatus"]
    return entry["statusListCredential"], int(entry["statusListIndex"])


def change(region: Region, credential_id: str, action: str, reason: Any = "test") -> Any:
    body = {} if reason is None else {"reason": reason}
    return region.coordinator.post(f"/api/v1/credentials/{credential_id}/{action}", body)


def test_status_lists_are_signed_cacheable_and_hold_enough_entries(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    (item,) = issue(region, course)
    url, index = status_entry(item["token"])
    assert url.startswith(f"{PUBLIC_URL}/status/revocation/")
    for purpose in ("revocation", "suspension"):
        list_url = url.replace("/revocation/", f"/{purpose}/")
        decoded = fetch_list(anonymous, list_url)
        assert decoded.entries >= MIN_ENTRIES
        assert decoded.bit(index) == 0
        payload = decoded.payload
        assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert payload["id"] == list_url
        # The same DID as the credentials; no type "Profile", a term of the OB context only.
        assert payload["issuer"] == {"id": DID, "name": "CIT Utah"}
        assert payload["iss"] == DID
        assert payload["credentialSubject"]["statusPurpose"] == purpose
        assert payload["credentialSubject"]["type"] == "BitstringStatusList"
        again = anonymous.get(list_url, headers={"If-None-Match": decoded.etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == decoded.etag


def test_revoking_sets_the_bit_and_changes_the_etag(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    first, second = issue(region, course, officers=2)
    url, index = status_entry(first["token"])
    _, other = status_entry(second["token"])
    before = fetch_list(anonymous, url)
    assert before.bit(index) == 0

    r = change(region, first["credential_id"], "revoke", "Decertified by the POST council")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked"
    assert r.json()["status_reason"] == "Decertified by the POST council"

    after = fetch_list(anonymous, url)
    assert after.etag != before.etag
    assert after.bit(index) == 1
    assert after.bit(other) == 0
    stale = anonymous.get(url, headers={"If-None-Match": before.etag})
    assert stale.status_code == 200
    suspension = fetch_list(anonymous, url.replace("/revocation/", "/suspension/"))
    assert suspension.bit(index) == 0


def test_suspension_sets_the_parallel_bit_and_reinstating_clears_it(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    (item,) = issue(region, course)
    url, index = status_entry(item["token"])
    suspension_url = url.replace("/revocation/", "/suspension/")

    r = change(region, item["credential_id"], "suspend", "Under investigation")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended"
    assert fetch_list(anonymous, suspension_url).bit(index) == 1
    assert fetch_list(anonymous, url).bit(index) == 0

    r = change(region, item["credential_id"], "reinstate", "Cleared")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    assert fetch_list(anonymous, suspension_url).bit(index) == 0
    assert fetch_list(anonymous, url).bit(index) == 0


def test_revocation_is_final(region: Region, course: dict[str, Any], anonymous: Api) -> None:
    (item,) = issue(region, course)
    url, index = status_entry(item["token"])
    assert change(region, item["credential_id"], "suspend").status_code == 200
    assert change(region, item["credential_id"], "revoke").status_code == 200
    for action in ("revoke", "reinstate", "suspend"):
        r = change(region, item["credential_id"], action)
        assert r.status_code == 422, (action, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["rule"] == "status_transition"
    record = region.coordinator.get(f"/api/v1/credentials/{item['credential_id']}")
    assert record.json()["status"] == "revoked"
    assert fetch_list(anonymous, url).bit(index) == 1
    # Revoking a suspended credential leaves it revoked only, not suspended as well.
    assert fetch_list(anonymous, url.replace("/revocation/", "/suspension/")).bit(index) == 0


def test_a_status_change_needs_a_reason(region: Region, course: dict[str, Any]) -> None:
    (item,) = issue(region, course)
    for action in ("revoke", "suspend"):
        for reason in (None, "", "   ", 5):
            r = change(region, item["credential_id"], action, reason)
            assert r.status_code in (400, 422), (action, reason, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["field"] == "reason", (action, reason, r.json())
    record = region.coordinator.get(f"/api/v1/credentials/{item['credential_id']}")
    assert record.json()["status"] == "active"


def test_unknown_purpose_or_list_is_404(anonymous: Api) -> None:
    for path in (
        "/status/expiry/1",
        "/status/REVOCATION/1",
        "/status/revocation/999999",
        "/status/suspension/0",
        "/status/revocation/-1",
    ):
        r = anonymous.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text)


def test_status_changes_need_the_right_role_and_an_existing_credential(
    region: Region, region_factory: Any, course: dict[str, Any]
) -> None:
    (item,) = issue(region, course)
    r = region.instructor.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "x"}
    )
    assert r.status_code == 403
    r = Api(region.coordinator.client, None).post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "x"}
    )
    assert r.status_code == 401
    elsewhere = region_factory()
    r = elsewhere.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "x"}
    )
    assert r.status_code == 403
    r = region.coordinator.post(
        "/api/v1/credentials/0000000000000000000000000A/revoke", {"reason": "x"}
    )
    assert r.status_code == 404
    r = region.coordinator.post("/api/v1/credentials/%00/revoke", {"reason": "x"})
    assert r.status_code == 404  # a NUL byte never reaches the database (PostgreSQL refuses it)


def test_indexes_are_unique_and_random_across_many_credentials(
    region: Region, course: dict[str, Any], engine: sa.Engine
) -> None:
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM status_allocations")).scalar_one()
    issued = issue(region, course, officers=60)
    entries = [status_entry(item["token"]) for item in issued]
    assert len(set(entries)) == 60
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM status_allocations")).scalar_one()
    assert after - before == 60
    indexes = sorted(i for _, i in entries)
    gaps = [b - a for a, b in itertools.pairwise(indexes)]
    # Sequential allocation would leave gaps of 1; random positions in 131,072 spread out.
    assert sum(1 for g in gaps if g == 1) <= 2
    assert indexes[-1] - indexes[0] > MIN_ENTRIES // 4
    assert [i for _, i in entries] != indexes  # not handed out in increasing order either

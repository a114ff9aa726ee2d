"""The whole flow once, end to end, through the HTTP API."""

from typing import Any

from tests.conftest import Region, graduate


def test_a_class_graduates_and_its_credentials_verify(
    region: Region, course: dict[str, Any]
) -> None:
    klass = region.klass()
    officer = region.officer()
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    issued = r.json()["issued"]
    assert len(issued) == 1
    v = region.coordinator.client.post("/api/v1/verify", json={"token": issued[0]["token"]})
    assert v.status_code == 200, v.text
    assert v.json()["verdict"] == "valid", v.json()

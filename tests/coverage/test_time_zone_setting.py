"""REGISTRY_TIME_ZONE: the program's local time, an IANA name checked at start-up."""

import pytest

from registry.settings import load_settings


def test_the_time_zone_defaults_to_denver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGISTRY_TIME_ZONE", raising=False)
    assert load_settings().time_zone == "America/Denver"


def test_an_iana_time_zone_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_TIME_ZONE", "America/Phoenix")
    assert load_settings().time_zone == "America/Phoenix"


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", "MST7MDT/x"])
def test_a_time_zone_the_system_does_not_know_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("REGISTRY_TIME_ZONE", name)
    with pytest.raises(SystemExit, match="REGISTRY_TIME_ZONE"):
        load_settings()

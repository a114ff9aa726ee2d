"""How dates and times read everywhere: pages, PDFs, emails and the printed verdict ("November
29, 2028"; a moment as "November 29, 2028 at 16:45 MST", in the program's time zone,
`REGISTRY_TIME_ZONE`, named). CSV files and the API keep ISO 8601. One module, one set of
template filters, bound to the zone by the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo


def _as_date(value: Any) -> date | datetime | None:
    if isinstance(value, date):  # datetime is a date too
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            # A day alone ("2028-11-29") is that day: read as midnight UTC, it would be the
            # evening before in the program's zone.
            if len(text) == len("2028-11-29"):
                return date.fromisoformat(text)
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def long_date(value: Any, zone: ZoneInfo | None = None) -> str:
    """A date in words; the value as given when it is not a date (never an error on a page).
    A moment's date is the one in `zone`: a certification issued at 18:00 in Denver was issued
    that day, although UTC's calendar has turned."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    if isinstance(day, datetime) and zone is not None:
        day = local(day, zone)
    return f"{day:%B} {day.day}, {day.year}"


def iso_date(value: Any) -> str:
    """A date as a form's date input holds it (2028-11-29): an input given anything else shows
    blank, and the form would then not save unchanged."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return (day.date() if isinstance(day, datetime) else day).isoformat()


def local(moment: datetime, zone: ZoneInfo | None) -> datetime:
    """A moment in the zone (a naive one is taken as UTC, as the database keeps them)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone or UTC)


def local_date(moment: datetime, zone: ZoneInfo | None) -> date:
    """A moment's day in the zone: a certification valid until 00:30 UTC on June 10 is valid
    until June 9 in Denver, the day the people who read it count."""
    return local(moment, zone).date()


def clock(value: Any, zone: ZoneInfo | None = None, *, seconds: bool = False) -> str:
    """The time of day in the zone, named: "16:45 MST"."""
    moment = _as_date(value)
    if not isinstance(moment, datetime):
        return "" if value is None else str(value)
    here = local(moment, zone)
    shown = f"{here:%H:%M:%S}" if seconds else f"{here:%H:%M}"
    return f"{shown} {here.tzname()}"


def long_datetime(value: Any, zone: ZoneInfo | None = None, *, seconds: bool = False) -> str:
    """A moment in words in the zone, named: "November 29, 2026 at 16:45 MST"."""
    moment = _as_date(value)
    if not isinstance(moment, datetime):
        return long_date(value)
    here = local(moment, zone)
    return f"{long_date(here)} at {clock(here, zone, seconds=seconds)}"


def filters(zone: ZoneInfo) -> dict[str, Callable[..., str]]:
    """The template filters, moments shown in `zone`."""

    def in_zone(show: Callable[..., str]) -> Callable[..., str]:
        return lambda value, seconds=False: show(value, zone, seconds=seconds)

    return {
        "long_date": lambda value: long_date(value, zone),
        "iso_date": iso_date,
        "long_datetime": in_zone(long_datetime),
        "clock": in_zone(clock),
    }

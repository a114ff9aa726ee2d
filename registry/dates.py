"""How dates and times read on every page ("November 29, 2028"): one filter for all templates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


def _as_date(value: Any) -> date | datetime | None:
    if isinstance(value, date):  # datetime is a date too
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def long_date(value: Any) -> str:
    """A date in words; the value as given when it is not a date (never an error on a page)."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return f"{day:%B} {day.day}, {day.year}"


def long_datetime(value: Any) -> str:
    """A moment in words and UTC: "November 29, 2026 at 23:45 UTC"."""
    moment = _as_date(value)
    if not isinstance(moment, datetime):
        return long_date(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{long_date(moment)} at {moment:%H:%M} UTC"


FILTERS = {"long_date": long_date, "long_datetime": long_datetime}

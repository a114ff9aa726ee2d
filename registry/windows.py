"""The program's windows, in one place: when a renewal opens and closes, and how far ahead the
expiring report reaches. Every page, command, API and export reads them here."""

from __future__ import annotations

RENEWAL_OPENS_MONTHS = 6  # a renewal opens this long before the certification's validUntil
RENEWAL_GRACE_MONTHS = 12  # and closes this long after it
EXPIRING_DEFAULT_DAYS = 90
EXPIRING_MAX_DAYS = 3660  # ten years, leap days and a margin: the records a state keeps


def expiring_days(asked: int | None) -> int:
    """The expiring report's window for a page that takes any number: the default when none,
    else held within 1 to EXPIRING_MAX_DAYS (the API and the command line refuse beyond)."""
    if asked is None:
        return EXPIRING_DEFAULT_DAYS
    return min(max(asked, 1), EXPIRING_MAX_DAYS)

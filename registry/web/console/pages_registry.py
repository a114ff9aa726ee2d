"""The console's page handlers, one line per module, so that adding a page touches one place."""

from __future__ import annotations

from typing import Any

from registry.web.console import (
    classes,
    credentials,
    program,
    records,
    renewals,
    reports,
    sheets,
    users,
    wallet_link,
)
from registry.web.console import imports as imports_pages

HANDLERS: list[Any] = [
    *records.HANDLERS,
    *program.HANDLERS,
    *classes.HANDLERS,
    *credentials.HANDLERS,
    *reports.HANDLERS,
    *wallet_link.HANDLERS,
    *imports_pages.HANDLERS,
    *sheets.HANDLERS,
    *renewals.HANDLERS,
    *users.HANDLERS,
]

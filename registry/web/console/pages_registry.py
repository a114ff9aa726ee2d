"""The console's page handlers, one line per module, so that adding a page touches one place."""

from __future__ import annotations

from typing import Any

HANDLERS: list[Any] = []

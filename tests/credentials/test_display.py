"""One rule for a credential's shown state and its status actions (credentials/display.py), and
the drift it ended: a renewed certification revoked afterwards read "superseded" on the console
while the CSV, the wallet and /c/{id} said revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from registry.credentials.display import (
    allowed_actions,
    display_state,
    record_state,
    shown_state,
)
from registry.tables.credentials import Credential, CredentialStatus

NOW = datetime(2027, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "superseded", "shown"),
    [
        ("valid", False, "valid"),
        ("valid", True, "superseded"),
        ("expired", True, "superseded"),
        ("expired", False, "expired"),
        ("revoked", True, "revoked"),
        ("suspended", True, "suspended"),
        ("invalid", True, "invalid"),
    ],
)
def test_a_renewal_supersedes_only_a_certification_in_force_or_expired(
    state: str, superseded: bool, shown: str
) -> None:
    assert display_state(state, superseded) == shown


def _credential(status: CredentialStatus, days_left: int, successor: str | None) -> Credential:
    # Only the fields the rules read: a row built for them, never stored.
    fields: dict[str, Any] = {
        "id": "C" * 26,
        "status": status,
        "valid_until": NOW + timedelta(days=days_left),
        "superseded_by": successor,
    }
    return Credential(**fields)


@pytest.mark.parametrize(
    ("status", "days_left", "successor", "record", "shown", "actions"),
    [
        (CredentialStatus.ACTIVE, 30, None, "valid", "valid", ["revoke", "suspend"]),
        (CredentialStatus.ACTIVE, 0, None, "expired", "expired", ["revoke", "suspend"]),
        (CredentialStatus.ACTIVE, 30, "S", "valid", "superseded", ["revoke", "suspend"]),
        (CredentialStatus.SUSPENDED, 30, "S", "suspended", "suspended", ["revoke", "reinstate"]),
        (CredentialStatus.REVOKED, 30, "S", "revoked", "revoked", []),
    ],
)
def test_the_records_state_and_actions(
    status: CredentialStatus,
    days_left: int,
    successor: str | None,
    record: str,
    shown: str,
    actions: list[str],
) -> None:
    credential = _credential(status, days_left, successor)
    assert record_state(credential, NOW) == record
    assert shown_state(credential, NOW) == shown
    assert allowed_actions(credential) == actions

"""Renewal fixtures: a certified officer of one's own, and small readers of the shared database."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from registry.common import add_months
from registry.tables.audit import AuditEntry
from registry.tables.credentials import Credential
from tests.conftest import Region, graduate, program_today
from tests.console.conftest import console_client

__all__ = ["console_client"]  # the console's signed-in client, for the console tests here


@dataclass
class Certified:
    """One officer, certified just now in a class of the region."""

    officer: dict[str, Any]
    issued: dict[str, Any]

    @property
    def credential_id(self) -> str:
        return str(self.issued["credential_id"])


def certify(region: Region, course: dict[str, Any], **officer_fields: Any) -> Certified:
    klass = region.klass()
    officer = region.officer(**officer_fields)
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    (issued,) = r.json()["issued"]
    return Certified(officer=officer, issued=issued)


@pytest.fixture
def certified(region: Region, course: dict[str, Any]) -> Certified:
    return certify(region, course)


def add_ce(region: Region, officer_id: str, hours: float, on: date | None = None) -> Any:
    r = region.coordinator.post(
        f"/api/v1/officers/{officer_id}/ce",
        {
            "title": "Annual CIT refresher",
            "hours": hours,
            "completed_on": (on or program_today()).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def payload_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def stored(engine: sa.Engine, credential_id: str) -> Credential:
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        return credential


def audit_actions(engine: sa.Engine, entity_id: str) -> list[str]:
    with Session(engine) as session:
        query = select(AuditEntry.action).where(AuditEntry.entity_id == entity_id)
        return list(session.exec(query))


# Renewal opens six months before expiry: this many months after certification it is open.
IN_WINDOW = 20


def age(engine: sa.Engine, credential_id: str, months: int = IN_WINDOW) -> Credential:
    """Moves a stored credential's dates `months` into the past, as if certified that long ago.

    The signed token keeps its own dates; renewal's rules read the record's. Only the record's
    dates change, the way time passing would change "now" relative to them.
    """
    with Session(engine, expire_on_commit=False) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        credential.issued_at = add_months(credential.issued_at, -months)
        credential.valid_from = add_months(credential.valid_from, -months)
        credential.valid_until = add_months(credential.valid_until, -months)
        session.add(credential)
        session.commit()
        return credential

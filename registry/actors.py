"""Who acts: the roles, and the acting user (signed in, or the command line) with the region rule
every service applies. Beneath accounts and the audit trail, which both speak of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from registry.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    INSTRUCTOR = "instructor"
    MONITOR = "monitor"  # reads /metrics and nothing else (a Prometheus server's token)
    # An agency's CIT liaison: its plan, assignments, coverage and on-duty list, nothing else.
    LIAISON = "liaison"
    # A CAD system's account at one agency: reads that agency's on-duty list and nothing else;
    # it holds an API token only (no console password).
    DISPATCH = "dispatch"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the command line."""

    user_id: uuid.UUID | None
    username: str
    role: Role
    region_id: uuid.UUID | None = None
    region_code: str | None = None
    # A liaison's or a dispatch account's one agency; None for every other role.
    agency_id: uuid.UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_office(self) -> bool:
        """Coordinators and the administrator: who may change records (instructors record
        attendance and results only)."""
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    def can_act_in(self, region_id: uuid.UUID | None) -> bool:
        return self.is_admin or (region_id is not None and region_id == self.region_id)

    def in_scope(self, region_column: Any) -> Any:
        """The query condition of `can_act_in`: rows whose `region_column` is the actor's region
        (every row for the administrator)."""
        return sa.true() if self.is_admin else region_column == self.region_id

    def require_region(self, region_id: uuid.UUID | None, what: str = "record") -> None:
        if not self.can_act_in(region_id):
            raise Forbidden(
                f"This {what} belongs to another region than yours.",
                rule="region_scope",
            )

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"This action needs the role {allowed}.", rule="role")


SYSTEM = Actor(user_id=None, username="cli", role=Role.ADMIN)

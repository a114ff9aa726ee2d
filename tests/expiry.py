"""A credential that expired two months ago, signed by the real issuing code (the API can only
issue credentials valid from today)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from litestar import Litestar

from registry.actors import SYSTEM
from registry.common import add_months, utcnow
from registry.credentials.service import issue_credential
from registry.credentials.status import allocate
from registry.db import unit_of_work
from registry.tables.credentials import Credential
from registry.tables.people import Officer
from registry.tables.training import Course


def expired_copy(engine: sa.Engine, app: Litestar, credential_id: str) -> str:
    """A credential of the same officer and class that expired two months ago."""
    with unit_of_work(engine) as session:
        old = session.get(Credential, credential_id)
        assert old is not None
        officer, course = session.get(Officer, old.officer_id), session.get(Course, old.course_id)
        start = add_months(utcnow(), -26)
        new = issue_credential(
            session,
            SYSTEM,
            app.state.resources.issuer,
            officer=officer,
            course=course,
            class_id=old.class_id,
            slot=allocate(session, 1)[0],
            valid_from=start,
            valid_until=start + timedelta(days=730),
            generation=old.generation + 7,
            renewal_of=None,
        )
        session.flush()
        return new.id

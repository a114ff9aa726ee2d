"""Glue between the pure verifier and this registry: its keys, its status lists, its records."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from registry.credentials.models import Credential
from registry.credentials.service import Issuer
from registry.credentials.status import StatusListPublisher
from registry.db import unit_of_work
from registry.errors import RegistryError
from registry.people.models import Officer
from registry.verification.core import CachingStatusSource, StatusUnavailable, Verdict, verify


class LocalStatusSource:
    """Serves this registry's own status lists straight from the database, no HTTP round trip."""

    def __init__(self, engine: Engine, publisher: StatusListPublisher) -> None:
        self.engine = engine
        self.publisher = publisher
        self.pattern = re.compile(
            re.escape(publisher.public_url) + r"/status/(revocation|suspension)/([0-9]{1,9})"
        )

    def fetch(self, url: str) -> str:
        match = self.pattern.fullmatch(url)
        if match is None:
            raise StatusUnavailable(f"{url} is not a status list of this registry")
        try:
            with unit_of_work(self.engine, read_only=True) as session:
                return self.publisher.get(session, match[1], int(match[2])).token
        except RegistryError as exc:
            raise StatusUnavailable(str(exc)) from exc


class Verifier:
    """The registry's verifier: trusts its own issuer and keys, reads live status."""

    def __init__(self, engine: Engine, issuer: Issuer) -> None:
        self.issuer = issuer
        # ttl 0: every verification reads the current list (itself cached per revision), while
        # a list token already verified is not verified again.
        self.status = CachingStatusSource(
            LocalStatusSource(engine, issuer.publisher()), ttl=timedelta(0)
        )

    def verify(self, token: str | bytes, now: datetime | None = None) -> Verdict:
        self.issuer.keys.refresh()
        return verify(
            token,
            self.issuer.keys.trusted(),
            self.status,
            now or datetime.now(UTC),
            issuer=self.issuer.public_url,
        )

    def verify_stored(self, session: Session, credential: Credential) -> Verdict:
        verdict = self.verify(credential.token)
        officer = session.get(Officer, credential.officer_id)
        # Protection can be granted after issuance; the live answer honours it.
        if officer is not None and officer.protected and verdict.credential is not None:
            return verdict.redacted()
        return verdict

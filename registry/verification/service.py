"""Glue between the pure verifier and this registry: its keys, its status lists, its records."""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from registry.audit.models import AuditEntry
from registry.credentials import status
from registry.credentials.models import Credential
from registry.credentials.service import CREDENTIAL_ID, Issuer, get_credential
from registry.credentials.status import FRESH_SECONDS, GRACE_SECONDS, StatusListPublisher
from registry.db import on_commit, unit_of_work
from registry.errors import InvalidInput, NotFound, RegistryError
from registry.people.models import Officer
from registry.training.models import Course
from registry.verification.core import (
    INVALID,
    CachingStatusSource,
    StatusUnavailable,
    Verdict,
    verify,
)
from registry.verification.dataintegrity import parse as parse_document
from registry.verification.dataintegrity import refused, verify_document

# The session of the request being served, while it verifies one of its stored credentials. A
# status list that must be re-read then uses that session's connection: a thread holding one
# pooled connection and waiting for a second deadlocks the pool once as many requests as it has
# connections do the same (seen under load on PostgreSQL: every worker thread stuck in checkout).
_request_session: ContextVar[Session | None] = ContextVar("request_session", default=None)
# Set while verifying on the event loop, where nothing may wait for the database: a status list
# that is not current in memory is noted here instead of read, and the verification is redone
# in a worker thread. (Blocking the loop in the pool's checkout would also stop the requests
# that are to give connections back.)
_missed_on_loop: ContextVar[list[str] | None] = ContextVar("missed_on_loop", default=None)


_T = TypeVar("_T")


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
        purpose, n = match[1], int(match[2])
        missed = _missed_on_loop.get()
        if missed is not None:
            cached = self.publisher.cached(purpose, n)
            if cached is None:
                missed.append(url)
                raise StatusUnavailable(f"{url} is not in memory")
            return cached.token
        try:
            session = _request_session.get()
            if session is not None:
                return self.publisher.get(session, purpose, n).token
            with unit_of_work(self.engine, read_only=True) as own:
                return self.publisher.get(own, purpose, n).token
        except RegistryError as exc:
            raise StatusUnavailable(str(exc)) from exc


@dataclass(frozen=True)
class Stored:
    """What verifying a stored credential needs: its token, and whether to withhold the name."""

    credential_id: str
    token: str
    officer_id: uuid.UUID
    protected: bool


class StoredCredentials:
    """Looks credentials up by id for the public page, keeping the hot ones in memory.

    Tokens never change once issued. Whether a holder is protected can: every such change is an
    `officer.update` audit entry, so the newest of those is a version number for all officers.
    It is read at most once per FRESH_SECONDS (one indexed query), and when it moved the cached
    flags are dropped; a change made in this process drops them at once (commit hook).
    """

    def __init__(self, engine: Engine, size: int = 50_000) -> None:
        self.engine = engine
        self.size = size
        self._items: OrderedDict[str, Stored] = OrderedDict()
        self._version: int | None = None
        self._checked = float("-inf")
        self._claimed = False  # a request has gone to re-read the version (see GRACE_SECONDS)
        self._lock = threading.Lock()
        on_commit("officers", self.forget_officers)

    def forget_officers(self, officer_ids: set[Any]) -> None:
        with self._lock:
            for key in [k for k, v in self._items.items() if v.officer_id in officer_ids]:
                del self._items[key]

    def cached(self, credential_id: str) -> Stored | None:
        """The stored credential when it is in memory and the officers' version is fresh, or
        within the grace while another request re-reads the version. None when the caller is
        to `load` it."""
        with self._lock:
            age = status.clock() - self._checked
            item = self._items.get(credential_id)
            if age < FRESH_SECONDS:
                return item
            if item is not None and self._claimed and age < FRESH_SECONDS + GRACE_SECONDS:
                return item
            self._claimed = True
            return None

    def load(self, credential_id: str) -> Stored:
        """Reads the database (blocking); raises NotFound for an unknown id."""
        try:
            return self._load(credential_id)
        finally:
            with self._lock:
                self._claimed = False

    def _load(self, credential_id: str) -> Stored:
        confirmed = status.clock()
        with unit_of_work(self.engine, read_only=True) as session:
            version = session.exec(
                select(func.max(AuditEntry.id)).where(AuditEntry.action == "officer.update")
            ).one()
            with self._lock:
                if version != self._version:
                    self._items.clear()
                    self._version = version
                self._checked = confirmed
                hit = self._items.get(credential_id)
            if hit is not None:
                return hit
            credential = get_credential(session, credential_id)
            officer = session.get(Officer, credential.officer_id)
            stored = Stored(
                credential_id=credential.id,
                token=credential.token,
                officer_id=credential.officer_id,
                protected=bool(officer and officer.protected),
            )
        with self._lock:
            self._items[credential_id] = stored
            self._items.move_to_end(credential_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return stored


class Verifier:
    """The registry's verifier: trusts its own issuer and keys, reads live status."""

    def __init__(self, engine: Engine, issuer: Issuer) -> None:
        self.engine = engine
        self.issuer = issuer
        self.stored = StoredCredentials(engine)
        # ttl 0: every verification reads the current list (itself cached per revision), while
        # a list token already verified is not verified again.
        self.status = CachingStatusSource(
            LocalStatusSource(engine, issuer.publisher()), ttl=timedelta(0)
        )
        self._courses: frozenset[str] | None = None

    def courses(self) -> frozenset[str]:
        """The achievement ids of this registry's courses: only these can be certified. Courses
        come with the schema (migrations), so they are read once per process."""
        if self._courses is None:
            with unit_of_work(self.engine, read_only=True) as session:
                codes = session.exec(select(Course.code)).all()
            self._courses = frozenset(self.issuer.course_id(code) for code in codes)
        return self._courses

    def verify(self, token: str | bytes, now: datetime | None = None) -> Verdict:
        keys = self.issuer.keys
        keys.refresh()
        for _ in range(2):
            trusted = keys.trusted()
            verdict = verify(
                token,
                trusted,
                self.status,
                now or datetime.now(UTC),
                issuer=self.issuer.public_url,
                courses=self.courses(),
            )
            # When the keys changed while it ran, a status list may have been signed by a key
            # newer than the set read at the start: once more, with the keys as they are now.
            if verdict.verdict != INVALID or keys.trusted().fingerprint == trusted.fingerprint:
                break
        return verdict

    async def verify_presented(self, token: str | bytes) -> Verdict:
        """The verdict on a token someone sends in, naming no holder who is protected now."""
        return await self.honour_protection(await self.verify_on_loop(token))

    async def honour_protection(self, verdict: Verdict) -> Verdict:
        """`verdict` without the holder's name and POST id unless the credential is one of ours
        on record whose holder is not protected now. A credential of ours that is not on record
        (signed by our key, so genuine: a database restored from before its issuance, say)
        cannot tell whether its holder is protected, so it names no one either."""
        if verdict.credential is None:
            return verdict
        stored: Stored | None = None
        credential_id = self._own_credential_id(verdict)
        if credential_id is not None:
            stored = self.stored.cached(credential_id)
            if stored is None:
                try:
                    stored = await anyio.to_thread.run_sync(self.stored.load, credential_id)
                except NotFound:
                    stored = None
        if stored is not None and not stored.protected:
            return verdict
        return verdict.redacted()

    def _own_credential_id(self, verdict: Verdict) -> str | None:
        url = verdict.payload.get("id") if verdict.payload is not None else None
        prefix = self.issuer.credential_url("")
        if not isinstance(url, str) or not url.startswith(prefix):
            return None
        wanted = url[len(prefix) :]
        return wanted if CREDENTIAL_ID.fullmatch(wanted) else None

    def verify_document(self, document: Any, now: datetime | None = None) -> Verdict:
        """The verdict on a credential in its Data Integrity form (issued by our DID)."""
        self.issuer.keys.refresh()
        return verify_document(
            document,
            self.issuer.keys.trusted(),
            self.status,
            now or datetime.now(UTC),
            issuer=self.issuer.public_url,
            courses=self.courses(),
        )

    def verify_request(self, token: str | None, credential: Any, body: bytes) -> Verdict:
        """The verdict on a verify request: a JWS `token` or a Data Integrity `credential`.

        The credential is read again from the raw `body`, refusing repeated members, which the
        JSON decoder in front of us would silently resolve (the last one wins).
        """
        if (token is None) == (credential is None):
            raise InvalidInput(
                "Send exactly one of token (a JWS) and credential (a Data Integrity document).",
                field="credential" if token is None else "token",
                rule="one_of",
            )
        if token is not None:
            return self.verify(token)
        if not isinstance(credential, dict):
            raise InvalidInput("credential must be a JSON object.", field="credential", rule="type")
        try:
            strict = parse_document(body)
        except ValueError as exc:
            return refused(str(exc), datetime.now(UTC))
        return self.verify_document(strict.get("credential") if isinstance(strict, dict) else None)

    def verify_stored(self, session: Session, credential: Credential) -> Verdict:
        """Verifies a credential read through `session`, reading any status list through it too:
        one pooled connection per request, never two."""
        officer = session.get(Officer, credential.officer_id)
        stored = Stored(
            credential_id=credential.id,
            token=credential.token,
            officer_id=credential.officer_id,
            protected=bool(officer and officer.protected),
        )
        bound = _request_session.set(session)
        try:
            return self.verify_record(stored)
        finally:
            _request_session.reset(bound)

    async def verify_on_loop(self, token: str | bytes) -> Verdict:
        """For async handlers: verifies on the event loop when the status lists are in memory
        (pure CPU, no thread hand-off), in a worker thread when one must be read."""
        return await self._on_loop(self.verify, token)

    async def verify_record_on_loop(self, stored: Stored) -> Verdict:
        return await self._on_loop(self.verify_record, stored)

    async def _on_loop(self, check: Callable[[_T], Verdict], item: _T) -> Verdict:
        if self._courses is None:  # the first verification of the process reads them
            return await anyio.to_thread.run_sync(check, item)
        missed: list[str] = []
        bound = _missed_on_loop.set(missed)
        try:
            verdict = check(item)
        finally:
            _missed_on_loop.reset(bound)
        if not missed:
            return verdict
        return await anyio.to_thread.run_sync(check, item)

    def verify_record(self, stored: Stored) -> Verdict:
        verdict = self.verify(stored.token)
        # Protection can be granted after issuance; the live answer honours it.
        if stored.protected and verdict.credential is not None:
            return verdict.redacted()
        return verdict

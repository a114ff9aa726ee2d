"""The stored credentials the public pages and the verify API verify, kept in memory by id and
by their token's text, with what a page says beyond the verdict."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from registry.credentials.service import get_credential, holder_is_protected
from registry.db import on_commit, unit_of_work
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Officer
from registry.verification.core import Certified
from registry.verification.live import LiveStatus
from registry.verification.verdict import Check


@dataclass(frozen=True)
class Signature:
    """A stored token's signature, checked against the key set of `fingerprint`: what verifying
    it again would find, while that key set is the trusted one."""

    fingerprint: str
    payload: dict[str, Any]
    key_id: str
    checks: tuple[Check, ...]
    certified: Certified | None  # the stages before time, as the verifier's policy finds them


@dataclass(frozen=True)
class PageFacts:
    """What the page says beyond the verdict, from the stored record: the date a revocation or
    suspension took effect, the renewal that superseded it, whether its holder is protected now
    (so the name is withheld, and the signed files are not handed out)."""

    credential_id: str
    status_date: datetime | None
    successor: tuple[str, datetime] | None  # its id and validUntil
    protected: bool

    @property
    def downloadable(self) -> bool:
        return not self.protected

    def in_force(self) -> PageFacts:
        """The facts for a verdict of valid or expired: no revocation or suspension date (the
        record may have had one when these were read)."""
        return replace(self, status_date=None)


def page_facts(session: Session, credential: Credential, protected: bool | None) -> PageFacts:
    """The facts of a stored credential; `protected` is whether its holder is, when known."""
    successor = (
        session.get(Credential, credential.superseded_by) if credential.superseded_by else None
    )
    if protected is None:
        protected = holder_is_protected(session, credential)
    return PageFacts(
        credential_id=credential.id,
        status_date=credential.status_changed_at
        if credential.status in (CredentialStatus.REVOKED, CredentialStatus.SUSPENDED)
        else None,
        successor=(successor.id, successor.valid_until) if successor else None,
        protected=protected,
    )


@dataclass
class Stored:
    """What verifying a stored credential needs: its token, and whether to withhold the name
    (as of the officers' `version`); its signature once checked; what its page says beyond the
    verdict."""

    credential_id: str
    token: str
    officer_id: uuid.UUID
    protected: bool
    page: PageFacts
    version: int | None = None
    signature: Signature | None = None


class StoredCredentials:
    """The stored credentials the public pages verify, by id, kept in memory.

    Tokens never change once issued. Whether a holder is protected can: a change committed in
    this process drops that officer's entries at once (commit hook); one committed elsewhere
    moves the officers' version that live status follows, and entries of an older version are
    read again. They are found by id, or by their token's exact text (`presented`).

    An entry is ~3 KB; one whose signature was checked keeps the parsed payload and its checks
    too, ~7 KB more (tracemalloc, docs/benchmarks.md), so at most `signatures` of the `size`
    entries keep one: the oldest kept is dropped first, and checked again when next asked for.
    """

    def __init__(
        self, engine: Engine, live: LiveStatus, size: int = 20_000, signatures: int = 10_000
    ) -> None:
        self.engine = engine
        self.live = live
        self.size = size
        self.signatures = signatures
        self._items: dict[str, Stored] = {}
        self._ids: dict[str, str] = {}  # credential id by token, for the entries in _items
        self._signed: dict[str, Stored] = {}  # the entries that keep a signature, oldest first
        self._lock = threading.Lock()
        on_commit("officers", self.forget_officers)

    def forget_officers(self, officer_ids: set[Any]) -> None:
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v.officer_id not in officer_ids}
            self._ids = {v.token: k for k, v in self._items.items()}
            self._signed = {k: v for k, v in self._signed.items() if k in self._items}

    def keep(self, stored: Stored, signature: Signature) -> None:
        """Keeps `signature` with `stored`, dropping the oldest kept past `signatures`."""
        with self._lock:
            stored.signature = signature
            if self._items.get(stored.credential_id) is not stored:
                return  # replaced or dropped meanwhile: kept by its verification alone
            self._signed[stored.credential_id] = stored
            if len(self._signed) > self.signatures:
                self._signed.pop(next(iter(self._signed))).signature = None

    def cached(self, credential_id: str) -> Stored | None:
        """The stored credential when it is in memory and current; None: `load` it."""
        item = self._items.get(credential_id)
        return item if item is not None and item.version == self.live.officers_version else None

    def presented(self, token: str) -> Stored | None:
        """The stored credential whose token is `token` exactly, when it is in memory and
        current; None for any other text (a token of ours with a space around it included)."""
        credential_id = self._ids.get(token)
        item = self.cached(credential_id) if credential_id is not None else None
        return item if item is not None and item.token == token else None

    def load(self, credential_id: str, session: Session | None = None) -> Stored:
        """Reads the database (blocking), through `session` if given; NotFound for an
        unknown id."""
        if session is None:
            with unit_of_work(self.engine, read_only=True) as own:
                return self.load(credential_id, own)
        version = self.live.officers_version  # before the read: a later change makes it stale
        credential = get_credential(session, credential_id)
        officer = session.get(Officer, credential.officer_id)
        protected = officer is None or officer.protected
        stored = Stored(
            credential_id=credential.id,
            token=credential.token,
            officer_id=credential.officer_id,
            protected=protected,
            page=page_facts(session, credential, protected),
            version=version,
        )
        with self._lock:
            self._items[credential.id] = stored
            self._ids[stored.token] = credential.id
            self._signed.pop(credential.id, None)  # an older entry's, read again
            if len(self._items) > self.size:  # the oldest read goes first
                oldest = self._items.pop(next(iter(self._items)))
                self._ids.pop(oldest.token, None)
                self._signed.pop(oldest.credential_id, None)
        return stored

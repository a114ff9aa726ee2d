"""Live status: each worker's status lists in memory, current to the last change any worker
committed.

One mechanism, three ways in:
- a change committed in this process updates memory at once (the commit hook of registry.db);
- other workers and hosts learn of a change through the database itself: PostgreSQL delivers a
  `NOTIFY registry_changes` with each such commit (registry.db sends it) to a watcher thread
  that LISTENs; on SQLite the watcher polls `PRAGMA data_version`, the database file's own
  version counter, ten times a second;
- on either, the watcher then reads the lists' revisions (one small query) and the bits of those
  that moved, and signs them again.

Request paths only read memory. Signing is CPU alone (the bits are held), so a key rotation or a
new hour re-signs on the next read without touching the database. A list that is not in memory
yet (opened by another worker a moment ago) is read by `refresh` before the verification that
needs it starts (`not_loaded` names it), off the event loop: each verification runs once.
During a database outage the last signed lists keep being served (they are valid for 48 hours)
and `health` says since when nothing could be confirmed.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from registry import metrics
from registry.credentials.status import (
    PURPOSES,
    ListBits,
    SignedList,
    StatusListPublisher,
    no_signing_key,
    read_bits,
    read_lists,
)
from registry.db import CHANGES_CHANNEL, on_commit, unit_of_work
from registry.errors import NotFound
from registry.tables.audit import AuditEntry
from registry.vc.keys import KeySet
from registry.verification.status import (
    StatusSource,
    StatusUnavailable,
    VerifiedList,
    verify_list,
)

log = logging.getLogger("registry.live")

# How often the SQLite watcher looks at the database's version counter; how long the PostgreSQL
# watcher waits for a notification before it checks the connection (and the hour, the keys).
POLL_SECONDS = 0.1
HEARTBEAT_SECONDS = 1.0
SAFETY_HEARTBEATS = 5  # the PostgreSQL watcher reads the revisions every 5 s regardless
# The audit actions that change what a holder's public page says: protection, a renewal.
HOLDER_ACTIONS = ("officer.update", "credential.renew")


class NotLoaded(StatusUnavailable):
    """The list is not in this worker's memory yet: `refresh` reads it."""


@dataclass(frozen=True)
class _Signed:
    """One list in its JWS form, signed and verified for `stamp` (revision, kid, hour, key set)."""

    stamp: tuple[int, str, datetime, str]
    signed: SignedList
    verified: VerifiedList


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


class LiveStatus:
    def __init__(self, engine: Engine, jws: StatusListPublisher, di: StatusListPublisher) -> None:
        self.engine = engine
        self.jws = jws
        self.di = di
        self.keys = jws.keys
        self.pattern = re.compile(
            re.escape(jws.public_url) + r"/status/(revocation|suspension)/([0-9]{1,9})"
        )
        # Replaced whole, never changed in place: readers need no lock.
        self._bits: dict[int, ListBits] = {}
        self._signed: dict[tuple[str, int], _Signed] = {}
        self._di: dict[tuple[str, int], tuple[tuple[object, ...], SignedList]] = {}
        self._this_hour = (datetime.min.replace(tzinfo=UTC),) * 2  # its start and its end
        # The newest audit entry that changes what a holder's public page says (protection, a
        # renewal): stored-credential memos made under an older version are stale.
        self.officers_version: int | None = None
        self.confirmed_at: datetime | None = None  # when memory was last known to be current
        self.failure: str | None = None  # why it could not be confirmed since
        self._lock = threading.Lock()  # one writer at a time
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        on_commit("status_lists", self.changed)

    # ---- reading (request paths) ------------------------------------------------------------

    def fetch(self, url: str, pinned: KeySet | None = None) -> VerifiedList:
        """The StatusSource of the verifier: the list at `url`, signed and verified (under the
        key set `pinned`, when given: see `under`)."""
        match = self.pattern.fullmatch(url)
        if match is None:
            raise StatusUnavailable(f"{url} is not a status list of this registry")
        return self._current(match[1], int(match[2]), pinned).verified

    def under(self, trusted: KeySet) -> StatusSource:
        """The lists as the verification that read `trusted` must see them: signed by that
        set's active key and verified under it, so that a key rotation landing while it runs
        changes nothing for it (the next verification reads the new set)."""
        return _Pinned(self, trusted)

    def not_loaded(self, named: Any) -> set[int]:
        """The numbers of this registry's lists that `named` (a payload or a document, not
        verified yet) names and memory does not hold; its first four status entries only, so a
        hostile document cannot make a worker read more than four lists."""
        raw = named.get("credentialStatus") if isinstance(named, dict) else None
        wanted: set[int] = set()
        for item in (raw if isinstance(raw, list) else [raw])[:4]:
            url = item.get("statusListCredential") if isinstance(item, dict) else None
            match = self.pattern.fullmatch(url) if isinstance(url, str) else None
            if match is not None and int(match[2]) not in self._bits:
                wanted.add(int(match[2]))
        return wanted

    def signed(self, session: Session, purpose: str, n: int, form: str = "jws") -> SignedList:
        """The list for the status endpoint, in its JWS or Data Integrity form; NotFound when
        there is no such list, Unavailable when no key may sign it."""
        if purpose not in PURPOSES:
            raise NotFound("Status purposes are revocation and suspension.", field="purpose")
        if not 0 < n < 2**31:  # list numbers are small; SQLite cannot even bind a huge int
            raise NotFound(f"No status list {n}.", field="n")
        if n not in self._bits:
            self.refresh(session, only={n})
            if n not in self._bits:
                raise NotFound(f"No status list {n}.", field="n")
        current = self._current(purpose, n)
        if form != "di":
            return current.signed
        stamp = current.stamp
        held = self._di.get((purpose, n))
        if held is not None and held[0] == stamp:
            return held[1]
        # Milliseconds of canonicalization, made once per revision, key and hour.
        made = self.di.sign(purpose, n, self._bits[n].bits[purpose], stamp[2])
        self._di = {**self._di, (purpose, n): (stamp, made)}
        return made

    def _current(self, purpose: str, n: int, pinned: KeySet | None = None) -> _Signed:
        bits = self._bits.get(n)
        if bits is None:
            raise NotLoaded(f"status list {n} is not loaded yet")
        held = self._signed.get((purpose, n))
        now = datetime.now(UTC)
        trusted = pinned if pinned is not None else self.keys.trusted()
        kid = trusted.active
        if kid is None:
            return self._unsigned(held, bits, now, trusted)
        hour = self._this_hour
        if not hour[0] <= now < hour[1]:  # once an hour: cheaper than rounding each time
            start = _hour(now)
            hour = self._this_hour = (start, start + timedelta(hours=1))
        stamp = (bits.revision, kid, hour[0], trusted.fingerprint)
        if held is not None and held.stamp == stamp:
            return held
        return self._sign(purpose, bits, stamp, trusted)

    def _unsigned(
        self, held: _Signed | None, bits: ListBits, now: datetime, trusted: KeySet
    ) -> _Signed:
        # No key may sign (all retired or withdrawn): a list signed earlier still tells the
        # truth while nothing changed, it is unexpired and its key is still trusted.
        if (
            held is not None
            and held.stamp[0] == bits.revision
            and held.signed.valid_until > now
            and held.signed.kid in trusted
        ):
            return held
        raise no_signing_key()

    def _sign(
        self, purpose: str, bits: ListBits, stamp: tuple[int, str, datetime, str], trusted: KeySet
    ) -> _Signed:
        signed = self.jws.sign(purpose, bits.n, bits.bits[purpose], stamp[2], kid=stamp[1])
        made = _Signed(stamp, signed, verify_list(signed.token, trusted, self.jws.did))
        with self._lock:
            self._signed = {**self._signed, (purpose, bits.n): made}
        return made

    def age(self, now: datetime | None = None) -> float:
        """Seconds since the status information served was current for sure: since the oldest
        list held was signed, or since memory was last confirmed against the database, whichever
        is longer ago (0 before anything is held or confirmed)."""
        now = now or datetime.now(UTC)
        since = [s.stamp[2] for s in self._signed.values()]
        if self.confirmed_at is not None:
            since.append(self.confirmed_at)
        return max(0.0, (now - min(since)).total_seconds()) if since else 0.0

    def servable(self, now: datetime | None = None) -> bool:
        """Whether the status lists can be served now: a key may sign them, or every list held
        was signed and is still valid (an outage within its 48 hours)."""
        now = now or datetime.now(UTC)
        if self.keys.has_active():
            return True
        signed = list(self._signed.values())
        return bool(signed) and all(s.signed.valid_until > now for s in signed)

    def health(self) -> dict[str, Any]:
        """What `/health` says of the status lists: live, or the last signed ones since when."""
        if self.failure is None:
            return {"status_lists": "live"}
        confirmed = self.confirmed_at
        return {
            "status_lists": "last signed",
            "status_confirmed_at": confirmed.isoformat(timespec="seconds").replace("+00:00", "Z")
            if confirmed is not None
            else None,
        }

    # ---- writing (commit hooks, the watcher, a miss) -----------------------------------------

    def changed(self, lists: set[int]) -> None:
        """Commit hook: lists this process changed, read again at once (those held: any other
        is read when first asked for)."""
        held = lists & self._bits.keys()
        if self._stop.is_set() or not held:  # stopped, or nothing to update
            return
        try:
            self.refresh(only=held)
        except Exception:  # the watcher (or the next miss) reads them again
            log.exception("could not read status lists %s after a change", sorted(lists))

    def refresh(self, session: Session | None = None, *, only: Iterable[int] | None = None) -> None:
        """Reads the revisions of the lists (or of `only`), the bits of those that moved, and
        the officers' version; signs what changed. Through `session` when the caller holds one
        (a thread waiting for a second pooled connection can starve the pool)."""
        with self._lock:
            if session is not None:
                self._refresh(session, None if only is None else set(only))
            else:
                with unit_of_work(self.engine, read_only=True) as own:
                    self._refresh(own, None if only is None else set(only))
        self._presign()

    def _refresh(self, session: Session, only: set[int] | None) -> None:
        revisions = read_lists(session, only)
        bits = dict(self._bits)
        for n, revision in revisions.items():
            held = bits.get(n)
            if held is None or held.revision != revision:
                bits[n] = read_bits(session, n)
        self._bits = bits
        if only is None:
            self.officers_version = session.exec(
                select(func.max(AuditEntry.id)).where(col(AuditEntry.action).in_(HOLDER_ACTIONS))
            ).one()
            self._confirmed()

    def _confirmed(self) -> None:
        if self.failure is not None:
            log.warning("live status: following changes again")
        self.confirmed_at = datetime.now(UTC)
        self.failure = None

    def _presign(self) -> None:
        """Signs every list whose signature is not current, so that requests find it done; and
        says how old what is served is (metrics)."""
        metrics.LIST_AGE.set(self.age())
        for n in list(self._bits):
            for purpose in PURPOSES:
                try:
                    self._current(purpose, n)
                except Exception:  # no signing key: requests say so themselves
                    return

    # ---- the watcher ---------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the thread that follows other workers' changes (once per app)."""
        self._stop.clear()
        if self._watcher is not None or self.engine.url.database in (None, "", ":memory:"):
            return
        self._watcher = threading.Thread(target=self._watch, name="live-status", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
        self.engine.dispose()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                if self.engine.dialect.name == "postgresql":
                    self._listen()
                else:
                    self._poll()
            except Exception as exc:
                if self.failure is None:  # said once per outage, not once a second
                    # The type only: a driver's message may carry connection details.
                    log.warning(
                        "live status: cannot follow changes (%s); retrying", type(exc).__name__
                    )
                self.failure = type(exc).__name__
                metrics.LIST_AGE.set(self.age())  # growing while nothing can be confirmed
                self._stop.wait(HEARTBEAT_SECONDS)

    def _poll(self) -> None:
        """SQLite: `PRAGMA data_version` moves whenever another connection commits."""
        path = Path(self.engine.url.database or "").resolve()
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            seen: int | None = None
            while not self._stop.is_set():
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version != seen:
                    self.refresh()
                    seen = version
                else:
                    self._confirmed()
                    self._presign()
                self._stop.wait(POLL_SECONDS)
        finally:
            conn.close()

    def _listen(self) -> None:
        """PostgreSQL: LISTEN first, then read, so no change committed in between is missed."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            self.refresh()
            quiet = 0
            while not self._stop.is_set():
                notified = False
                for _ in conn.notifies(timeout=HEARTBEAT_SECONDS, stop_after=1):
                    notified = True
                quiet = 0 if notified else quiet + 1
                # Now and then without a notification too: a safety net should a NOTIFY not
                # reach us (a pooler in between that drops LISTEN, say). One small query.
                if notified or quiet >= SAFETY_HEARTBEATS:
                    self.refresh()
                    quiet = 0
                else:
                    conn.execute("SELECT 1")
                    self._confirmed()
                    self._presign()


@dataclass(frozen=True)
class _Pinned:
    """Live status under one verification's key set (`LiveStatus.under`)."""

    live: LiveStatus
    trusted: KeySet

    def fetch(self, url: str) -> VerifiedList:
        return self.live.fetch(url, self.trusted)

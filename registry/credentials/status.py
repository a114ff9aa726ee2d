"""Status list bookkeeping in the database: index allocation, bit changes, the signed lists."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from registry.credentials import dataintegrity, statuslist
from registry.credentials.keys import KeyStore, NoActiveKey
from registry.credentials.models import Credential, CredentialStatus, StatusAllocation, StatusList
from registry.db import mark_changed, on_commit
from registry.errors import NotFound, Unavailable

PURPOSES = ("revocation", "suspension")
LIST_SIZE = statuslist.MIN_ENTRIES
_rng = secrets.SystemRandom()


def _pick(size: int, used: set[int], need: int) -> list[int]:
    free = size - len(used)
    need = min(need, free)  # the rest goes into the next list
    if free <= size // 4:
        # Nearly full: sampling blind would mostly hit taken indexes, so list the free ones.
        return _rng.sample([i for i in range(size) if i not in used], min(need, free))
    picks: set[int] = set()
    while len(picks) < need:
        i = _rng.randrange(size)
        if i not in used:
            picks.add(i)
    return list(picks)


def _open_list(session: Session, n: int) -> None:
    try:
        with session.begin_nested():
            session.add(StatusList(n=n, size=LIST_SIZE))
            session.flush()
    except IntegrityError:
        pass  # another worker opened it first: use theirs


def allocate(session: Session, count: int) -> list[tuple[int, int]]:
    """`count` fresh (list, index) pairs at random positions, never handed out before.

    The allocations table's primary key decides races: a pair taken by a concurrent transaction
    fails its insert, the savepoint rolls back and we draw again.
    """
    out: list[tuple[int, int]] = []
    while len(out) < count:
        current = session.exec(select(StatusList).order_by(col(StatusList.n).desc())).first()
        if current is None:
            _open_list(session, 1)
            continue
        used = set(
            session.exec(select(StatusAllocation.idx).where(StatusAllocation.list_n == current.n))
        )
        if len(used) >= current.size:
            _open_list(session, current.n + 1)
            continue
        picks = _pick(current.size, used, count - len(out))
        try:
            with session.begin_nested():
                session.execute(
                    insert(StatusAllocation),
                    [{"list_n": current.n, "idx": i} for i in picks],
                )
        except IntegrityError:
            continue
        out.extend((current.n, i) for i in picks)
    return out


def status_list_url(public_url: str, purpose: str, n: int) -> str:
    return f"{public_url}/status/{purpose}/{n}"


def bump_revision(session: Session, n: int) -> None:
    session.execute(
        update(StatusList).where(col(StatusList.n) == n).values(revision=StatusList.revision + 1)
    )
    mark_changed(session, "status_lists", n)


# How long a cached list is trusted before its revision is read again. A change made in this
# process is seen at once (the commit hook in registry.db); one made by another worker within
# this time plus GRACE_SECONDS.
FRESH_SECONDS = 1.0
# Past FRESH_SECONDS, the first request to find a list stale on the event loop re-reads it (in a
# worker thread), and the others go on answering from the copy in memory for up to this much
# longer rather than all queueing up for the same read each second. A change made in this
# process is never served stale.
GRACE_SECONDS = 0.5


def clock() -> float:
    """The caches' clock (monotonic seconds); tests move it."""
    return time.monotonic()


@dataclass(frozen=True)
class SignedList:
    token: str
    etag: str
    valid_until: datetime
    kid: str


class StatusListPublisher:
    """Builds, signs and caches status list credentials; a status change invalidates the cache.

    The list's validFrom is the current hour, so every worker at the same revision signs the
    same payload (Ed25519 signatures are deterministic): one ETag across workers.
    """

    def __init__(
        self, keys: KeyStore, public_url: str, issuer: dict[str, object], did: str
    ) -> None:
        self.keys = keys
        self.public_url = public_url
        self.issuer = issuer
        self.did = did
        self._cache: dict[tuple[str, int], tuple[tuple[object, ...], SignedList]] = {}
        # When each cached list's revision was last read from the database (monotonic clock).
        self._checked: dict[tuple[str, int], float] = {}
        # Lists a request has gone to re-read (see GRACE_SECONDS).
        self._claimed: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        on_commit("status_lists", self.invalidate)

    def invalidate(self, lists: set[int]) -> None:
        with self._lock:
            for key in [k for k in self._checked if k[1] in lists]:
                del self._checked[key]

    def _fresh(self, purpose: str, n: int, hour: datetime) -> SignedList | None:
        """The cached list when it was confirmed current less than FRESH_SECONDS ago."""
        if self.keys.refresh():
            with self._lock:
                self._checked.clear()
            return None
        with self._lock:
            hit = self._cache.get((purpose, n))
            checked = self._checked.get((purpose, n))
        if hit is None or checked is None or hit[0][2] != hour:
            return None
        return hit[1] if clock() - checked < FRESH_SECONDS else None

    def cached(self, purpose: str, n: int, now: datetime | None = None) -> SignedList | None:
        """The signed list from memory, without touching the database: when it is current, or
        within the grace while another request re-reads it. None when the caller is to read it
        (with `get`, in a worker thread)."""
        now = now or datetime.now(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)
        fresh = self._fresh(purpose, n, hour)
        if fresh is not None:
            return fresh
        key = (purpose, n)
        with self._lock:
            hit = self._cache.get(key)
            checked = self._checked.get(key)
            if (
                key in self._claimed
                and hit is not None
                and checked is not None
                and hit[0][2] == hour
                and clock() - checked < FRESH_SECONDS + GRACE_SECONDS
            ):
                return hit[1]
            self._claimed.add(key)
        return None

    def url(self, purpose: str, n: int) -> str:
        return status_list_url(self.public_url, purpose, n)

    def get(
        self, session: Session, purpose: str, n: int, now: datetime | None = None
    ) -> SignedList:
        if purpose not in PURPOSES:
            raise NotFound("Status purposes are revocation and suspension.", field="purpose")
        if not 0 < n < 2**31:  # list numbers are small; SQLite cannot even bind a huge int
            raise NotFound(f"No status list {n}.", field="n")
        now = now or datetime.now(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)
        fresh = self._fresh(purpose, n, hour)
        if fresh is not None:
            return fresh
        try:
            return self._read(session, purpose, n, now, hour)
        finally:
            with self._lock:
                self._claimed.discard((purpose, n))

    def _read(
        self, session: Session, purpose: str, n: int, now: datetime, hour: datetime
    ) -> SignedList:
        confirmed = clock()
        row = session.get(StatusList, n)
        if row is None:
            raise NotFound(f"No status list {n}.", field="n")
        try:
            kid: str | None = self.keys.active().kid
        except NoActiveKey:
            kid = None
        version = (row.revision, kid, hour)
        with self._lock:
            hit = self._cache.get((purpose, n))
        if hit is not None and hit[0] == version:
            with self._lock:
                self._checked[(purpose, n)] = confirmed
            return hit[1]
        if kid is None:
            # No key may sign (all retired or withdrawn): a list signed earlier still tells the
            # truth while nothing changed, it is unexpired and its key is still trusted.
            if (
                hit is not None
                and hit[0][0] == row.revision
                and hit[1].valid_until > now
                and hit[1].kid in self.keys.trusted()
            ):
                return hit[1]
            raise Unavailable(
                "The registry has no active signing key to sign its status lists.",
                rule="signing_key",
            )
        wanted = CredentialStatus.REVOKED if purpose == "revocation" else CredentialStatus.SUSPENDED
        indexes = session.exec(
            select(Credential.status_index).where(
                Credential.status_list == n, Credential.status == wanted
            )
        ).all()
        bits = statuslist.bitstring_from_indexes(indexes, size=row.size)
        signed = self._secure(purpose, n, bits, hour, kid)
        with self._lock:
            self._cache[(purpose, n)] = ((row.revision, signed.kid, hour), signed)
            self._checked[(purpose, n)] = confirmed
        return signed

    def _payload(
        self, purpose: str, n: int, bits: bytes, hour: datetime
    ) -> tuple[dict[str, object], datetime]:
        """The list credential of `bits` valid from `hour` for 48 hours, and its validUntil."""
        valid_until = hour + timedelta(hours=48)
        payload = statuslist.status_list_payload(
            list_url=self.url(purpose, n),
            issuer=self.issuer,
            purpose=purpose,
            bits=bits,
            valid_from=hour,
            valid_until=valid_until,
        )
        return payload, valid_until

    def _secure(self, purpose: str, n: int, bits: bytes, hour: datetime, kid: str) -> SignedList:
        """The list of `bits` in this publisher's form, signed (here: vc+jwt)."""
        payload, valid_until = self._payload(purpose, n, bits, hour)
        try:
            made = self.keys.sign(payload, did=self.did)
        except NoActiveKey:  # the key was retired or withdrawn a moment ago
            raise Unavailable(
                "The registry has no active signing key to sign its status lists.",
                rule="signing_key",
            ) from None
        return SignedList(
            token=made.token,
            etag='"' + hashlib.sha256(made.token.encode()).hexdigest()[:32] + '"',
            valid_until=valid_until,
            kid=made.kid,  # the key that signed, even if a rotation landed since `kid` was read
        )


class DataIntegrityListPublisher(StatusListPublisher):
    """The same lists in the Data Integrity form (`token` is the JSON document's text): built
    from the same bits at the same revision, cached and invalidated exactly like the JWS lists,
    so a status change shows in both forms at once. `created` is the hour, as the JWS lists'
    validFrom, so every worker at one revision makes the same document and ETag."""

    def _secure(self, purpose: str, n: int, bits: bytes, hour: datetime, kid: str) -> SignedList:
        payload, valid_until = self._payload(purpose, n, bits, hour)
        document = dataintegrity.content(payload, self.issuer)
        try:
            signed = dataintegrity.secure(document, self.keys, str(self.issuer["id"]), hour)
        except NoActiveKey:
            raise Unavailable(
                "The registry has no active signing key to sign its status lists.",
                rule="signing_key",
            ) from None
        text = dataintegrity.serialize(signed)
        return SignedList(
            token=text,
            etag='"di-' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"',
            valid_until=valid_until,
            # the key that signed, even if a rotation landed since `kid` was read
            kid=str(signed["proof"]["verificationMethod"]).rpartition("#")[2],
        )

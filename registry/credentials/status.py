"""Status list bookkeeping in the database: index allocation, bit changes, the signed lists."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from registry.db import mark_changed
from registry.errors import NotFound, Unavailable
from registry.tables.credentials import Credential, CredentialStatus, StatusAllocation, StatusList
from registry.vc import dataintegrity, statuslist
from registry.vc.keystore import KeyStore, NoActiveKey

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
        mark_changed(session, "status_lists", n)  # other workers load it before it is named
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


@dataclass(frozen=True)
class ListBits:
    """One status list as the database holds it: its revision and the bits of each purpose.
    The revision is read before the bits, so bits are never older than their revision says."""

    n: int
    revision: int
    size: int
    bits: dict[str, bytes]


def read_lists(session: Session, only: set[int] | None = None) -> dict[int, int]:
    """The revision of every status list (or of those in `only`), by list number."""
    query = select(StatusList.n, StatusList.revision)
    if only is not None:
        query = query.where(col(StatusList.n).in_(sorted(only)))
    return {n: revision for n, revision in session.exec(query).all()}


def read_bits(session: Session, n: int) -> ListBits:
    """List `n`'s revision and bits; NotFound when there is no such list."""
    if not 0 < n < 2**31:  # list numbers are small; SQLite cannot even bind a huge int
        raise NotFound(f"No status list {n}.", field="n")
    row = session.exec(
        select(StatusList.revision, StatusList.size).where(StatusList.n == n)
    ).first()
    if row is None:
        raise NotFound(f"No status list {n}.", field="n")
    revision, size = row
    set_bits: dict[str, bytes] = {}
    for purpose in PURPOSES:
        wanted = CredentialStatus.REVOKED if purpose == "revocation" else CredentialStatus.SUSPENDED
        indexes = session.exec(
            select(Credential.status_index).where(
                Credential.status_list == n, Credential.status == wanted
            )
        ).all()
        set_bits[purpose] = statuslist.bitstring_from_indexes(indexes, size=size)
    return ListBits(n, revision, size, set_bits)


@dataclass(frozen=True)
class SignedList:
    token: str
    etag: str
    valid_until: datetime
    kid: str


def no_signing_key() -> Unavailable:
    return Unavailable(
        "The registry has no active signing key to sign its status lists.", rule="signing_key"
    )


class StatusListPublisher:
    """Signs status list credentials (vc+jwt). Holds nothing: `registry.verification.live`
    keeps the bits and the signed lists current.

    The list's validFrom is the hour it was signed in, so every worker at the same revision
    signs the same payload (Ed25519 signatures are deterministic): one ETag across workers.
    """

    def __init__(
        self, keys: KeyStore, public_url: str, issuer: dict[str, object], did: str
    ) -> None:
        self.keys = keys
        self.public_url = public_url
        self.issuer = issuer
        self.did = did

    def url(self, purpose: str, n: int) -> str:
        return status_list_url(self.public_url, purpose, n)

    def sign(
        self, purpose: str, n: int, bits: bytes, hour: datetime, kid: str | None = None
    ) -> SignedList:
        """The list of `bits` valid from `hour` for 48 hours, signed with the active key (or
        `kid`); Unavailable when no key may sign."""
        return self._secure(purpose, n, bits, hour, kid)

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

    def _secure(
        self, purpose: str, n: int, bits: bytes, hour: datetime, kid: str | None = None
    ) -> SignedList:
        """The list of `bits` in this publisher's form, signed (here: vc+jwt)."""
        payload, valid_until = self._payload(purpose, n, bits, hour)
        try:
            made = self.keys.sign(payload, did=self.did, kid=kid)
        except NoActiveKey:
            raise no_signing_key() from None
        return SignedList(
            token=made.token,
            etag='"' + hashlib.sha256(made.token.encode()).hexdigest()[:32] + '"',
            valid_until=valid_until,
            kid=made.kid,
        )


class DataIntegrityListPublisher(StatusListPublisher):
    """The same lists in the Data Integrity form (`token` is the JSON document's text), signed
    from the same bits. `created` is the hour, as the JWS lists' validFrom, so every worker at
    one revision makes the same document and ETag."""

    def _secure(
        self, purpose: str, n: int, bits: bytes, hour: datetime, kid: str | None = None
    ) -> SignedList:
        # Signed by the active key: the Data Integrity lists are served, not verified here.
        payload, valid_until = self._payload(purpose, n, bits, hour)
        document = dataintegrity.content(payload, self.issuer)
        try:
            signed = dataintegrity.secure(document, self.keys, str(self.issuer["id"]), hour)
        except NoActiveKey:
            raise no_signing_key() from None
        text = dataintegrity.serialize(signed)
        return SignedList(
            token=text,
            etag='"di-' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"',
            valid_until=valid_until,
            kid=str(dataintegrity.proof_of(signed)["verificationMethod"]).rpartition("#")[2],
        )

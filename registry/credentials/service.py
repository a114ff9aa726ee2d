"""Issuing CIT certifications as signed credentials and reading them back (their status
changes: credentials/status_changes.py)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from registry import metrics
from registry.actors import Actor
from registry.audit.service import record_many
from registry.common import add_months, copied, opaque_id, utcnow
from registry.credentials import schemas
from registry.credentials.status import (
    DataIntegrityListPublisher,
    StatusListPublisher,
    allocate,
    status_list_url,
)
from registry.credentials.vouching import Vouching
from registry.errors import Forbidden, NotFound, Unavailable
from registry.people.service import officer_region_id
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Officer
from registry.tables.training import Course, TrainingClass
from registry.training.schemas import RosterEntry
from registry.training.service import get_class
from registry.training.standing import roster, standings
from registry.vc.did import did_web
from registry.vc.jws import VC_JWT, Signed
from registry.vc.keystore import KeyStore, NoActiveKey
from registry.vc.payload import build_credential


class WalletHolder(Protocol):
    @property
    def wallet_key(self) -> str: ...


@dataclass(frozen=True)
class Issuer:
    """The program that signs: its public origin, its name and its keys."""

    public_url: str
    name: str
    keys: KeyStore
    # The issuer registries that list (vouch for) this issuer, as the verdict page shows them.
    vouching: Vouching = field(default_factory=Vouching)

    @property
    def did(self) -> str:
        """The issuer's did:web DID (CREDENTIALS.md), derived from its public URL."""
        return did_web(self.public_url)

    @property
    def ids(self) -> frozenset[str]:
        """The ids it has issued under: the DID, and the public URL before the DID."""
        return frozenset({self.did, self.public_url})

    @property
    def list_issuer(self) -> dict[str, Any]:
        # No type "Profile": that term is the Open Badges context's, which a list does not name.
        return {"id": self.did, "name": self.name}

    def course_id(self, code: str) -> str:
        """The achievement id of a course: what only this registry's certifications carry."""
        return f"{self.public_url}/courses/{code}"

    def sign(self, payload: dict[str, Any], typ: str = VC_JWT) -> Signed:
        """A vc+jwt (or a VC 1.1 JWT, `typ=JWT`) by the active key, its kid the key's DID URL;
        with the kid that signed."""
        return self.keys.sign(payload, did=self.did, typ=typ)

    def credential_url(self, credential_id: str) -> str:
        return f"{self.public_url}/c/{credential_id}"

    def wallet_url(self, officer: WalletHolder) -> str:
        """An officer's private wallet link (an Officer, or a plain row with its wallet_key)."""
        return f"{self.public_url}/wallet/{officer.wallet_key}"

    def publisher(self) -> StatusListPublisher:
        return StatusListPublisher(self.keys, self.public_url, self.list_issuer, self.did)

    @property
    def di_profile(self) -> dict[str, Any]:
        """The issuer as the Data Integrity credentials name it: the DID, the registry's URL."""
        return {"id": self.did, "type": ["Profile"], "name": self.name, "url": self.public_url}

    def di_publisher(self) -> DataIntegrityListPublisher:
        return DataIntegrityListPublisher(self.keys, self.public_url, self.list_issuer, self.did)


def whole(hours: float) -> float | int:
    """40.0 hours as 40: the credential (and what verifiers show of it) reads as the course does."""
    return int(hours) if float(hours).is_integer() else hours


def holder_name(officer: Officer) -> str:
    return f"{officer.first_name} {officer.last_name}"


def _issued(issuer: Issuer, credential: Credential, officer: Officer) -> schemas.IssuedCredential:
    return schemas.IssuedCredential(
        officer_id=officer.id,
        credential_id=credential.id,
        token=credential.token,
        verify_url=issuer.credential_url(credential.id),
        wallet_url=issuer.wallet_url(officer),
    )


@dataclass(frozen=True)
class Outcome:
    """A certification run as the class page tells it: the roster rows of those certified by
    this run (not before), with their new credential ids, and of those skipped, with why."""

    issued: list[tuple[RosterEntry, str]]
    skipped: list[tuple[RosterEntry, list[str]]]


def certify_class_now(
    session: Session, actor: Actor, issuer: Issuer, class_id: uuid.UUID, zone: ZoneInfo
) -> Outcome:
    """Certifies every eligible officer of the class (`certify`), and says who is new."""
    before = {o.credential_id for o in roster(session, actor, class_id, zone).officers}
    result = certify(session, actor, issuer, class_id, None, zone)
    rows = {o.officer_id: o for o in roster(session, actor, class_id, zone).officers}
    return Outcome(
        issued=[
            (rows[i.officer_id], i.credential_id)
            for i in result.issued
            if i.credential_id not in before and i.officer_id in rows
        ],
        skipped=[(rows[s.officer_id], s.reasons) for s in result.skipped if s.officer_id in rows],
    )


def certify(
    session: Session,
    actor: Actor,
    issuer: Issuer,
    class_id: uuid.UUID,
    officer_ids: list[uuid.UUID] | None,
    zone: ZoneInfo,
) -> schemas.CertifyResult:
    """Signs one credential per eligible officer, in the caller's single transaction.

    Officers certified earlier from this class get their existing credential back, so repeating
    the call is harmless; ineligible officers are listed with the reasons.
    """
    klass = get_class(session, actor, class_id)
    # Serialises concurrent certify calls on one class (PostgreSQL; SQLite's writer lock does it).
    session.exec(select(TrainingClass).where(TrainingClass.id == klass.id).with_for_update()).one()
    course = session.get(Course, klass.course_id)
    assert course is not None  # noqa: S101 - guaranteed by the foreign key
    roster = {s.officer.id: s for s in standings(session, klass, zone)}
    wanted = list(dict.fromkeys(officer_ids)) if officer_ids is not None else list(roster)
    existing = {
        c.officer_id: c
        for c in session.exec(select(Credential).where(Credential.class_id == klass.id))
    }
    issued: list[schemas.IssuedCredential] = []
    skipped: list[schemas.Skipped] = []
    to_issue = []
    for officer_id in wanted:
        standing = roster.get(officer_id)
        if standing is None:
            skipped.append(
                schemas.Skipped(officer_id=officer_id, reasons=["Not enrolled in this class."])
            )
        elif officer_id in existing:
            issued.append(_issued(issuer, existing[officer_id], standing.officer))
        elif not standing.eligible:
            skipped.append(schemas.Skipped(officer_id=officer_id, reasons=standing.reasons))
        else:
            to_issue.append(standing.officer)
    if not to_issue:
        return schemas.CertifyResult(issued=issued, skipped=skipped)
    ensure_signing_key(issuer)
    valid_from = utcnow()
    valid_until = add_months(valid_from, course.validity_months)
    # One batch allocation, one insert of the rows, one of the audit entries: a class of
    # thousands (a statewide re-issue) costs little more than its signatures.
    slots = allocate(session, len(to_issue))
    rows, entries = [], []
    for officer, slot in zip(to_issue, slots, strict=True):
        row, entry = sign_credential(
            issuer,
            actor,
            officer=officer,
            course=course,
            class_id=klass.id,
            slot=slot,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        rows.append(row)
        entries.append(entry)
        issued.append(
            schemas.IssuedCredential(
                officer_id=officer.id,
                credential_id=row["id"],
                token=row["token"],
                verify_url=issuer.credential_url(row["id"]),
                wallet_url=issuer.wallet_url(officer),
            )
        )
    session.execute(sa.insert(Credential), rows)
    record_many(session, entries)
    metrics.issued(session, len(rows))
    session.flush()
    return schemas.CertifyResult(issued=issued, skipped=skipped)


def ensure_signing_key(issuer: Issuer) -> None:
    """Re-reads the keys folder and refuses (503) when there is no key to sign with."""
    issuer.keys.refresh()
    try:
        issuer.keys.active()
    except NoActiveKey:
        raise Unavailable(
            "The registry has no active signing key; an administrator must generate one.",
            rule="signing_key",
        ) from None


def achievement_of(issuer: Issuer, course: Course) -> dict[str, Any]:
    return {
        "id": issuer.course_id(course.code),
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": course.achievement_name,
        "description": course.description,
        "criteria": {"narrative": course.criteria},
    }


def sign_credential(
    issuer: Issuer,
    actor: Actor,
    *,
    officer: Officer,
    course: Course,
    class_id: uuid.UUID,
    slot: tuple[int, int],
    valid_from: datetime,
    valid_until: datetime,
    generation: int = 0,
    renewal_of: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Builds and signs one credential at the status `slot` (list, index) the caller allocated.

    Answers the row to store and its audit entry; certification stores a class's rows in one
    insert, renewal through `issue_credential`. Every credential is built here, alike.
    """
    list_n, index = slot
    credential_id = opaque_id()
    payload = build_credential(
        credential_url=issuer.credential_url(credential_id),
        issuer_id=issuer.did,
        issuer_name=issuer.name,
        issuer_url=issuer.public_url,
        holder_name=None if officer.protected else holder_name(officer),
        post_id=officer.post_id,
        achievement=achievement_of(issuer, course),
        name=course.credential_name,
        hours=whole(course.total_hours),
        valid_from=valid_from,
        valid_until=valid_until,
        status_list_url=status_list_url(issuer.public_url, "revocation", list_n),
        status_index=index,
    )
    # The kid comes with the signature: a rotation between reading the active key and signing
    # must not store a kid other than the one that signed.
    signed = issuer.sign(payload)
    kid = signed.kid
    row: dict[str, Any] = {
        "id": credential_id,
        "officer_id": officer.id,
        "class_id": class_id,
        "course_id": course.id,
        "token": signed.token,
        "kid": kid,
        "status": CredentialStatus.ACTIVE.value,
        "status_list": list_n,
        "status_index": index,
        "hours": course.total_hours,
        "issued_by": actor.user_id,
        "issued_at": valid_from,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "generation": generation,
        "renewal_of": renewal_of,
    }
    after: dict[str, Any] = {
        "officer_id": str(officer.id),
        "class_id": str(class_id),
        "kid": kid,
        "status_list": list_n,
        "status_index": index,
        "valid_until": valid_until.isoformat(),
    }
    if renewal_of is not None:
        after |= {"generation": generation, "renewal_of": renewal_of}
    entry = {
        "actor": actor.username,
        "action": "credential.issue",
        "entity": "credential",
        "entity_id": credential_id,
        "after": after,
    }
    return row, entry


def issue_credential(session: Session, actor: Actor, issuer: Issuer, **details: Any) -> Credential:
    """Signs and stores one credential (renewal's path); see `sign_credential` for `details`.

    The caller has checked the signing key (`ensure_signing_key`) and flushes when done.
    """
    row, entry = sign_credential(issuer, actor, **details)
    credential = Credential(**row)
    session.add(credential)
    record_many(session, [entry])
    return credential


# Ids are Crockford base32; anything else (a NUL byte, say, which PostgreSQL refuses to even
# compare) cannot name a credential and never reaches the database.
CREDENTIAL_ID = re.compile(r"[0-9A-Z]{1,32}")


def get_credential(session: Session, credential_id: str) -> Credential:
    wanted = credential_id.strip().upper()
    credential = session.get(Credential, wanted) if CREDENTIAL_ID.fullmatch(wanted) else None
    if credential is None:
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    return credential


def get_public_credential(session: Session, credential_id: str) -> Credential:
    """A credential whose signed token (or certificate) may be handed to anyone who asks.

    Not when the holder's record is protected now, whether at issuance or since: the token
    carries the POST id (and the name, if it was signed before protection), so it answers
    exactly as an unknown id does. The officer downloads it through the wallet link.
    """
    credential = get_credential(session, credential_id)
    if holder_is_protected(session, credential):
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    return credential


def holder_is_protected(session: Session, credential: Credential) -> bool:
    officer = session.get(Officer, credential.officer_id)
    return officer is None or officer.protected


def _regions(session: Session, credential: Credential) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    klass = session.get(TrainingClass, credential.class_id)
    return (klass.region_id if klass else None, officer_region_id(session, credential.officer_id))


def get_credential_for(
    session: Session, actor: Actor, credential_id: str, *, issuing_region_only: bool = False
) -> Credential:
    credential = get_credential(session, credential_id)
    class_region, officer_region = _regions(session, credential)
    allowed = actor.can_act_in(class_region) or (
        not issuing_region_only and actor.can_act_in(officer_region)
    )
    if not allowed:
        raise Forbidden(
            "This credential was issued in another region and its holder serves elsewhere.",
            rule="region_scope",
        )
    return credential


def credential_record(
    session: Session, issuer: Issuer, credential: Credential
) -> schemas.CredentialRecord:
    officer = session.get(Officer, credential.officer_id)
    course = session.get(Course, credential.course_id)
    assert officer is not None and course is not None  # noqa: S101
    return copied(
        schemas.CredentialRecord,
        credential,
        credential_id=credential.id,
        holder=schemas.Holder(
            officer_id=officer.id,
            name=holder_name(officer),
            post_id=officer.post_id,
            protected=officer.protected,
        ),
        course=course.code,
        verify_url=issuer.credential_url(credential.id),
        wallet_url=issuer.wallet_url(officer),
    )

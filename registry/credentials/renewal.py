"""Renewing a certification: the CE rule checked, a new credential that supersedes the old one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from registry import metrics
from registry.actors import Actor, Role
from registry.audit.service import record
from registry.common import add_months, copied, utcnow
from registry.credentials import schemas
from registry.credentials.service import (
    Issuer,
    ensure_signing_key,
    get_credential_for,
    issue_credential,
)
from registry.credentials.status import allocate
from registry.dates import local_date, long_date
from registry.db import mark_changed
from registry.errors import RuleViolation
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Officer
from registry.tables.training import Course
from registry.training.ce import hours_in_cycle, use_ce
from registry.windows import RENEWAL_GRACE_MONTHS, RENEWAL_OPENS_MONTHS

# Renewal opens RENEWAL_OPENS_MONTHS before expiry: early enough for the paperwork, too late to
# chain. After RENEWAL_GRACE_MONTHS past expiry the officer retakes the course instead.
OPENS_MONTHS, GRACE_MONTHS = RENEWAL_OPENS_MONTHS, RENEWAL_GRACE_MONTHS


@dataclass(frozen=True)
class CEStanding:
    """Continuing education in the credential's cycle (its validFrom day up to today, both days
    as the program counts them) that no renewal has counted yet."""

    required: float
    recorded: float

    @property
    def missing(self) -> float:
        return max(0.0, self.required - self.recorded)

    @property
    def met(self) -> bool:
        return self.recorded >= self.required


def ce_standing(
    session: Session,
    credential: Credential,
    course: Course,
    now: datetime,
    zone: ZoneInfo | None,
) -> CEStanding:
    start, end = local_date(credential.valid_from, zone), local_date(now, zone)
    recorded = hours_in_cycle(session, credential.officer_id, course.id, start, end)
    return CEStanding(required=course.ce_hours_per_cycle, recorded=recorded)


@dataclass(frozen=True)
class Outlook:
    """What an officer holding this credential must do to keep or get back the certification."""

    ce: CEStanding
    renew_by: datetime  # the last moment a renewal is possible; after it, the course again

    def closed(self, now: datetime) -> bool:
        return now > self.renew_by


def outlook(
    session: Session, credential: Credential, zone: ZoneInfo, now: datetime | None = None
) -> Outlook:
    course = session.get(Course, credential.course_id)
    assert course is not None  # noqa: S101 - foreign key
    return Outlook(
        ce=ce_standing(session, credential, course, now or utcnow(), zone),
        renew_by=add_months(credential.valid_until, GRACE_MONTHS),
    )


def renewal_blockers(
    session: Session, credential: Credential, course: Course, now: datetime, zone: ZoneInfo
) -> list[RuleViolation]:
    """Every rule that stops this credential being renewed now; empty when it may be. Its days
    are the program's (`zone`), the days the coordinator reading it counts."""
    if credential.superseded_by is not None:
        # Nothing else matters: the holder already has the newer credential.
        return [
            RuleViolation(
                "This credential was already renewed; its successor is "
                f"{credential.superseded_by}.",
                field="credential_id",
                rule="already_renewed",
                superseded_by=credential.superseded_by,
            )
        ]
    out = []
    if credential.status != CredentialStatus.ACTIVE:
        out.append(
            RuleViolation(
                f"A {credential.status} credential cannot be renewed.",
                field="status",
                rule="active",
            )
        )
    opens = add_months(credential.valid_until, -OPENS_MONTHS)
    if now < opens:
        out.append(
            RuleViolation(
                f"Renewal opens {OPENS_MONTHS} months before expiry, on "
                f"{long_date(opens, zone)} (the certification is valid until "
                f"{long_date(credential.valid_until, zone)}).",
                field="valid_until",
                rule="renewal_window",
                opens=local_date(opens, zone).isoformat(),
            )
        )
    if now > add_months(credential.valid_until, GRACE_MONTHS):
        out.append(
            RuleViolation(
                f"The certification expired more than {GRACE_MONTHS} months ago; "
                "the officer must retake the course.",
                field="valid_until",
                rule="renewal_window",
            )
        )
    ce = ce_standing(session, credential, course, now, zone)
    if not ce.met:
        out.append(
            RuleViolation(
                f"Continuing education: {ce.required:g} CE hours are needed in this cycle "
                f"(since {long_date(credential.valid_from, zone)}); {ce.recorded:g} recorded, "
                f"{ce.missing:g} missing.",
                field="ce_hours",
                rule="ce_hours",
                required=ce.required,
                recorded=ce.recorded,
            )
        )
    return out


def renew(
    session: Session,
    actor: Actor,
    issuer: Issuer,
    credential_id: str,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> Credential:
    """Issues the next generation of a credential, in the caller's transaction.

    Renewal cannot be chained: it opens OPENS_MONTHS before expiry (and closes GRACE_MONTHS
    after), the new cycle runs from the old validUntil (renewing early loses nothing, renewing
    late gains nothing), and the CE hours that met the rule are spent on this renewal. The old
    credential stays active and keeps verifying until its own validUntil: it is superseded, not
    revoked.
    """
    actor.require_role(Role.ADMIN, Role.COORDINATOR)
    old = get_credential_for(session, actor, credential_id)
    # Serialises concurrent renewals of one credential (PostgreSQL; SQLite's writer lock does it).
    old = session.exec(
        select(Credential)
        .where(Credential.id == old.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    course = session.get(Course, old.course_id)
    officer = session.get(Officer, old.officer_id)
    assert course is not None and officer is not None  # noqa: S101 - foreign keys
    now = now or utcnow()
    blockers = renewal_blockers(session, old, course, now, zone)
    if blockers:
        raise blockers[0]
    ensure_signing_key(issuer)
    new = issue_credential(
        session,
        actor,
        issuer,
        officer=officer,
        course=course,
        class_id=old.class_id,
        slot=allocate(session, 1)[0],
        valid_from=now,
        valid_until=add_months(old.valid_until, course.validity_months),
        generation=old.generation + 1,
        renewal_of=old.id,
    )
    session.flush()  # the new row exists before CE records point at it
    metrics.issued(session, 1)
    used = use_ce(session, old, new.id, now, zone)
    old.superseded_by = new.id
    session.add(old)
    # The public page of the old credential keeps what it says in memory: now it says "renewed".
    mark_changed(session, "officers", old.officer_id)
    record(
        session,
        actor,
        "credential.renew",
        "credential",
        old.id,
        before={"superseded_by": None},
        after={
            "superseded_by": new.id,
            "generation": new.generation,
            "valid_until": new.valid_until.isoformat(),
            "ce_records_used": used,
        },
    )
    session.flush()
    return new


def renewal_result(
    session: Session, issuer: Issuer, credential: Credential
) -> schemas.RenewalResult:
    officer = session.get(Officer, credential.officer_id)
    assert officer is not None and credential.renewal_of is not None  # noqa: S101
    return copied(
        schemas.RenewalResult,
        credential,
        credential_id=credential.id,
        verify_url=issuer.credential_url(credential.id),
        wallet_url=issuer.wallet_url(officer),
    )


@dataclass(frozen=True)
class RenewalOption:
    """One credential in force that is not yet renewed, and whether it may be renewed now."""

    credential_id: str
    valid_until: datetime
    ce_recorded: float
    ce_required: float
    blockers: list[str]

    @property
    def ready(self) -> bool:
        return not self.blockers


def renewal_options(
    session: Session, officer: Officer, zone: ZoneInfo, now: datetime | None = None
) -> list[RenewalOption]:
    """The officer's certifications in force and not yet renewed, each with its continuing
    education and what stands in the way of renewing it now: the officer page's renewal forms."""
    now = now or utcnow()
    options = []
    credentials = session.exec(
        select(Credential, Course)
        .join(Course, col(Course.id) == Credential.course_id)
        .where(
            Credential.officer_id == officer.id,
            Credential.status == CredentialStatus.ACTIVE,
            col(Credential.superseded_by).is_(None),
        )
        .order_by(col(Credential.valid_until))
    ).all()
    for credential, course in credentials:
        standing = ce_standing(session, credential, course, now, zone)
        blockers = renewal_blockers(session, credential, course, now, zone)
        options.append(
            RenewalOption(
                credential_id=credential.id,
                valid_until=credential.valid_until,
                ce_recorded=standing.recorded,
                ce_required=standing.required,
                blockers=[b.detail for b in blockers],
            )
        )
    return options

"""Glue between the pure verifier and this registry: its keys, its status lists, its records."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from registry.credentials.service import CREDENTIAL_ID, Issuer
from registry.db import unit_of_work
from registry.errors import InvalidInput, NotFound
from registry.tables.credentials import Credential
from registry.tables.training import Course
from registry.tables.wallets import HolderCopy
from registry.vc import jws
from registry.vc.jws import payload_of
from registry.vc.keys import KeySet
from registry.verification.core import (
    Policy,
    certified_once,
    check_payload,
    check_signature,
    unexpected_failure,
    verify,
)
from registry.verification.dataintegrity import parse as parse_document
from registry.verification.dataintegrity import refused, verify_document
from registry.verification.live import LiveStatus
from registry.verification.presentations import PresentationRefused, check_presentation
from registry.verification.stored import Signature, Stored, StoredCredentials
from registry.verification.verdict import INVALID, Check, Verdict


@dataclass(frozen=True)
class Presented:
    """The verdict on a presented certification, and who presented it (a DID, once proven)."""

    verdict: Verdict
    presenter: str | None
    is_holder: bool

    def to_dict(self) -> dict[str, Any]:
        """The verdict JSON with `presenter` (API.md, the presentation form)."""
        return {
            **self.verdict.to_dict(),
            "presenter": {"id": self.presenter, "is_holder": self.is_holder},
        }


class Verifier:
    """The registry's verifier: trusts its own issuer and keys, reads live status."""

    def __init__(self, engine: Engine, issuer: Issuer, live: LiveStatus) -> None:
        self.engine = engine
        self.issuer = issuer
        self.live = live
        self.stored = StoredCredentials(engine, live)
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
        parsed = jws.read(token)  # read once: what it names is loaded, then it is verified
        self._load_lists(None if parsed is None else parsed.payload)
        return self._verify(token, now, parsed=parsed)

    def _trusted(self) -> KeySet:
        """The key set a verification reads once and keeps to its end; the status lists it reads
        are signed and verified under the same set (`LiveStatus.under`), so a key rotation
        landing meanwhile needs no second pass."""
        self.issuer.keys.refresh()
        return self.issuer.keys.trusted()

    def _verify(
        self,
        token: str | bytes,
        now: datetime | None = None,
        trusted: KeySet | None = None,
        parsed: jws.Parsed | None = None,
    ) -> Verdict:
        trusted = trusted or self._trusted()
        return verify(
            token,
            trusted,
            self.live.under(trusted),
            now or datetime.now(UTC),
            issuer=self.issuer.public_url,
            courses=self.courses(),
            parsed=parsed,
        )

    def _load_lists(self, named: Any, session: Session | None = None) -> None:
        """Reads the status lists that `named` (a payload or document, not verified yet) names
        and memory does not hold yet (blocking: off the event loop; through `session` when the
        caller holds one), so that its one verification finds them."""
        wanted = self.live.not_loaded(named)
        if wanted:
            self.live.refresh(session, only=wanted)

    async def verify_presented(self, token: str | bytes) -> Verdict:
        """The verdict on a token someone sends in, naming no holder who is protected now.

        A token that is, byte for byte, one on record and in memory (most are: hiring systems
        and scanners send what the registry issued, again and again) is verified as the record
        is: its signature checked once per key set (`verify_record`), everything else (claims,
        time, live status, protection) on every request, as for any token. The answer is the
        same; the Ed25519 check, a third of the request, is not repeated."""
        stored = self.stored.presented(token) if isinstance(token, str) else None
        if stored is not None:
            return await self.verify_record_on_loop(stored)
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
                except (NotFound, SQLAlchemyError):  # unknown, or not knowable now
                    stored = None
        if stored is not None and not stored.protected:
            return verdict
        return verdict.redacted()

    def _own_credential_id(self, verdict: Verdict) -> str | None:
        url = verdict.payload.get("id") if verdict.payload is not None else None
        return self._own_id(url)

    def _own_id(self, url: Any) -> str | None:
        """The credential id of one of this registry's credential URLs; None for any other."""
        prefix = self.issuer.credential_url("")
        if not isinstance(url, str) or not url.startswith(prefix):
            return None
        wanted = url[len(prefix) :]
        return wanted if CREDENTIAL_ID.fullmatch(wanted) else None

    def verify_document(self, document: Any, now: datetime | None = None) -> Verdict:
        """The verdict on a credential in its Data Integrity form (issued by our DID)."""
        self._load_lists(document)
        trusted = self._trusted()
        return verify_document(
            document,
            trusted,
            self.live.under(trusted),
            now or datetime.now(UTC),
            issuer=self.issuer.public_url,
            courses=self.courses(),
            issued=self.issued_payload,
        )

    def issued_payload(self, url: str) -> dict[str, Any] | None:
        """The credential this registry issued under `url` (its JWS payload), when it is one of
        ours on record; None otherwise, or when the records cannot be read now."""
        wanted = self._own_id(url)
        if wanted is None:
            return None
        try:
            stored = self.stored.cached(wanted) or self.stored.load(wanted)
        except (NotFound, SQLAlchemyError):
            return None
        memo = stored.signature
        return memo.payload if memo is not None else payload_of(stored.token)

    def verify_request(self, token: str | None, credential: Any, body: bytes) -> Verdict:
        """The verdict on a verify request: a JWS `token` or a Data Integrity `credential`.

        The credential is read again from the raw `body`, refusing repeated members, which the
        JSON decoder in front of us would silently resolve (the last one wins).
        """
        if (token is None) == (credential is None):
            raise InvalidInput(
                "Send exactly one of token (a JWS), credential (a Data Integrity document) and "
                "presentation (with its challenge).",
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

    def verify_presentation_request(self, request: Any, body: bytes) -> Presented:
        """The verdict on a presentation request (`presentation`, `challenge`, `domain`?),
        the presentation read again from the raw `body`, refusing repeated members."""
        if request.token is not None or request.credential is not None:
            raise InvalidInput(
                "Send a presentation alone, without a token or a credential.",
                field="presentation",
                rule="one_of",
            )
        if request.presentation is None:
            raise InvalidInput(
                "A challenge goes with a presentation.", field="presentation", rule="required"
            )
        if not request.challenge:
            raise InvalidInput(
                "Send the challenge you gave the holder: a presentation proves its holder only "
                "for a challenge of the verifier's choosing.",
                field="challenge",
                rule="required",
            )
        now = datetime.now(UTC)
        try:
            strict = parse_document(body)
        except ValueError as exc:
            return Presented(refused(str(exc), now), None, is_holder=False)
        presentation = strict.get("presentation") if isinstance(strict, dict) else None
        return self.verify_presentation(presentation, request.challenge, request.domain, now)

    def verify_presentation(
        self, presentation: Any, challenge: str, domain: str | None, now: datetime | None = None
    ) -> Presented:
        """The verdict on the certification a holder presents, with who presented it and
        whether that is the holder the certification names (`credentialSubject.id`)."""
        now = now or datetime.now(UTC)
        try:
            shown = check_presentation(presentation, challenge=challenge, domain=domain, now=now)
        except PresentationRefused as exc:
            check = Check("presentation", False, str(exc))
            reason = f"The presentation does not prove who presents it: {exc}."
            return Presented(Verdict(INVALID, [reason], [check], now), None, is_holder=False)
        proven = Check("presentation", True, f"signed by {shown.holder} for this challenge")
        if len(shown.credentials) != 1:
            reason = "A presentation to verify carries exactly one certification."
            return Presented(
                Verdict(INVALID, [reason], [proven], now), shown.holder, is_holder=False
            )
        verdict = self.verify_document(shown.credentials[0], now)
        # Whom the certification names, as its proof covers it (never the JSON's spelling).
        subject = verdict.payload.get("credentialSubject") if verdict.payload else None
        named = subject.get("id") if isinstance(subject, dict) else None
        # Whom the certification names counts only once its proof checked out, and only while
        # the copy bound to that key is not withdrawn (a lost phone, a leaked link).
        is_holder = verdict.credential is not None and named == shown.holder
        withdrawn = is_holder and not self._copy_held(verdict, shown.holder)
        is_holder = is_holder and not withdrawn
        if is_holder:
            holder = Check("holder", True, f"the certification names {shown.holder}")
        elif withdrawn:
            holder = Check(
                "holder",
                False,
                f"the copy bound to {shown.holder} was withdrawn or is not on record",
            )
        elif verdict.credential is None:
            holder = Check("holder", False, "the certification could not be verified")
        elif named is None:
            holder = Check("holder", False, "the certification names no holder DID")
        else:
            holder = Check("holder", False, f"the certification names another holder, {named}")
        checks = [proven, *verdict.checks, holder]
        return Presented(replace(verdict, checks=checks), shown.holder, is_holder=is_holder)

    def _copy_held(self, verdict: Verdict, holder_did: str) -> bool:
        """Whether a copy of this registry's certification bound to `holder_did` is on record
        and not withdrawn (fail closed: a copy the registry cannot find proves no holder)."""
        credential_id = self._own_credential_id(verdict)
        if credential_id is None:
            return False
        try:
            with unit_of_work(self.engine, read_only=True) as session:
                held = session.exec(
                    select(HolderCopy.id).where(
                        HolderCopy.credential_id == credential_id,
                        HolderCopy.holder_did == holder_did,
                        col(HolderCopy.withdrawn_at).is_(None),
                    )
                ).first()
            return held is not None
        except SQLAlchemyError:
            return False

    def verify_stored(self, session: Session, credential: Credential) -> Verdict:
        """Verifies a credential read through `session`, reading anything else it needs through
        it too: one pooled connection per request, never two."""
        stored = self.stored.cached(credential.id) or self.stored.load(credential.id, session)
        parsed = _unchecked(stored)
        self._load_lists(_named_by(stored, parsed), session)
        return self.verify_record(stored, parsed=parsed)

    async def verify_on_loop(self, token: str | bytes) -> Verdict:
        """For async handlers: verifies on the event loop (pure CPU, no thread hand-off); what
        it needs from the database first (the courses, once per process; a status list not in
        memory yet) is read in a worker thread."""
        parsed = jws.read(token)
        await self._ready(None if parsed is None else parsed.payload)
        return self._verify(token, parsed=parsed)

    async def verify_record_on_loop(self, stored: Stored) -> Verdict:
        parsed = _unchecked(stored)
        await self._ready(_named_by(stored, parsed))
        return self.verify_record(stored, parsed=parsed)

    async def _ready(self, named: Any) -> None:
        if self._courses is None or self.live.not_loaded(named):
            await anyio.to_thread.run_sync(self._prepare, named)

    def _prepare(self, named: Any) -> None:
        self.courses()
        self._load_lists(named)

    def verify_record(
        self, stored: Stored, now: datetime | None = None, parsed: jws.Parsed | None = None
    ) -> Verdict:
        """The verdict on a stored credential, its signature checked once per key set (`parsed`:
        its token as `_unchecked` read it, so that it is not read twice)."""
        verdict = self._verify_stored_token(stored, now or datetime.now(UTC), parsed)
        # Protection can be granted after issuance; the live answer honours it.
        if stored.protected and verdict.credential is not None:
            return verdict.redacted()
        return verdict

    def _verify_stored_token(
        self, stored: Stored, now: datetime, parsed: jws.Parsed | None
    ) -> Verdict:
        trusted = self._trusted()
        memo = stored.signature
        if memo is None or memo.fingerprint != trusted.fingerprint:
            checks: list[Check] = []
            try:
                payload, key_id = check_signature(
                    stored.token, trusted, self.issuer.public_url, checks, parsed
                )
            except Exception:  # not ours, or no longer trusted: the verifier says why, once
                return self._verify(stored.token, now, trusted, parsed)
            memo = Signature(trusted.fingerprint, payload, key_id, tuple(checks), None)
            self.stored.keep(stored, memo)
        try:
            policy = Policy(self.issuer.public_url, self.courses())
            if memo.certified is None:  # made once (the courses are read once per process)
                certified = certified_once(memo.payload, memo.key_id, policy)
                if certified is not None:
                    memo = replace(memo, certified=certified)
                    self.stored.keep(stored, memo)
            source = self.live.under(trusted)
            checks = list(memo.checks)
            verdict = check_payload(
                memo.payload, memo.key_id, trusted, source, now, policy, checks, memo.certified
            )
        except Exception:
            return unexpected_failure(list(memo.checks), now, "token")
        return verdict


def _unchecked(stored: Stored) -> jws.Parsed | None:
    """A stored credential's token read, when its signature has not been checked yet (under
    any key set: one checked is not read again); None otherwise, or when it cannot be read."""
    return jws.read(stored.token) if stored.signature is None else None


def _named_by(stored: Stored, parsed: jws.Parsed | None) -> dict[str, Any] | None:
    """What a stored credential says of itself, not verified: which status lists to have in
    memory before verifying it. None when it cannot be read (the verifier says why)."""
    memo = stored.signature
    if memo is not None:
        return memo.payload
    return None if parsed is None else parsed.payload

"""Each credential's Data Integrity form: made on its first request (never during certify, where
canonicalization would add milliseconds per officer), then kept and served as stored."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from registry.common import utcnow
from registry.credentials.service import Issuer, ensure_signing_key, get_credential
from registry.db import unit_of_work
from registry.errors import NotFound
from registry.tables.credentials import Credential, CredentialDocument
from registry.tables.people import Officer
from registry.vc import dataintegrity
from registry.vc.jws import payload_of


def _stored(session: Session, credential_id: str) -> str | None:
    row = session.get(CredentialDocument, credential_id)
    return row.document if row is not None else None


def public_document(engine: Engine, issuer: Issuer, credential_id: str) -> str:
    """The Data Integrity form for anyone holding the credential's URL: not for a holder
    protected now, who gets the same 404 as an unknown id (it must not tell them apart)."""
    with unit_of_work(engine, read_only=True) as session:
        credential = get_credential(session, credential_id)
        officer = session.get(Officer, credential.officer_id)
        if officer is None or officer.protected:
            raise NotFound("No credential with this id.", field="credential_id", rule="exists")
        stored = _stored(session, credential.id)
        wanted = (credential.id, credential.token)
    return stored or _make(engine, issuer, *wanted)


def holder_document(engine: Engine, issuer: Issuer, officer: Officer, credential_id: str) -> str:
    """The Data Integrity form for its holder (through the wallet link), protected or not."""
    with unit_of_work(engine, read_only=True) as session:
        credential = session.get(Credential, credential_id.strip().upper()[:32])
        if credential is None or credential.officer_id != officer.id:
            raise NotFound("No credential with this id.", field="credential_id", rule="exists")
        stored = _stored(session, credential.id)
        wanted = (credential.id, credential.token)
    return stored or _make(engine, issuer, *wanted)


def _make(engine: Engine, issuer: Issuer, credential_id: str, token: str) -> str:
    """Signs the form and keeps it. Two workers asked at once both sign; the primary key keeps
    the first to commit, and the other answers with what was kept (on PostgreSQL its insert
    waits for the first transaction, then fails; on SQLite the writer lock orders them)."""
    ensure_signing_key(issuer)
    document = dataintegrity.credential_document(
        payload_of(token), issuer.di_profile, issuer.keys, utcnow()
    )
    text = dataintegrity.serialize(document)
    kid = dataintegrity.proof_of(document)["verificationMethod"].rsplit("#", 1)[-1]
    with unit_of_work(engine) as session:
        try:
            with session.begin_nested():
                session.add(CredentialDocument(credential_id=credential_id, document=text, kid=kid))
                session.flush()
        except IntegrityError:
            pass
        stored = _stored(session, credential_id)
    if stored is None:  # unreachable: either our insert or theirs is there
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    return stored

"""The officer behind a wallet link: found by the link's key alone, with their own credentials."""

from __future__ import annotations

from sqlmodel import Session, select

from registry.tables.credentials import Credential
from registry.tables.people import Officer


def officer_by_key(session: Session, key: str) -> Officer | None:
    # The key is compared exactly as given; a longer one than any issued cannot match.
    if not key or len(key) > 64:
        return None
    return session.exec(select(Officer).where(Officer.wallet_key == key)).first()


def own_credential(
    session: Session, key: str, credential_id: str
) -> tuple[Officer, Credential] | None:
    """The wallet's officer and one of their own credentials; None for anything else."""
    officer = officer_by_key(session, key)
    credential = (
        session.get(Credential, credential_id.strip().upper())
        if officer is not None and len(credential_id) <= 32
        else None
    )
    if officer is None or credential is None or credential.officer_id != officer.id:
        return None
    return officer, credential

"""The program's contact (phone, email, address), set by the administrator and printed where a
reader is told to contact the program: the revoked, suspended, expired and protected verdict
pages, the lookup and the wallet. Without one, the pages still name the program and how to
reach the registry's operator."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import Session

from registry.actors import Actor, Role
from registry.audit.service import record
from registry.common import utcnow
from registry.people.service import clean_text
from registry.tables.people import ProgramContact

PHONE = r"^[0-9+()./ x-]{7,40}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ContactUpdate(BaseModel):
    """Each field optional: an empty one is cleared."""

    phone: str | None = Field(default=None, pattern=PHONE, max_length=40)
    email: str | None = Field(default=None, pattern=EMAIL, max_length=254)
    address: str | None = Field(default=None, max_length=300)


def program_contact(session: Session) -> ProgramContact | None:
    return session.get(ProgramContact, 1)


def set_program_contact(session: Session, actor: Actor, data: ContactUpdate) -> ProgramContact:
    """The administrator's alone (audited, with what it was before)."""
    actor.require_role(Role.ADMIN)
    row = program_contact(session)
    before = None if row is None else _fields(row)
    row = row or ProgramContact(id=1)
    row.phone = data.phone or None
    row.email = data.email or None
    row.address = clean_text(data.address, "address") if data.address else None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    record(session, actor, "program.contact", "program", "contact", before, _fields(row))
    return row


def _fields(row: ProgramContact) -> dict[str, str | None]:
    return {"phone": row.phone, "email": row.email, "address": row.address}


def contact_text(row: ProgramContact | None, configured: str) -> str:
    """The program's contact as set: in the console, else in REGISTRY_PROGRAM_CONTACT; empty
    when neither is."""
    parts = []
    if row is not None:
        parts = [
            f"{label} {value}"
            for label, value in (
                ("phone", row.phone),
                ("email", row.email),
                ("address:", row.address),
            )
            if value
        ]
    return ", ".join(parts) if parts else configured


def contact_line(row: ProgramContact | None, configured: str, operator_url: str) -> str:
    """How to reach the program, in one line: the contact as set (`contact_text`), else the
    registry's operator at its address."""
    return contact_text(row, configured) or f"through the operator of this registry, {operator_url}"

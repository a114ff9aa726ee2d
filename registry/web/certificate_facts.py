"""What the printable certificate says: the facts of one credential, read once, as the verdict
backs them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from registry.credentials.display import display_state
from registry.credentials.service import whole
from registry.errors import NotFound
from registry.tables.credentials import Credential
from registry.tables.training import Course, TrainingClass
from registry.verification.service import Verifier

TITLE = "Crisis Intervention Team (CIT) Officer Certification"
WITHHELD = "Name withheld (protected record)"
NOT_VERIFIED = "Holder not shown: the signature could not be verified"

# What a paper copy says when the credential is not in force (the band and the watermark).
BANDS = {
    "revoked": ("REVOKED", "This certification has been revoked and is not valid."),
    "suspended": ("SUSPENDED", "This certification is suspended and not valid at present."),
    "expired": ("EXPIRED", "This certification is past its expiry date and not in force."),
    "invalid": ("NOT VALID", "This certification could not be verified. Do not rely on it."),
    "superseded": ("SUPERSEDED", "Replaced by a renewed certification; scan for the current one."),
}

# Core fonts (Helvetica, Courier) only encode Latin-1: these have a readable stand-in.
_STAND_INS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": ",",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "*",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u0131": "i",
    }
)


def latin1(text: str) -> str:
    """Text a core PDF font can show: Latin-1 kept, other accents dropped, the rest as '?'."""
    out = []
    for ch in text.translate(_STAND_INS):
        if ch < " " or "\x7f" <= ch < "\xa0":
            out.append(" ")
        elif ord(ch) < 256:
            out.append(ch)
        else:
            plain = "".join(
                c
                for c in unicodedata.normalize("NFKD", ch)
                if ord(c) < 256 and not unicodedata.combining(c)
            )
            out.append(plain or "?")
    return "".join(out)


@dataclass(frozen=True)
class CertificateFacts:
    """Everything printed on the certificate; `name`/`post_id` are None for a protected holder."""

    credential_id: str
    issuer_name: str
    name: str | None
    post_id: str | None
    achievement: str
    course_title: str
    criteria: str
    hours: float | int
    class_start: date
    class_end: date
    issued: datetime
    valid_until: datetime
    verify_url: str
    state: str  # a verdict ("valid", "revoked", ...) or "superseded"
    checked_at: datetime
    # The signed credential, attached to the PDF for /verify to read back: only where the
    # certificate names the holder (a protected holder's paper carries no name, nor a token).
    token: str | None = None


def certificate_facts(
    session: Session, verifier: Verifier, issuer_name: str, verify_url: str, credential: Credential
) -> CertificateFacts:
    klass = session.get(TrainingClass, credential.class_id)
    course = session.get(Course, credential.course_id)
    if klass is None or course is None:
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    verdict = verifier.verify_stored(session, credential)
    # The holder as the credential signed them, never the record's name today: paper must
    # not say what the signature does not back. Neither is printed when the holder is
    # protected now (the verdict withholds both) or was signed without a name, nor when the
    # signature did not check out.
    summary = verdict.credential
    holder = summary.holder if summary is not None else None
    state = display_state(verdict.verdict, credential.superseded_by is not None)
    name = holder.name if holder else None
    return CertificateFacts(
        credential_id=credential.id,
        issuer_name=issuer_name,
        name=name,
        post_id=holder.post_id if holder and holder.name else None,
        achievement=course.achievement_name,
        course_title=course.title,
        criteria=course.criteria,
        hours=whole(credential.hours),
        class_start=klass.start_date,
        class_end=klass.end_date,
        issued=credential.issued_at,
        valid_until=credential.valid_until,
        verify_url=verify_url,
        state=state,
        checked_at=verdict.checked_at,
        token=credential.token if name is not None else None,
    )

"""The printable certificate: one US Letter page of facts, with a QR code to live verification."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from litestar import Request, Response, get
from litestar.params import FromPath
from sqlmodel import Session

from registry.credentials.models import Credential
from registry.credentials.service import Issuer, get_public_credential, whole
from registry.errors import NotFound
from registry.training.models import Course, TrainingClass
from registry.verification.api import qr_code
from registry.verification.service import Verifier
from registry.web.deps import CurrentIssuer, DbSession

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

NAVY = (20, 33, 61)
GOLD = (176, 141, 58)
MUTED = (74, 85, 96)
RED = (161, 20, 28)
AMBER = (122, 75, 0)
GREY = (74, 85, 96)
BAND_COLOURS = {"revoked": RED, "invalid": RED, "suspended": AMBER, "expired": GREY}

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


def long_date(day: date | datetime) -> str:
    return f"{day:%B} {day.day}, {day.year}"


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


class _Certificate(FPDF):
    def centred(
        self, y: float, text: str, size: float, style: str = "", colour: Any = NAVY
    ) -> None:
        """One centred line, shrunk to fit the frame when it is long."""
        text = latin1(text)
        self.set_font("Helvetica", style, size)
        while self.get_string_width(text) > self.epw and size > 8:
            size -= 0.5
            self.set_font("Helvetica", style, size)
        self.set_text_color(*colour)
        self.set_xy(self.l_margin, y)
        self.cell(self.epw, size * 1.2, text, align=Align.C)


def render_certificate(facts: CertificateFacts) -> bytes:
    pdf = _Certificate(orientation="landscape", unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_margins(48, 40, 48)
    pdf.set_title(latin1(f"{TITLE} {facts.credential_id}"))
    pdf.set_author(latin1(facts.issuer_name))
    pdf.set_creator("CIT Credential Registry")
    pdf.add_page()
    width, height = pdf.w, pdf.h

    band = BANDS.get(facts.state)
    if band is not None and facts.state != "superseded":
        # A pale diagonal word behind everything: visible across a room and on any photocopy.
        pdf.set_font("Helvetica", "B", 120)
        pdf.set_text_color(*((226, 229, 233) if facts.state == "expired" else (246, 214, 216)))
        word = band[0]
        with pdf.rotation(24, width / 2, height / 2):
            pdf.set_xy((width - pdf.get_string_width(word)) / 2, height / 2 - 60)
            pdf.cell(pdf.get_string_width(word), 120, word)

    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(3)
    pdf.rect(18, 18, width - 36, height - 36)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    pdf.rect(26, 26, width - 52, height - 52)

    pdf.set_char_spacing(2)
    pdf.centred(44, facts.issuer_name.upper(), 13, "B", GOLD)
    pdf.set_char_spacing(0)
    pdf.centred(66, TITLE, 25, "B")
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(1)
    pdf.line(width / 2 - 120, 104, width / 2 + 120, 104)

    y = 114.0
    if band is not None:
        colour = BAND_COLOURS.get(facts.state, NAVY)
        pdf.set_fill_color(*colour)
        pdf.rect(26, y, width - 52, 34, style="F")
        pdf.centred(y + 6, f"{band[0]}  -  {band[1]}", 15, "B", (255, 255, 255))
        y += 42

    pdf.centred(y + 4, "This certifies that", 13, "I", MUTED)
    if facts.name is not None:
        pdf.centred(y + 24, facts.name, 32, "B")
    else:
        pdf.centred(y + 30, NOT_VERIFIED if facts.state == "invalid" else WITHHELD, 22, "BI", MUTED)
    if facts.post_id is not None:
        pdf.centred(y + 66, f"POST certification number {facts.post_id}", 13, "", MUTED)
    criteria = facts.criteria.strip().rstrip(".")
    sentence = criteria[:1].lower() + criteria[1:]
    pdf.set_font("Helvetica", "", 12.5)
    pdf.set_text_color(*NAVY)
    pdf.set_xy(pdf.l_margin + 60, y + 88)
    pdf.multi_cell(
        pdf.epw - 120,
        16,
        latin1(f"{sentence}, and was awarded the {facts.achievement}."),
        align=Align.C,
    )

    # The facts, left; the QR code, right.
    qr_size = 2.25 * 72  # 2.25 in: a phone reads it from arm's length, even photocopied
    qr_x, qr_y = width - 48 - qr_size - 12, 292.0 if band is None else 322.0
    rows = [
        ("Certification", facts.achievement),
        ("Course", facts.course_title),
        ("Hours", f"{facts.hours} hours"),
        ("Class dates", f"{long_date(facts.class_start)} to {long_date(facts.class_end)}"),
        ("Issued", long_date(facts.issued)),
        ("Valid until", long_date(facts.valid_until)),
        ("Issued by", facts.issuer_name),
    ]
    row_y = qr_y + 2
    for label, value in rows:
        pdf.set_xy(72, row_y)
        pdf.set_font("Helvetica", "", 11)
        pdf.set_text_color(*MUTED)
        pdf.cell(100, 18, latin1(label))
        pdf.set_font("Helvetica", "B", 12)
        pdf.set_text_color(*NAVY)
        pdf.cell(qr_x - 72 - 100 - 16, 18, latin1(value))
        row_y += 19
    pdf.set_xy(72, row_y)
    pdf.set_font("Helvetica", "", 11)
    pdf.set_text_color(*MUTED)
    pdf.cell(100, 18, "Credential id")
    pdf.set_font("Courier", "B", 12)
    pdf.set_text_color(*NAVY)
    pdf.cell(300, 18, latin1(facts.credential_id))

    image = qr_code(facts.verify_url).make_image()
    png = io.BytesIO()
    image.save(png)
    png.seek(0)
    pdf.image(png, x=qr_x, y=qr_y - 12, w=qr_size, h=qr_size)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_text_color(*NAVY)
    pdf.set_xy(qr_x, qr_y - 12 + qr_size - 6)
    pdf.cell(qr_size, 14, "Scan to verify", align=Align.C)

    pdf.set_xy(pdf.l_margin, height - 90)
    pdf.set_font("Helvetica", "", 11)
    pdf.set_text_color(*NAVY)
    lead = "Verification is live at "
    url = latin1(facts.verify_url)
    pdf.set_x((width - pdf.get_string_width(lead) - pdf.get_string_width(url) - 4) / 2)
    pdf.cell(pdf.get_string_width(lead), 14, lead)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(
        pdf.get_string_width(url) + 4,
        14,
        url,
        link=facts.verify_url,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(*MUTED)
    checked = f"{facts.checked_at:%Y-%m-%d %H:%M} UTC"
    pdf.cell(
        pdf.epw,
        13,
        latin1(
            f"Printed with the status of {checked}. The QR code and the address above always "
            "show the live status; rely on them, not on this paper."
        ),
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    verify_page = facts.verify_url.rsplit("/c/", 1)[0] + "/verify"
    pdf.cell(
        pdf.epw,
        13,
        latin1(f"No scanner? Type the credential id at {verify_page}"),
        align=Align.C,
        link=verify_page,
    )
    return bytes(pdf.output())


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
    state = verdict.verdict
    if state == "valid" and credential.superseded_by:
        state = "superseded"
    return CertificateFacts(
        credential_id=credential.id,
        issuer_name=issuer_name,
        name=holder.name if holder else None,
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
    )


@get(
    "/c/{credential_id:str}/certificate.pdf",
    public=True,
    tags=["public"],
    sync_to_thread=True,
    summary="A printable certificate (PDF) with a QR code to live verification",
)
def certificate_pdf(
    request: Request[Any, Any, Any],
    session: DbSession,
    issuer: CurrentIssuer,
    credential_id: FromPath[str],
) -> Response[bytes]:
    """Not for a holder whose record is protected now: 404, as for an unknown id (the officer
    prints it from the wallet)."""
    return certificate_download(
        request, session, issuer, get_public_credential(session, credential_id)
    )


def certificate_download(
    request: Request[Any, Any, Any],
    session: Session,
    issuer: Issuer,
    credential: Credential,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    facts = certificate_facts(
        session,
        request.app.state.verifier,
        issuer.name,
        issuer.credential_url(credential.id),
        credential,
    )
    return Response(
        render_certificate(facts),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="cit-certificate-{credential.id}.pdf"',
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )

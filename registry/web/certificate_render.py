"""Drawing the printable certificate with fpdf2: imported on the first certificate asked for,
not at start-up (fpdf2 and the imaging libraries it loads are about 47 MB of a worker's memory
that the verification paths never use)."""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from registry.dates import long_date, long_datetime
from registry.http.qr import qr_code
from registry.web.certificate_facts import (
    BANDS,
    NOT_VERIFIED,
    TITLE,
    WITHHELD,
    CertificateFacts,
    latin1,
)

NAVY = (20, 33, 61)
GOLD = (176, 141, 58)
MUTED = (74, 85, 96)
RED = (161, 20, 28)
AMBER = (122, 75, 0)
GREY = (74, 85, 96)
BAND_COLOURS = {"revoked": RED, "invalid": RED, "suspended": AMBER, "expired": GREY}


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


def render_certificate(facts: CertificateFacts, zone: ZoneInfo) -> bytes:
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
        ("Issued", long_date(facts.issued, zone)),
        ("Valid until", long_date(facts.valid_until, zone)),
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
    checked = long_datetime(facts.checked_at, zone)
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
    if facts.token is not None:
        # The credential itself, for /verify to read back from the file (and any PDF reader
        # to show as an attachment); the QR code stays the way for paper and photos.
        pdf.embed_file(
            bytes=facts.token.encode("ascii"),
            basename=f"cit-{facts.credential_id}.jwt",
            desc="The signed CIT certification (W3C Verifiable Credential, vc+jwt)",
            mime_type="application/vc+jwt",
            modification_date=facts.issued,
        )
    return bytes(pdf.output())

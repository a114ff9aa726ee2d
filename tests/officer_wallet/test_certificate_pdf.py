"""The printable certificate: one Letter page whose QR code, read off the rendered page, opens
live verification, and whose text says whose certification it is (unless protected)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

import pypdfium2 as pdfium
import zxingcpp

from registry.web.certificate_facts import latin1
from tests.conftest import PUBLIC_URL, Api, Region, graduate, program_zone

DPI = 200


def issue(region: Region, course: dict[str, Any], **officer_fields: Any) -> dict[str, Any]:
    """One officer through a whole class, certified: the certify answer's item, plus the
    officer and the class."""
    klass = region.klass()
    officer = region.officer(**officer_fields)
    graduate(region, course, klass["id"], officer["id"])
    r = region.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert r.status_code == 200, r.text
    item: dict[str, Any] = r.json()["issued"][0]
    item["officer"] = officer
    item["class"] = klass
    return item


def long_date(value: str) -> str:
    # A moment's date is the program's (a class's dates are dates).
    day = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else None
    d = day.astimezone(program_zone()).date() if day else date.fromisoformat(value)
    return f"{d:%B} {d.day}, {d.year}"


def fetch(client: Api, credential_id: str) -> Any:
    r = client.get(f"/c/{credential_id}/certificate.pdf")
    assert r.status_code == 200, r.text
    return r


def open_pdf(content: bytes) -> tuple[pdfium.PdfDocument, str]:
    pdf = pdfium.PdfDocument(content)
    assert len(pdf) == 1
    page = pdf[0]
    text = page.get_textpage().get_text_bounded()
    return pdf, text


def test_the_certificate_is_one_letter_page_with_a_scannable_qr_of_the_verify_url(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = fetch(anonymous, item["credential_id"])
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == (
        f'inline; filename="cit-certificate-{item["credential_id"]}.pdf"'
    )
    assert r.headers["cache-control"] == "no-store"
    assert r.content.startswith(b"%PDF-")
    pdf, _ = open_pdf(r.content)
    width, height = pdf[0].get_size()
    assert sorted((round(width), round(height))) == [612, 792]  # US Letter, either way round

    image = pdf[0].render(scale=DPI / 72).to_pil()
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, results
    qr = results[0]
    assert qr.format == zxingcpp.BarcodeFormat.QRCode
    assert qr.text == f"{PUBLIC_URL}/c/{item['credential_id']}" == item["verify_url"]
    assert qr.ec_level == "M"
    assert int(cast(Any, qr.extra)["Version"]) <= 4
    # Printed at least 1.5 inches wide (the symbol itself, without its quiet zone).
    corners = qr.position
    symbol_px = max(corners.top_right.x, corners.bottom_right.x) - min(
        corners.top_left.x, corners.bottom_left.x
    )
    assert symbol_px / DPI >= 1.5, symbol_px / DPI


def test_the_text_names_the_officer_post_id_hours_dates_and_credential(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course, first_name="Zoë", last_name="Łopez-Nguyễn")
    record = region.coordinator.get(f"/api/v1/credentials/{item['credential_id']}").json()
    _, text = open_pdf(fetch(anonymous, item["credential_id"]).content)
    flat = " ".join(text.split())
    officer = item["officer"]
    assert "Crisis Intervention Team (CIT) Officer Certification" in flat
    assert "CIT Utah" in flat.title() or "CIT UTAH" in flat
    # Core fonts are Latin-1: "ë" survives, "Ł" and "ễ" become their plain letters.
    assert "Zoë Lopez-Nguyen" in flat
    assert officer["post_id"] in flat
    assert "40 hours" in flat
    assert long_date(item["class"]["start_date"]) in flat
    assert long_date(item["class"]["end_date"]) in flat
    assert long_date(record["issued_at"]) in flat
    assert long_date(record["valid_until"]) in flat
    assert item["credential_id"] in flat
    assert f"Verification is live at {item['verify_url']}" in flat
    assert "REVOKED" not in flat


def test_a_protected_officer_has_no_name_and_no_post_id_on_the_certificate(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course, protected=True)
    # Not from the public URL (404, as an unknown id): from the officer's wallet.
    r = anonymous.get(f"/c/{item['credential_id']}/certificate.pdf")
    assert r.status_code == 404
    wallet = item["wallet_url"].removeprefix(PUBLIC_URL)
    r = anonymous.get(f"{wallet}/c/{item['credential_id']}/certificate.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    _, text = open_pdf(r.content)
    flat = " ".join(text.split())
    officer = item["officer"]
    assert "Name withheld (protected record)" in flat
    assert officer["last_name"] not in flat
    assert officer["post_id"] not in flat
    assert item["credential_id"] in flat


def test_a_revoked_certificate_says_revoked(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = region.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "Roster fraud"}
    )
    assert r.status_code == 200, r.text
    _, text = open_pdf(fetch(anonymous, item["credential_id"]).content)
    assert "REVOKED" in text
    assert "not valid" in text


def test_the_certificate_of_an_unknown_credential_is_404(anonymous: Api) -> None:
    assert anonymous.get(f"/c/{'0' * 26}/certificate.pdf").status_code == 404
    assert anonymous.get(f"/c/{'A' * 40}/certificate.pdf").status_code == 404


def test_text_outside_latin1_is_replaced_not_refused() -> None:
    assert latin1("O\u2019Brien \u2013 \u201c\u03a9\u201d \u00c5") == 'O\'Brien - "?" \u00c5'
    assert latin1("Dvořák\tŁ") == "Dvorák L"


def test_the_footer_says_where_to_type_the_id_without_a_scanner(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    _, text = open_pdf(fetch(anonymous, item["credential_id"]).content)
    assert f"No scanner? Type the credential id at {PUBLIC_URL}/verify" in text
    assert item["credential_id"] in text

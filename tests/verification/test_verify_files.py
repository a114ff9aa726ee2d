"""The files people actually hold, uploaded on /verify: our PDF certificate (the credential read
back from its attachment), a PDF without one (its QR code read), PNG and JPEG renders of it, a
photo-like shot (and one as an iPhone saves it, HEIC), and hostile or unrelated files, which get
a clear 4xx page and never a fraud verdict or a 500."""

from __future__ import annotations

import io
import random
import struct
import zlib
from typing import Any

import pypdfium2 as pdfium
import qrcode
from fpdf import FPDF
from litestar.testing import TestClient
from PIL import Image, ImageFilter

from tests.conftest import Region

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NONE_FOUND = "We could not find a certificate in this file."


def upload(
    client: TestClient[Any], data: bytes, name: str, media: str, follow: bool = False
) -> Any:
    return client.post(
        "/verify", files={"file": (name, data, media)}, headers=HTML, follow_redirects=follow
    )


def certificate(client: TestClient[Any], item: dict[str, Any]) -> bytes:
    r = client.get(f"/c/{item['credential_id']}/certificate.pdf")
    assert r.status_code == 200, r.text
    return bytes(r.content)


def attachments(pdf: bytes) -> dict[str, bytes]:
    document = pdfium.PdfDocument(pdf)
    found = {}
    for i in range(document.count_attachments()):
        a = document.get_attachment(i)
        found[a.get_name()] = bytes(a.get_data())
    document.close()
    return found


def without_attachments(pdf: bytes) -> bytes:
    """The certificate as one printed before attachments (or a scan): only the page."""
    document = pdfium.PdfDocument(pdf)
    while document.count_attachments():
        document.del_attachment(0)
    out = io.BytesIO()
    document.save(out)
    document.close()
    assert attachments(out.getvalue()) == {}
    return out.getvalue()


def render(pdf: bytes, dpi: int = 150) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    image: Image.Image = document[0].render(scale=dpi / 72).to_pil().convert("RGB")
    document.close()
    return image


def encoded(image: Image.Image, form: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, form, **options)
    return out.getvalue()


def photo_like(image: Image.Image) -> Image.Image:
    """A phone's shot of the paper: smaller, turned, on a desk, slightly soft, with noise."""
    small = image.resize((image.width * 3 // 5, image.height * 3 // 5))
    turned = small.rotate(11, expand=True, fillcolor=(120, 110, 100))
    desk = Image.new("RGB", (turned.width + 240, turned.height + 180), (120, 110, 100))
    desk.paste(turned, (130, 70))
    soft = desk.filter(ImageFilter.GaussianBlur(0.8))
    rng = random.Random(7)
    pixels = soft.load()
    assert pixels is not None
    for _ in range(20_000):
        x, y = rng.randrange(soft.width), rng.randrange(soft.height)
        pixels[x, y] = (rng.randrange(256),) * 3
    return soft


def valid_page_for(r: Any, item: dict[str, Any], named: bool = True) -> None:
    assert r.status_code == 200, r.text[:2000]
    assert "<h1>Valid</h1>" in r.text
    assert item["credential_id"] in r.text
    assert (item["officer"]["last_name"] in r.text) is named


def test_our_pdf_carries_the_credential_and_is_verified_from_it(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    pdf = certificate(client, item)
    assert attachments(pdf) == {f"cit-{item['credential_id']}.jwt": item["token"].encode()}
    valid_page_for(upload(client, pdf, "certificate.pdf", "application/pdf"), item)

    # Revoked after it was printed: the same file now gets the true verdict.
    r = region.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "test"}
    )
    assert r.status_code == 200, r.text
    revoked = upload(client, pdf, "certificate.pdf", "application/pdf")
    assert revoked.status_code == 200
    assert "<h1>Revoked</h1>" in revoked.text


def test_a_protected_holders_pdf_attaches_nothing_and_is_read_by_its_qr_code(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course, protected=True, last_name="Hiddenpdf")
    wallet = item["wallet_url"].split("/wallet/", 1)[1]
    r = client.get(f"/wallet/{wallet}/c/{item['credential_id']}/certificate.pdf")
    assert r.status_code == 200
    assert attachments(r.content) == {}  # paper with no name carries no signed name either
    page = upload(client, r.content, "certificate.pdf", "application/pdf", follow=True)
    valid_page_for(page, item, named=False)
    assert "Name withheld (protected record)" in page.text


def test_a_pdf_without_the_attachment_a_png_a_jpeg_and_a_photo_are_read_by_the_qr_code(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course)
    plain = without_attachments(certificate(client, item))
    page = render(plain)
    files = {
        "old.pdf": (plain, "application/pdf"),
        "scan.pdf": (encoded(page, "PDF", resolution=150), "application/pdf"),
        "render.png": (encoded(page, "PNG"), "image/png"),
        "render.jpg": (encoded(page, "JPEG", quality=45), "image/jpeg"),
        "photo.jpg": (encoded(photo_like(page), "JPEG", quality=70), "image/jpeg"),
    }
    for name, (data, media) in files.items():
        r = upload(client, data, name, media)
        assert r.status_code == 303, (name, r.status_code, r.text[:500])
        assert r.headers["location"] == f"/c/{item['credential_id']}", name
    valid_page_for(upload(client, files["photo.jpg"][0], "p.jpg", "image/jpeg", True), item)


def test_an_iphones_heic_photo_is_read_by_the_qr_code(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    """An iPhone saves its photos as HEIC (HEVC in an HEIF file); one is made here by
    pillow-heif's encoder, not registered with Pillow: /verify reads it with pi-heif, a decoder
    only. A cut-short one is said to be damaged."""
    import pillow_heif

    item = region.certified(course)
    shot = photo_like(render(without_attachments(certificate(client, item))))
    out = io.BytesIO()
    pillow_heif.from_pillow(shot).save(out, format="HEIF")
    photo = out.getvalue()
    assert photo[4:12] == b"ftypheic"
    r = upload(client, photo, "IMG_0042.HEIC", "image/heic")
    assert r.status_code == 303, r.text[:500]
    assert r.headers["location"] == f"/c/{item['credential_id']}"
    valid_page_for(upload(client, photo, "IMG_0042.HEIC", "image/heic", True), item)

    cut = upload(client, photo[: len(photo) // 3], "IMG_0043.HEIC", "image/heic")
    assert cut.status_code == 422, cut.text[:500]
    assert NONE_FOUND in cut.text and "damaged or cut short" in cut.text
    assert "Not valid" not in cut.text


def _unrelated_pdf(attached: bytes | None = None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(text="Minutes of the budget committee, March.")
    if attached is not None:
        pdf.embed_file(bytes=attached, basename="budget.json")
    return bytes(pdf.output())


def _png_header_only(width: int, height: int) -> bytes:
    """What a decompression bomb looks like from outside: a small file naming a huge image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * 1024)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_files_holding_no_certificate_are_said_so_never_called_forgeries(
    client: TestClient[Any],
) -> None:
    noise = Image.effect_noise((800, 600), 60).convert("RGB")
    elsewhere = qrcode.make("https://example.org/c/ABCDEFGHJKMNPQRSTVWXYZ0123").get_image()
    pdf = _unrelated_pdf()
    png = encoded(noise, "PNG")
    cases = {
        "minutes.pdf": (pdf, "", 422),
        "with-data.pdf": (_unrelated_pdf(b"total: 1200"), "no QR code could be read", 422),
        "noise.png": (png, "no QR code could be read", 422),
        "noise.jpg": (encoded(noise, "JPEG", quality=60), "no QR code could be read", 422),
        "elsewhere.png": (encoded(elsewhere, "PNG"), "does not lead to this registry", 422),
        "notes.txt": (b"Officer Jane Doe, CIT 2024, see attached.", "It reads our PDF", 422),
        "program.exe": (b"MZ\x90\x00" + bytes(range(256)) * 4, "It reads our PDF", 422),
        "cut.pdf": (pdf[: len(pdf) // 2], "", 422),
        "cut.png": (png[: len(png) // 3], "damaged or cut short", 422),
        "huge.png": (_png_header_only(9000, 9000), "megapixels", 422),
        "bomb.png": (_png_header_only(100_000, 100_000), "megapixels", 422),
        "big.pdf": (b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1), "larger than 10 MB", 413),
    }
    for name, (data, words, status) in cases.items():
        r = upload(client, data, name, "application/octet-stream")
        assert r.status_code == status, (name, r.status_code, r.text[:500])
        assert NONE_FOUND in r.text, name
        assert words in r.text, name
        assert "Not valid" not in r.text, name
        assert 'aria-invalid="true"' in r.text, name


def test_a_pdf_of_many_pages_is_refused_before_it_is_drawn(client: TestClient[Any]) -> None:
    pdf = FPDF()
    for _ in range(25):
        pdf.add_page()
    r = upload(client, bytes(pdf.output()), "book.pdf", "application/pdf")
    assert r.status_code == 422
    assert "This PDF has 25 pages" in r.text
    assert NONE_FOUND in r.text


def test_pasted_text_that_is_no_credential_is_said_so(client: TestClient[Any]) -> None:
    r = client.post("/verify", data={"token": "Jane Doe, badge 1234"}, headers=HTML)
    assert r.status_code == 422
    assert "What was pasted is not a credential" in r.text
    assert "Not valid" not in r.text

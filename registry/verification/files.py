"""What a file handed to /verify holds: the credential attached to our PDF certificate, or the
text of the QR codes printed on a certificate, a photo or a screenshot of one (an iPhone's HEIC
photo too), or the wallet's screen. Pure: bytes in, what was found out; no HTTP, no database.

Every file is someone else's: the work is bounded before it starts. The size is capped by the
caller; a PDF of more than MAX_PAGES pages is refused and only its first RENDERED_PAGES are
drawn, each at most RENDER_PIXELS; an image is measured from its header before it is decoded
and refused over MAX_PIXELS (a decompression bomb never decodes); the caller bounds the time.
PDFium, Pillow, pi-heif and zxing-cpp are imported on the first file, not at start-up (as
fpdf2 is)."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MAX_FILE_BYTES = 10 * 1024 * 1024  # a phone's photo is 2-6 MB; our certificate 30 KB
MAX_PAGES = 20  # a certificate is one page; a file of many is not one
RENDERED_PAGES = 2
RENDER_PIXELS = 12_000_000  # a US Letter page at about 300 dpi
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo fits
DECODE_SIDE = 4000  # a larger photo is decoded reduced (JPEG's draft mode): a QR stays readable
MAX_ATTACHMENTS = 16
MAX_ATTACHMENT_BYTES = 64 * 1024
ATTACHMENT_SUFFIXES = (".jwt", ".json")

DAMAGED_IMAGE = "This image cannot be read: it is damaged or cut short."
PDF, IMAGE, TEXT, OTHER = "pdf", "image", "text", "other"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF")
# An HEIF file (what an iPhone's camera saves, .heic) is an ISO media file: `ftyp`, then a brand.
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


class Unreadable(Exception):
    """The file cannot be read as what it claims to be, or is beyond the bounds; in words."""


class Busy(Exception):
    """As many files as SLOTS are being read in this process already."""


# Files read at once by a process: a reading the caller stopped waiting for still holds its slot
# until it ends, so hostile files cannot pile up threads.
SLOTS = threading.BoundedSemaphore(2)


@dataclass
class Found:
    """What a file holds: an attached credential (`attached`, the token or document text), and
    the text of every QR code read in it (`codes`), in reading order."""

    attached: str | None = None
    codes: list[str] = field(default_factory=list)


def kind_of(data: bytes) -> str:
    """What the file is, from its first bytes (a name or a declared type proves nothing)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_IMAGE_MAGIC[:2]) or (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        return IMAGE
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return IMAGE
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return OTHER
    return TEXT


def read(data: bytes) -> Found:
    """What a PDF or an image holds (any other kind: nothing). Raises Unreadable, or Busy."""
    if not SLOTS.acquire(blocking=False):
        raise Busy
    try:
        return _read(data)
    finally:
        SLOTS.release()


def _read(data: bytes) -> Found:
    kind = kind_of(data)
    if kind == PDF:
        return _read_pdf(data)
    if kind == IMAGE:
        return Found(codes=_codes(_image(data)))
    return Found()


def _read_pdf(data: bytes) -> Found:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise Unreadable("This PDF cannot be opened: it is damaged, cut short or locked.") from exc
    try:
        pages = len(document)
        if pages > MAX_PAGES:
            raise Unreadable(
                f"This PDF has {pages} pages; a certificate has one. Upload the certificate alone "
                f"(at most {MAX_PAGES} pages)."
            )
        attached = _attachment(document)
        if attached is not None:
            return Found(attached=attached)
        codes: list[str] = []
        for index in range(min(pages, RENDERED_PAGES)):
            page = document[index]
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                continue
            # Enough detail for a printed QR code (about 200 dpi), never more than RENDER_PIXELS.
            scale = min(200 / 72, math.sqrt(RENDER_PIXELS / (width * height)))
            bitmap = page.render(scale=scale, grayscale=True)
            codes += _codes(bitmap.to_pil())
            if codes:
                break
        return Found(codes=codes)
    except pdfium.PdfiumError as exc:
        raise Unreadable("This PDF cannot be read: it is damaged or cut short.") from exc
    finally:
        document.close()


def _attachment(document: Any) -> str | None:
    """The credential our certificate carries as an attached `.jwt` (or a `.json` document)."""
    for index in range(min(document.count_attachments(), MAX_ATTACHMENTS)):
        attachment = document.get_attachment(index)
        name = str(attachment.get_name() or "").lower()
        if not name.endswith(ATTACHMENT_SUFFIXES):
            continue
        data = bytes(attachment.get_data())
        if 0 < len(data) <= MAX_ATTACHMENT_BYTES:
            text = data.decode("utf-8", errors="replace").strip()
            if text:
                return text
    return None


@cache
def _heif() -> None:
    """Lets Pillow open HEIF (pi-heif: libheif with libde265, a decoder only), decoding on one
    thread, as the other formats do."""
    import pi_heif

    pi_heif.options.DECODE_THREADS = 1
    pi_heif.register_heif_opener()


def _image(data: bytes) -> Any:
    """The image, in grey, decoded only once its header says it is within bounds."""
    from PIL import Image, UnidentifiedImageError

    _heif()
    try:
        image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP", "HEIF"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_big() from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise Unreadable(DAMAGED_IMAGE) from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_big()
    try:
        if image.format == "JPEG" and max(width, height) > DECODE_SIDE:
            image.draft("L", (DECODE_SIDE, DECODE_SIDE))
        return image.convert("L")
    except (OSError, ValueError, SyntaxError) as exc:
        raise Unreadable(DAMAGED_IMAGE) from exc


def _too_big() -> Unreadable:
    return Unreadable(
        f"This image is larger than {MAX_PIXELS // 1_000_000} megapixels. A photo from a phone "
        "or a screenshot is smaller: upload one of those."
    )


def _codes(image: Any) -> list[str]:
    import zxingcpp

    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(image, formats=qr)
    return [code.text for code in found if code.valid and code.text]

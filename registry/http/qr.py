"""QR codes: the certificate's, the page's and a hand-over's, made one way (error correction M)."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg


def qr_code(url: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data URI, for a page to show without another request."""
    image = qr_code(text).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

"""QR codes of the verification URL, and the signed credential as a download."""

from __future__ import annotations

import io
import re
from typing import Any
from xml.etree import ElementTree

import zxingcpp
from PIL import Image, ImageDraw

from tests.conftest import PUBLIC_URL, Api, Region
from tests.verification.test_verify_api import issue

SVG = "{http://www.w3.org/2000/svg}"
# qrcode's SvgPathImage draws each dark module as a closed unit square: "Mx,yHx2Vy2Hxz".
SQUARE = re.compile(r"M([0-9.]+),([0-9.]+)H([0-9.]+)V([0-9.]+)H[0-9.]+z")


def decode(image: Image.Image) -> Any:
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, results
    return results[0]


def rasterise(svg: bytes, scale: int = 8) -> Image.Image:
    """Draws the SVG's path of squares, which is all the QR SVG is, on a white bitmap."""
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own server's output, in a test
    assert root.tag == f"{SVG}svg"
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (int(width * scale), int(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    paths = list(root.iter(f"{SVG}path"))
    assert paths, "the SVG has no path"
    squares = 0
    for path in paths:
        d = path.attrib["d"]
        found = SQUARE.findall(d)
        assert SQUARE.sub("", d).strip() == "", "the path holds more than squares"
        for x1, y1, x2, y2 in found:
            box = (
                float(x1) * scale,
                float(y1) * scale,
                float(x2) * scale - 1,
                float(y2) * scale - 1,
            )
            draw.rectangle(box, fill=0)
            squares += 1
    assert squares > 100
    return image


def test_the_png_qr_holds_the_short_verify_url_at_level_m(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = anonymous.get(f"/c/{item['credential_id']}/qr.png")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert "max-age" in r.headers["cache-control"]
    result = decode(Image.open(io.BytesIO(r.content)))
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    assert result.text == f"{PUBLIC_URL}/c/{item['credential_id']}" == item["verify_url"]
    assert result.ec_level == "M"
    # A 26-character id under a short origin fits version 4 (33x33 modules): easy to scan.
    assert int(result.extra["Version"]) <= 4, result.extra
    assert item["token"] not in result.text


def test_the_svg_qr_is_well_formed_and_decodes_to_the_same_url(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = anonymous.get(f"/c/{item['credential_id']}/qr.svg")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert b"<script" not in r.content
    result = decode(rasterise(r.content))
    assert result.text == item["verify_url"]
    assert result.ec_level == "M"


def test_qr_codes_of_unknown_credentials_are_404(anonymous: Api) -> None:
    for suffix in ("qr.png", "qr.svg", "credential.jwt"):
        assert anonymous.get(f"/c/{'0' * 26}/{suffix}").status_code == 404


def test_the_signed_credential_downloads_as_vc_jwt(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    r = anonymous.get(f"/c/{item['credential_id']}/credential.jwt")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "application/vc+jwt"
    assert r.text == item["token"]
    assert f"cit-{item['credential_id']}.jwt" in r.headers["content-disposition"]

"""Protected means protected: no anonymous surface names or identifies a holder whose record is
protected now (whether at issuance or since), while the officer's wallet link still gives them
everything; and the certificate prints the name the credential signed, not today's record."""

from __future__ import annotations

import base64
import json
from typing import Any

import pypdfium2 as pdfium
import pytest

from tests.conftest import PUBLIC_URL, Api, Region, assert_problem, assert_same_problem

UNKNOWN = "0" * 26
JSON = {"Accept": "application/json"}


def _pdf_text(content: bytes) -> str:
    pdf = pdfium.PdfDocument(content)
    return " ".join(pdf[0].get_textpage().get_text_bounded().split())


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def _identifies(text: str, officer: dict[str, Any]) -> bool:
    return any(officer[k] in text for k in ("post_id", "last_name", "first_name", "id"))


def _assert_no_public_surface_identifies(
    anonymous: Api, issued: dict[str, Any], officer: dict[str, Any]
) -> None:
    cid = issued["credential_id"]
    for suffix in ("credential.jwt", "certificate.pdf"):
        unknown = anonymous.get(f"/c/{UNKNOWN}/{suffix}")
        assert_problem(unknown, 404, field="credential_id", rule="exists")
        assert_same_problem(anonymous.get(f"/c/{cid}/{suffix}"), unknown)
    verdict = anonymous.get(f"/c/{cid}", headers=JSON).json()
    assert verdict["credential"]["holder"] == {"name": None, "post_id": None}
    assert not _identifies(json.dumps(verdict), officer)
    page = anonymous.get(f"/c/{cid}")
    assert page.status_code == 200
    assert "Name withheld (protected record)" in page.text
    assert not _identifies(page.text, officer)
    # no link to what would 404
    assert "credential.jwt" not in page.text and "credential.json" not in page.text
    for suffix in ("credential.json",):
        assert_same_problem(
            anonymous.get(f"/c/{cid}/{suffix}"), anonymous.get(f"/c/{UNKNOWN}/{suffix}")
        )
    qr = anonymous.get(f"/c/{cid}/qr.svg")
    assert qr.status_code == 200 and not _identifies(qr.text, officer)
    lookup = anonymous.client.post(
        "/lookup",
        data={"post_id": officer["post_id"], "last_name": officer["last_name"]},
        headers=JSON,
    ).json()
    assert lookup["found"] is False and lookup["certifications"] == []
    record_list = anonymous.get(
        _claims(issued["token"])["credentialStatus"]["statusListCredential"].removeprefix(
            PUBLIC_URL
        )
    )
    assert record_list.status_code == 200
    assert not _identifies(json.dumps(_claims(record_list.text)), officer)


def test_a_holder_protected_at_issuance_is_on_no_public_surface(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course, protected=True)
    _assert_no_public_surface_identifies(anonymous, issued, issued["officer"])


def test_a_holder_protected_after_issuance_is_withdrawn_from_every_public_surface_at_once(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course)
    officer = issued["officer"]
    cid = issued["credential_id"]
    # Warm every cache first: the page's stored-credential cache, the token download.
    assert anonymous.get(f"/c/{cid}", headers=JSON).json()["credential"]["holder"]["name"]
    assert anonymous.get(f"/c/{cid}/credential.jwt").text == issued["token"]
    assert anonymous.get(f"/c/{cid}/certificate.pdf").status_code == 200

    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": True})
    assert r.status_code == 200, r.text
    _assert_no_public_surface_identifies(anonymous, issued, officer)

    # Lifting the protection gives the public copies back.
    region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": False})
    assert anonymous.get(f"/c/{cid}/credential.jwt").text == issued["token"]


@pytest.mark.parametrize("when", ["at_issuance", "after"])
def test_the_officer_still_downloads_everything_through_the_wallet_link(
    region: Region, course: dict[str, Any], anonymous: Api, when: str
) -> None:
    issued = region.certified(course, protected=when == "at_issuance")
    officer = issued["officer"]
    if when == "after":
        region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": True})
    wallet = issued["wallet_url"].removeprefix(PUBLIC_URL)
    cid = issued["credential_id"]
    page = anonymous.get(wallet)
    assert f"{wallet}/c/{cid}/credential.jwt" in page.text
    assert f"{wallet}/c/{cid}/certificate.pdf" in page.text
    token = anonymous.get(f"{wallet}/c/{cid}/credential.jwt")
    assert token.status_code == 200
    assert token.text == issued["token"]
    assert token.headers["content-type"].startswith("application/vc+jwt")
    assert token.headers["cache-control"] == "no-store"
    assert token.headers["referrer-policy"] == "no-referrer"
    pdf = anonymous.get(f"{wallet}/c/{cid}/certificate.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    # The paper's QR opens a page that withholds the name: the paper withholds it too.
    assert "Name withheld (protected record)" in text
    assert not _identifies(text, officer)
    assert cid in text


def test_a_wallet_key_opens_its_own_credentials_only(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    mine, theirs = region.certified(course), region.certified(course, protected=True)
    wallet = mine["wallet_url"].removeprefix(PUBLIC_URL)
    for suffix in ("credential.jwt", "certificate.pdf"):
        assert anonymous.get(f"{wallet}/c/{theirs['credential_id']}/{suffix}").status_code == 404
        assert (
            anonymous.get(f"/wallet/{'x' * 43}/c/{mine['credential_id']}/{suffix}").status_code
            == 404
        )
        assert anonymous.get(f"{wallet}/c/{UNKNOWN}/{suffix}").status_code == 404
        assert anonymous.get(f"{wallet}/c/{'A' * 40}/{suffix}").status_code == 404


def test_the_certificate_prints_the_signed_name_not_todays_record(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course, first_name="Signed", last_name="Original")
    officer = issued["officer"]
    r = region.coordinator.patch(
        f"/api/v1/officers/{officer['id']}", {"first_name": "Renamed", "last_name": "Later"}
    )
    assert r.status_code == 200, r.text
    text = _pdf_text(anonymous.get(f"/c/{issued['credential_id']}/certificate.pdf").content)
    assert "Signed Original" in text
    assert officer["post_id"] in text
    assert "Renamed" not in text and "Later" not in text
    subject = _claims(issued["token"])["credentialSubject"]
    assert subject["name"] == "Signed Original"


def test_a_holder_signed_without_a_name_gets_no_name_on_paper_even_once_unprotected(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course, protected=True)
    officer = issued["officer"]
    region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": False})
    r = anonymous.get(f"/c/{issued['credential_id']}/certificate.pdf")
    assert r.status_code == 200
    text = _pdf_text(r.content)
    assert "Name withheld (protected record)" in text
    assert officer["last_name"] not in text and officer["post_id"] not in text

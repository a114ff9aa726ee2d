"""A mistyped credential id or POST id is said to be not found, with what to check, in plain
words: never the wording kept for forgeries. The one stored id a single slip explains is offered,
unless its holder is protected; a POST id's neighbours never are (they are guessable)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from registry.common import CROCKFORD
from registry.verification.typed import near
from tests.conftest import Region

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
FORGERY = "do not rely"
CHECK = "Check it against the certificate, character by character"


def _other(ch: str) -> str:
    return CROCKFORD[(CROCKFORD.index(ch) + 1) % len(CROCKFORD)]


def typos(credential_id: str) -> dict[str, str]:
    """The slips a person makes copying an id from paper: one of each kind."""
    i = 7
    swapped = list(credential_id)
    j = next(k for k in range(3, 25) if swapped[k] != swapped[k + 1])
    swapped[j], swapped[j + 1] = swapped[j + 1], swapped[j]
    return {
        "substitution": credential_id[:i] + _other(credential_id[i]) + credential_id[i + 1 :],
        "transposition": "".join(swapped),
        "omission": credential_id[:i] + credential_id[i + 1 :],
        "a U": credential_id[:i] + "U" + credential_id[i + 1 :],
    }


def test_a_mistyped_id_on_the_verify_form_is_not_found_and_offers_the_one_slip_away(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    for protected in (False, True):
        item = region.certified(course, protected=protected)
        real = item["credential_id"]
        for slip, typed in typos(real).items():
            r = client.post("/verify", data={"credential_id": typed.lower()}, headers=HTML)
            assert r.status_code == 404, (slip, r.text[:300])
            assert f"No certification with the id {typed} is in the registry." in r.text, slip
            assert CHECK in r.text
            assert 'aria-invalid="true"' in r.text
            assert FORGERY not in r.text.lower() and "Not valid" not in r.text, slip
            offered = f'<a href="/c/{real}">{real}</a>'
            if protected:
                assert real not in r.text, slip  # never a protected holder's id
            else:
                assert offered in r.text, slip
            assert item["officer"]["last_name"] not in r.text
        omitted = client.post("/verify", data={"credential_id": typos(real)["omission"]})
        assert "It has 25 characters, not 26: one is missing or one too many." in omitted.text
        with_u = client.post("/verify", data={"credential_id": typos(real)["a U"]})
        assert "never holds the letter U" in with_u.text


def test_one_slip_away_is_a_bounded_set_of_ids_as_issued() -> None:
    real = "6JT2XV1ATKDBPA2277Z0RK0B9Q"
    for slip, typed in typos(real).items():
        found = near(typed)
        assert real in found, slip
        assert len(found) <= 832 and typed not in found
        assert all(len(i) == 26 and "U" not in i for i in found)
    assert len(near(real[:-1])) <= 26 * 32
    assert near(real + "00") == set() and near(real[:20]) == set()


def test_the_refused_id_stays_in_its_field_to_be_corrected(client: TestClient[Any]) -> None:
    """One slip is mended in its field, not by typing 26 characters again; kept as typed and
    escaped, since the page shows it back."""
    typed = "6JT2-XV1A TKDBPA2277Z0RK0B"
    r = client.post("/verify", data={"credential_id": typed}, headers=HTML)
    assert r.status_code == 404
    assert f'value="{typed}"' in r.text
    odd = client.post("/verify", data={"credential_id": '"><b>x'}, headers=HTML)
    assert odd.status_code == 400
    assert 'value="&#34;&gt;&lt;b&gt;x"' in odd.text and "<b>x" not in odd.text


def test_the_qr_address_typed_by_hand_forgives_what_paper_hides_and_says_typos_plainly(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    real = region.certified(course)["credential_id"]
    # As written from paper into the address bar: small letters, o for 0 and l for 1.
    by_hand = real.lower().translate(str.maketrans("01", "ol"))
    r = client.get(f"/c/{by_hand}", headers=HTML)
    assert (r.status_code, "<h1>Valid</h1>" in r.text, real in r.text) == (200, True, True)
    assert (
        client.get(f"/c/{by_hand}", headers={"Accept": "application/json"}).json()["verdict"]
        == "valid"
    )

    for slip in ("omission", "a U"):
        typed = typos(real)[slip]
        page = client.get(f"/c/{typed}", headers=HTML)
        assert page.status_code == 404
        assert "<h1>Not in the registry</h1>" in page.text
        assert CHECK in page.text
        assert FORGERY not in page.text.lower(), slip
        assert real not in page.text
    # An id written as the registry writes them, unknown: a QR code may have led here.
    unknown = client.get(f"/c/{typos(real)['substitution']}", headers=HTML)
    assert unknown.status_code == 404
    assert "If you typed the address, check the id" in unknown.text
    assert "do not rely on a certificate whose code leads here" in unknown.text.lower()
    assert real not in unknown.text


def test_a_lookup_that_finds_nothing_says_what_to_check_and_suggests_nothing(
    client: TestClient[Any], region: Region, course: dict[str, Any]
) -> None:
    item = region.certified(course, last_name="Fairweather")
    post_id = item["officer"]["post_id"]
    for asked in (
        {"post_id": post_id, "last_name": "Fairwether"},
        # One character off (never the same one: a random id may already end in 9).
        {
            "post_id": post_id[:-1] + ("8" if post_id.endswith("9") else "9"),
            "last_name": "Fairweather",
        },
    ):
        r = client.post("/lookup", data=asked, headers=HTML)
        assert r.status_code == 200
        assert "No CIT certification was found for this POST id and last name." in r.text
        assert "Check both as the officer's POST card gives them" in r.text
        assert "never suggests a near match" in r.text
        assert item["credential_id"] not in r.text
        assert FORGERY not in r.text.lower()

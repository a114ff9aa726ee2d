"""A credential id as a person types it from paper, and what to tell them when none matches.

What is safe to say about a mistyped id: only what its own shape shows (its length, a letter
no id holds), and the reformatting a person does not see (case, O for 0, I and L for 1, spaces
and dashes). Never the stored ids near it: ids are 130 random bits with no check character, so
"did you mean" would hand anyone who holds an id with one character smudged, guessed or
altered its neighbour's certificate, name and POST id (a protected holder's id too), one
request per guess instead of thirty-one; and it would be a search of every id per request."""

from __future__ import annotations

import re

CREDENTIAL_ID_LENGTH = 26  # 130 bits of Crockford base32 (common.opaque_id)
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
_ID = re.compile(r"[0-9A-Z]{1,32}")
_AS_ISSUED = re.compile(rf"[0-9A-HJKMNP-TV-Z]{{{CREDENTIAL_ID_LENGTH}}}")

CHECK = (
    "Check it against the certificate, character by character: it is printed beside "
    "\u201cCredential id\u201d, 26 letters and digits. Capitals, spaces and dashes do not "
    "matter, nor O for 0 or I and L for 1."
)


def typed_credential_id(raw: str) -> str | None:
    """The credential id a person typed, as stored; None when it cannot be one."""
    wanted = _SEPARATORS.sub("", raw).upper().translate(_TYPED)
    return wanted if _ID.fullmatch(wanted) else None


def as_issued(raw: str) -> bool:
    """Whether `raw` is exactly as the registry writes ids (what a QR code of ours holds)."""
    return bool(_AS_ISSUED.fullmatch(raw))


def advice(raw: str) -> list[str]:
    """What the shape of a typed id alone says is wrong with it (nothing of the stored ids)."""
    wanted = typed_credential_id(raw)
    if wanted is None:
        return []
    said = []
    if len(wanted) != CREDENTIAL_ID_LENGTH:
        said.append(
            f"It has {len(wanted)} characters, not 26: one is missing or one too many."
            if abs(len(wanted) - CREDENTIAL_ID_LENGTH) == 1
            else f"It has {len(wanted)} characters; a credential id has 26."
        )
    if "U" in wanted:
        said.append("A credential id never holds the letter U: check that character (a V?).")
    return said


def not_found(raw: str) -> str:
    """The plain words for a typed id that matches no certification."""
    wanted = typed_credential_id(raw) or raw.strip()[:40]
    return " ".join(
        [f"No certification with the id {wanted} is in the registry.", CHECK, *advice(raw)]
    )

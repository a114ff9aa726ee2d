"""A credential id as a person types it from paper, and what to tell them when none matches.

What is safe to say about a mistyped id: what its own shape shows (its length, a letter no id
holds), the reformatting a person does not see (case, O for 0, I and L for 1, spaces and
dashes), and the one stored id a single slip explains (a character left out, one too many, one
wrong, two swapped). Ids are 130 random bits: the only id one slip away from a typed one is, in
practice, the certificate in the person's hand, which its page shows anyway; the suggestion
saves the 31 tries anyone could make. Never a protected holder's, never more than one, and
looked up by the at most 832 ids one slip makes (`near`), not by searching the stored ids."""

from __future__ import annotations

import re

CREDENTIAL_ID_LENGTH = 26  # 130 bits of Crockford base32 (common.opaque_id)
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
_ID = re.compile(r"[0-9A-Z]{1,32}")
_AS_ISSUED = re.compile(rf"[0-9A-HJKMNP-TV-Z]{{{CREDENTIAL_ID_LENGTH}}}")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32, as ids are written

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


def near(wanted: str) -> set[str]:
    """The ids one slip away from `wanted` (as typed_credential_id gives it): with a character
    put back, taken out, replaced, or two neighbours swapped. At most 832 (25 characters typed)."""
    n = len(wanted)
    cut = [(wanted[:i], wanted[i:]) for i in range(n + 1)]
    if n == CREDENTIAL_ID_LENGTH - 1:
        found = {a + c + b for a, b in cut for c in _ALPHABET}
    elif n == CREDENTIAL_ID_LENGTH + 1:
        found = {a + b[1:] for a, b in cut if b}
    elif n == CREDENTIAL_ID_LENGTH:
        found = {a + c + b[1:] for a, b in cut if b for c in _ALPHABET}
        found |= {a + b[1] + b[0] + b[2:] for a, b in cut if len(b) > 1}
    else:
        return set()
    return {i for i in found if i != wanted and _AS_ISSUED.fullmatch(i)}


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

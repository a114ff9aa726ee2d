"""Token parsing on bytes: headers read once are not shared, the surroundings str.strip() always
tolerated still are, and a header that fails to read fails every time."""

from __future__ import annotations

import pytest

from registry.vc import jws

HEADER = jws.b64url_encode(b'{"alg":"EdDSA","typ":"vc+jwt","kid":"k1"}')
PAYLOAD = jws.b64url_encode(b'{"a":1}')
SIGNATURE = jws.b64url_encode(b"\x01" * 64)
TOKEN = f"{HEADER}.{PAYLOAD}.{SIGNATURE}".encode()


def test_a_header_read_before_is_a_copy_of_its_own() -> None:
    first = jws.parse(TOKEN)
    first.header["alg"] = "none"
    first.header["crit"] = ["b64"]
    again = jws.parse(TOKEN)
    assert again.header == {"alg": "EdDSA", "typ": "vc+jwt", "kid": "k1"}
    assert again.signing_input == f"{HEADER}.{PAYLOAD}".encode()
    assert again.signature == b"\x01" * 64


@pytest.mark.parametrize("around", [" ", "\n", "\t\r", "\x0b\x0c", "\x1c\x1d\x1e\x1f"])
def test_ascii_whitespace_around_a_token_is_tolerated(around: str) -> None:
    parsed = jws.parse(around.encode() + TOKEN + around.encode())
    assert parsed.signing_input == f"{HEADER}.{PAYLOAD}".encode()


def test_a_header_that_does_not_read_is_refused_every_time() -> None:
    bad = jws.b64url_encode(b'{"alg":"EdDSA","alg":"none"}')
    for _ in range(3):
        with pytest.raises(jws.JWSError, match="duplicate member"):
            jws.parse(f"{bad}.{PAYLOAD}.{SIGNATURE}".encode())


def test_many_distinct_headers_keep_the_memory_bounded() -> None:
    for n in range(jws._HEADERS_KEPT * 3):
        header = jws.b64url_encode(f'{{"alg":"EdDSA","kid":"k{n}"}}'.encode())
        assert jws.parse(f"{header}.{PAYLOAD}.{SIGNATURE}".encode()).header["kid"] == f"k{n}"
    assert len(jws._HEADERS) <= jws._HEADERS_KEPT


@pytest.mark.parametrize(
    "token",
    [
        f"{HEADER}.{PAYLOAD}.{SIGNATURE}\u00a0".encode(),  # non-ASCII whitespace
        f"{HEADER}.{PAYLOAD}=.{SIGNATURE}".encode(),  # padding
        f"{HEADER}.{PAYLOAD}.{SIGNATURE}+".encode(),  # the standard alphabet
    ],
)
def test_anything_but_base64url_is_refused(token: bytes) -> None:
    with pytest.raises(jws.JWSError) as refused:
        jws.parse(token)
    assert refused.value.check == "shape"

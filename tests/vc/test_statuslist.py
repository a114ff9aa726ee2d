"""Bitstring Status List codec: bit order, the multibase/GZIP encoding, and hostile input."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import pytest

from registry.vc import statuslist


def independent_decode(encoded: str) -> bytes:
    assert encoded.startswith("u")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_index_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    bits = statuslist.new_bitstring()
    assert len(bits) == 16384
    statuslist.set_bit(bits, 0)
    statuslist.set_bit(bits, 9)
    statuslist.set_bit(bits, statuslist.MIN_ENTRIES - 1)
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert bits[-1] == 0b0000_0001
    assert statuslist.get_bit(bits, 9)
    assert not statuslist.get_bit(bits, 8)
    statuslist.set_bit(bits, 9, False)
    assert bits[1] == 0


@pytest.mark.parametrize("index", [-1, statuslist.MIN_ENTRIES])
def test_indexes_outside_the_list_are_refused(index: int) -> None:
    bits = statuslist.new_bitstring()
    with pytest.raises(IndexError):
        statuslist.get_bit(bits, index)
    with pytest.raises(IndexError):
        statuslist.set_bit(bits, index)


def test_round_trip_read_back_independently_msb_first() -> None:
    indexes = {0, 7, 8, 417, 65535, 131071}
    bits = statuslist.bitstring_from_indexes(indexes)
    encoded = statuslist.encode(bits)
    raw = independent_decode(encoded)
    assert len(raw) == 16384
    found = {i for i in range(len(raw) * 8) if raw[i // 8] >> (7 - i % 8) & 1}
    assert found == indexes
    assert statuslist.decode(encoded) == bits


def test_encoding_is_deterministic_and_small() -> None:
    bits = statuslist.bitstring_from_indexes([3, 1000])
    assert statuslist.encode(bits) == statuslist.encode(bytes(bits))
    assert len(statuslist.encode(bits)) < 200  # 16 KiB of mostly zeros compresses well


def test_decode_accepts_an_encoding_made_by_another_gzip() -> None:
    bits = statuslist.bitstring_from_indexes([5])
    other = "u" + b64u(gzip.compress(bits, compresslevel=1, mtime=1234567))
    assert statuslist.decode(other) == bits


def test_decode_refuses_a_gzip_bomb() -> None:
    bomb = "u" + b64u(gzip.compress(bytes(64 * 1024 * 1024), mtime=0))
    assert len(bomb) < 100_000
    with pytest.raises(ValueError, match="beyond"):
        statuslist.decode(bomb)
    with pytest.raises(ValueError, match="beyond"):
        statuslist.decode(statuslist.encode(statuslist.new_bitstring()), max_size=1024)


@pytest.mark.parametrize(
    "encoded",
    [
        b64u(gzip.compress(bytes(16))),  # no multibase prefix
        "z" + b64u(gzip.compress(bytes(16))),  # base58btc prefix
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16))).decode() + "==",  # padding
        "u" + "abc+/def",  # standard, not url-safe, alphabet
        "uA",  # impossible length
        "u" + b64u(b"not gzip at all"),
        "u" + b64u(gzip.compress(bytes(1024))[:-12]),  # truncated
        "u" + b64u(gzip.compress(bytes(16)) + b"trailing"),
        "u" + b64u(gzip.compress(b"")),  # empty
        "u",
    ],
)
def test_decode_refuses_malformed_lists(encoded: str) -> None:
    with pytest.raises(ValueError):
        statuslist.decode(encoded)


def test_status_list_payload_shape() -> None:
    url = "https://registry.example/status/revocation/1"
    issuer = {"id": "did:web:registry.example", "name": "CIT Utah"}
    bits = statuslist.bitstring_from_indexes([417])
    valid_from = datetime(2026, 11, 26, 12, 0, 0, 500, tzinfo=UTC)
    valid_until = datetime(2026, 11, 28, 12, tzinfo=UTC)
    payload = statuslist.status_list_payload(
        list_url=url,
        issuer=issuer,
        purpose="revocation",
        bits=bits,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    assert payload == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"jti": {"@id": "https://www.iana.org/assignments/jwt#jti", "@type": "@id"}},
        ],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-11-26T12:00:00Z",
        "validUntil": "2026-11-28T12:00:00Z",
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": statuslist.encode(bits),
        },
        "iss": "did:web:registry.example",
        "jti": url,
        "iat": int(datetime(2026, 11, 26, 12, tzinfo=UTC).timestamp()),
        "nbf": int(datetime(2026, 11, 26, 12, tzinfo=UTC).timestamp()),
        "exp": int(valid_until.timestamp()),
    }
    open_ended = statuslist.status_list_payload(
        list_url=url,
        issuer=issuer,
        purpose="suspension",
        bits=bits,
        valid_from=valid_from,
        valid_until=None,
    )
    assert "validUntil" not in open_ended
    assert "exp" not in open_ended

"""Property tests: the verifier never accepts or crashes on hostile input, status lists encode
and decode losslessly, and status indexes are never handed out twice."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from registry.credentials import status
from registry.db import make_engine, unit_of_work
from registry.tables.credentials import StatusAllocation, StatusList
from registry.vc import statuslist
from registry.vc.keystore import KeyStore
from registry.verification import Verdict, verify
from tests.verification.test_core import ISSUER, NOW, credential, publish

KEYS = Path(__file__).resolve().parent.parent / "keys"
EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    keys = KeyStore(tmp_path_factory.mktemp("prop-keys"))
    keys.import_pem((KEYS / "ed25519.pem").read_bytes())
    return keys


@pytest.fixture(scope="module")
def token(store: KeyStore) -> str:
    good = store.sign(credential()).token
    # The unaltered token is valid, so the properties below are about the alterations.
    assert verify(good, store.trusted(), publish(store), NOW, issuer=ISSUER).verdict == "valid"
    return good


def _rejected(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert verdict.verdict != "valid"
    assert verdict.verdict == "invalid" or verdict.credential is not None
    # The catch-all "error" check means an exception escaped the checks: a bug, even if caught.
    assert all(c.name != "error" for c in verdict.checks), verdict.checks


@EXAMPLES
@given(data=st.binary(max_size=4096))
def test_any_bytes_are_never_valid(store: KeyStore, data: bytes) -> None:
    _rejected(verify(data, store.trusted(), publish(store), NOW))


@EXAMPLES
@given(text=st.text(max_size=4096))
def test_any_text_is_never_valid(store: KeyStore, text: str) -> None:
    _rejected(verify(text, store.trusted(), publish(store), NOW))


b64_part = st.text(alphabet=B64URL, max_size=400)
json_part = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
).map(lambda v: base64.urlsafe_b64encode(repr(v).encode()).rstrip(b"=").decode())


@EXAMPLES
@given(parts=st.tuples(b64_part | json_part, b64_part | json_part, b64_part))
def test_three_dotted_parts_of_junk_are_never_valid(
    store: KeyStore, parts: tuple[str, str, str]
) -> None:
    _rejected(verify(".".join(parts), store.trusted(), publish(store), NOW))


@EXAMPLES
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_a_signed_token_with_one_byte_changed_is_never_valid(
    store: KeyStore, token: str, position: int, flip: int
) -> None:
    raw = bytearray(token.encode())
    raw[position % len(raw)] ^= flip
    _rejected(verify(bytes(raw), store.trusted(), publish(store), NOW))


# -- status lists


sizes = st.integers(min_value=1, max_value=4096).map(lambda n: n * 8) | st.just(
    statuslist.MIN_ENTRIES
)


@EXAMPLES
@given(data=st.data(), size=sizes)
def test_a_bitstring_survives_encoding(data: st.DataObject, size: int) -> None:
    bits = data.draw(st.binary(min_size=size // 8, max_size=size // 8))
    assert statuslist.decode(statuslist.encode(bits)) == bits


@EXAMPLES
@given(
    size=st.integers(min_value=1, max_value=512).map(lambda n: n * 8),
    ops=st.lists(st.tuples(st.integers(min_value=0), st.booleans()), max_size=200),
)
def test_set_and_get_bit_agree_with_a_msb_first_model(
    size: int, ops: list[tuple[int, bool]]
) -> None:
    bits = statuslist.new_bitstring(size)
    model = [False] * size  # model[i] is bit 7 - i % 8 of byte i // 8
    for raw, value in ops:
        index = raw % size
        statuslist.set_bit(bits, index, value)
        model[index] = value
    for i in range(size):
        assert statuslist.get_bit(bits, i) == model[i]
        assert bool(bits[i // 8] >> (7 - i % 8) & 1) == model[i]
    assert statuslist.decode(statuslist.encode(bits)) == bytes(bits)
    with pytest.raises(IndexError):
        statuslist.get_bit(bits, size)


# -- status index allocation


ALLOCATIONS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@ALLOCATIONS
@given(batches=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=10))
def test_status_indexes_are_never_handed_out_twice(
    scratch_database_url: str, monkeypatch: pytest.MonkeyPatch, batches: list[int]
) -> None:
    # Small lists fill after a few batches, so allocation rolls over to new lists often. The
    # database is shared by the examples: each one checks what it adds against all before it.
    monkeypatch.setattr(status, "LIST_SIZE", 50)
    engine = make_engine(scratch_database_url)
    try:
        with unit_of_work(engine, read_only=True) as session:
            seen = {(a.list_n, a.idx) for a in session.exec(select(StatusAllocation))}
        for count in batches:
            with unit_of_work(engine) as session:
                pairs = status.allocate(session, count)
            assert len(pairs) == count
            for pair in pairs:
                assert pair not in seen, f"{pair} handed out twice"
                seen.add(pair)
        with unit_of_work(engine, read_only=True) as session:
            sizes = {row.n: row.size for row in session.exec(select(StatusList))}
            stored = [(a.list_n, a.idx) for a in session.exec(select(StatusAllocation))]
        assert len(stored) == len(set(stored)) == len(seen)
        for n, idx in seen:
            assert 0 <= idx < sizes[n], f"index {idx} outside list {n} of {sizes[n]}"
    finally:
        engine.dispose()


def test_a_batch_larger_than_the_free_indexes_still_terminates() -> None:
    # In a subprocess: were the loop endless again, a thread could not be stopped.
    code = (
        "from registry.credentials.status import _pick; "
        "assert sorted(_pick(50, set(range(20)), 31)) == list(range(20, 50))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=5)

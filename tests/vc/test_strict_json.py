"""The strict JSON reader's shortcut (msgspec, members counted) answers exactly as the standard
reader with its duplicate check does, on any text: the same value, or a refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.vc.jws import (
    _no_duplicates,
    _reject_constant,
    _strict_json_fast,
    strict_json,
)

# Few key characters, so that members repeat often; colons and quotes, which the count must see
# through.
KEYS = st.text(alphabet='ab:"\\é', max_size=3)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet='x:"\\\n\u2028é\x00', max_size=5),
)


class _Obj(list):  # type: ignore[type-arg]
    """A JSON object as the list of its members, so that it can repeat one."""


VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(st.tuples(KEYS, inner), max_size=4).map(_Obj)
    ),
    max_leaves=12,
)


def _write(value: Any, escape: bool, space: str) -> str:
    if isinstance(value, _Obj):
        members = [
            f"{_string(k, escape)}{space}:{space}{_write(v, escape, space)}" for k, v in value
        ]
        return "{" + f",{space}".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_write(v, escape, space) for v in value) + "]"
    if isinstance(value, str):
        return _string(value, escape)
    return json.dumps(value)


def _string(text: str, escape: bool) -> str:
    written = json.dumps(text, ensure_ascii=False)
    # Spell a colon or two as \u003a: the one escape that hides a colon from a count.
    return written.replace(":", "\\u003a") if escape else written


def _standard(data: bytes) -> tuple[str, Any]:
    try:
        text = data.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return "refused", type(exc).__name__
    return "read", value


def _ours(data: bytes) -> tuple[str, Any]:
    try:
        return "read", strict_json(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return "refused", type(exc).__name__


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from(["", " ", "\n\t"]))
def test_the_shortcut_reads_as_the_standard_reader(value: Any, escape: bool, space: str) -> None:
    data = _write(value, escape, space).encode("utf-8")
    assert _ours(data) == _standard(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_are_read_or_refused_alike(data: bytes) -> None:
    assert _ours(data) == _standard(data)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"a":2}',
        b'{"a":{"b":1,"b":2}}',
        b'{"a:":1,"a:":2}',
        b'{"x":"1:2","x":"3"}',
        b'[{"k":1},{"k":1,"k":1}]',
    ],
)
def test_a_repeated_member_is_refused(text: bytes) -> None:
    with pytest.raises(ValueError, match="duplicate member"):
        strict_json(text)


def test_the_shortcut_decides_the_common_case() -> None:
    # A signed credential's payload: no escape, no repeated member, read by msgspec alone.
    data = json.dumps({"id": "urn:x:1", "sub": {"name": "Ana", "url": "https://x/y"}}).encode()
    assert _strict_json_fast(data) == json.loads(data)

"""No document within the size limits costs much more to verify than a genuine one.

The review's attack: a public credential.json with one extra member holding two nodes with seven
identical children cost seconds of CPU (RDFC-1.0 tries every permutation of identical blank
nodes), before any signature was checked; each further child multiplied it by about 8.

Work is counted, not timed: the Python function calls a verification makes (a deterministic
measure on any machine; scripts/bench shows the CPU time of the same shapes)."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from registry.verification.dataintegrity import verify_document
from tests.conftest import PUBLIC_URL, Api, Region
from tests.verification.test_verify_dataintegrity import document_of, verify

# The bound: at most 5x a genuine document's work.
FACTOR = 5


def _calls(app: Litestar, document: Any) -> tuple[int, str]:
    """The function calls verifying `document` takes (status not read), and its verdict."""
    keys = app.state.resources.issuer.keys.trusted()
    count = 0

    def tally(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    now = datetime.now(UTC)
    sys.setprofile(tally)
    try:
        verdict = verify_document(document, keys, None, now, issuer=PUBLIC_URL, check_status=False)
    finally:
        sys.setprofile(None)
    return count, verdict.verdict


@pytest.fixture(scope="module")
def genuine(region_factory: Any, course: dict[str, Any], anonymous: Api, app: Litestar) -> Any:
    region: Region = region_factory()
    document = document_of(anonymous, region.certified(course)["credential_id"])
    calls, verdict = _calls(app, document)
    assert verdict == "valid"
    return {"document": document, "calls": calls}


def _with(document: dict[str, Any], **members: Any) -> dict[str, Any]:
    return {**copy.deepcopy(document), **members}


def _chain(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"a": "x"}
    for _ in range(depth):
        node = {"a": node}
    return node


def _worst_shapes(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    twins = [{"c": [{"a": "x"} for _ in range(7)]} for _ in range(2)]
    yield "the review's twins", _with(document, extra=twins)
    yield "twins with more children", _with(document, extra=[{"c": [{}] * 12}] * 2)
    yield "identical siblings", _with(document, extra=[{"a": "x"} for _ in range(30)])
    yield "identical chains", _with(document, extra=[_chain(7), _chain(7)])
    yield "many identical chains", _with(document, extra=[_chain(3) for _ in range(8)])
    yield "values up to the limit", _with(document, extra=["x"] * 150)
    yield "a long text", _with(document, description="x" * 30_000)
    subject = copy.deepcopy(document["credentialSubject"])
    subject["identifier"] = subject["identifier"] * 8
    yield "identifiers repeated", _with(document, credentialSubject=subject)


def test_the_worst_shapes_are_refused_at_a_bounded_cost(
    genuine: dict[str, Any], app: Litestar
) -> None:
    for name, document in _worst_shapes(genuine["document"]):
        calls, verdict = _calls(app, document)
        assert verdict == "invalid", name
        assert calls <= FACTOR * genuine["calls"], (name, calls, genuine["calls"])


def test_the_reviews_twins_are_refused_through_http(
    genuine: dict[str, Any], anonymous: Api
) -> None:
    twins = [{"c": [{"a": "x"} for _ in range(7)]} for _ in range(2)]
    answer = verify(anonymous, _with(genuine["document"], extra=twins))
    assert answer["verdict"] == "invalid"
    assert "too alike" in answer["reasons"][0]


_LEAF: st.SearchStrategy[Any] = st.one_of(
    st.just("x"), st.integers(0, 3), st.booleans(), st.just({})
)


def _branches(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A named function: hypothesis reads a lambda's source to see that it recurses, and under
    # coverage's tracer it could not, and warned.
    keys = st.sampled_from(["a", "b", "name", "type", "id"])
    return st.one_of(st.lists(inner, max_size=6), st.dictionaries(keys, inner, max_size=3))


_TREES = st.recursive(_LEAF, _branches, max_leaves=40)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree=_TREES)
def test_no_generated_shape_costs_more_than_five_genuine_documents(
    genuine: dict[str, Any], app: Litestar, tree: Any
) -> None:
    calls, _ = _calls(app, _with(genuine["document"], extra=[tree, copy.deepcopy(tree)]))
    assert calls <= FACTOR * genuine["calls"], calls

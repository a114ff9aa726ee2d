"""A Data Integrity document is read by what its proof covers, never by its JSON's spelling.

Each rewrite below carries the same RDF as the registry's own document (so the proof still
verifies) or is refused; either way the verdict is never other than the original's, and when it
is the original's, so are the facts it states. The review's attack: a revoked certification whose
status entry's `type` is written as a one-element list verified "valid"."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from tests.conftest import Api, Region
from tests.verification.test_verify_dataintegrity import document_of, verify

Doc = dict[str, Any]
STATUS = "https://www.w3.org/ns/credentials/status#"
SCHEMA = "https://schema.org/"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"


def _edit(change: Callable[[Doc], None]) -> Callable[[Doc], Doc]:
    def rewrite(document: Doc) -> Doc:
        out = copy.deepcopy(document)
        change(out)
        return out

    return rewrite


def _status(doc: Doc) -> Doc:
    entry: Doc = doc["credentialStatus"]
    return entry


def _subject(doc: Doc) -> Doc:
    subject: Doc = doc["credentialSubject"]
    return subject


def _rename(node: Doc, old: str, new: str) -> None:
    node[new] = node.pop(old)


def _wrap(node: Doc, key: str) -> None:
    node[key] = [node[key]]


def _reorder(node: Doc) -> None:
    items = list(node.items())
    node.clear()
    node.update(dict(reversed(items)))


def _reorder_all(doc: Doc) -> None:
    for node in (doc, doc["issuer"], _subject(doc), _status(doc)):
        _reorder(node)


# Spellings of the same RDF as the registry's own document.
SAME_RDF: dict[str, Callable[[Doc], Doc]] = {
    "status type as a one-element list": _edit(lambda d: _wrap(_status(d), "type")),
    "statusPurpose as a one-element list": _edit(lambda d: _wrap(_status(d), "statusPurpose")),
    "credentialStatus as a one-element list": _edit(lambda d: _wrap(d, "credentialStatus")),
    "statusListCredential as an id object": _edit(
        lambda d: _status(d).update(statusListCredential={"id": _status(d)["statusListCredential"]})
    ),
    "statusPurpose by its full IRI": _edit(
        lambda d: _rename(_status(d), "statusPurpose", STATUS + "statusPurpose")
    ),
    "holder name as a one-element list": _edit(lambda d: _wrap(_subject(d), "name")),
    "holder name by its full IRI": _edit(lambda d: _rename(_subject(d), "name", SCHEMA + "name")),
    "identityHash as a one-element list": _edit(
        lambda d: _wrap(_subject(d)["identifier"][0], "identityHash")
    ),
    "identifier as an object, not a list": _edit(
        lambda d: _subject(d).update(identifier=_subject(d)["identifier"][0])
    ),
    "creditsEarned as a one-element list": _edit(lambda d: _wrap(_subject(d), "creditsEarned")),
    "creditsEarned as text": _edit(
        lambda d: _subject(d).update(creditsEarned=str(_subject(d)["creditsEarned"]))
    ),
    "creditsEarned as 40.0": _edit(
        lambda d: _subject(d).update(creditsEarned=float(_subject(d)["creditsEarned"]))
    ),
    "hashed as text": _edit(lambda d: _subject(d)["identifier"][0].update(hashed="false")),
    "credential type as a plain list reversed": _edit(
        lambda d: d.update(type=list(reversed(d["type"])))
    ),
    "validFrom as a one-element list": _edit(lambda d: _wrap(d, "validFrom")),
    "issuer's type as a plain value": _edit(lambda d: d["issuer"].update(type="Profile")),
    "members reordered everywhere": _edit(_reorder_all),
    "proof as the object alone (as issued before)": _edit(lambda d: d.update(proof=d["proof"][0])),
}

# Spellings the registry refuses outright (never a verdict other than "invalid").
REFUSED: dict[str, Callable[[Doc], Doc]] = {
    "@type for type": _edit(lambda d: _rename(_status(d), "type", "@type")),
    "@id for id": _edit(lambda d: _rename(_status(d), "id", "@id")),
    # A type by its IRI activates none of its scoped terms: they are undefined here.
    "status type by its full IRI": _edit(
        lambda d: _status(d).update(type=STATUS + "BitstringStatusListEntry")
    ),
    "a @value object": _edit(lambda d: _subject(d).update(name={"@value": _subject(d)["name"]})),
}


@pytest.fixture(scope="module")
def revoked(region_factory: Any, course: dict[str, Any], anonymous: Api) -> Doc:
    region: Region = region_factory()
    item = region.certified(course)
    document = document_of(anonymous, item["credential_id"])
    r = region.coordinator.post(
        f"/api/v1/credentials/{item['credential_id']}/revoke", {"reason": "Decertified"}
    )
    assert r.status_code == 200, r.text
    answer = verify(anonymous, document)
    assert answer["verdict"] == "revoked", answer
    return {"document": document, "answer": answer}


def _same_facts(answer: Doc, original: Doc) -> None:
    assert answer["verdict"] == original["verdict"], answer
    assert answer["credential"] == original["credential"], answer
    assert [c["name"] for c in answer["checks"]] == [c["name"] for c in original["checks"]]


@pytest.mark.parametrize("rewrite", list(SAME_RDF), ids=list(SAME_RDF))
def test_a_respelled_revoked_certification_is_still_revoked_with_the_same_facts(
    revoked: Doc, anonymous: Api, rewrite: str
) -> None:
    answer = verify(anonymous, SAME_RDF[rewrite](revoked["document"]))
    _same_facts(answer, revoked["answer"])


@pytest.mark.parametrize("rewrite", list(REFUSED), ids=list(REFUSED))
def test_keyword_spellings_are_refused(revoked: Doc, anonymous: Api, rewrite: str) -> None:
    answer = verify(anonymous, REFUSED[rewrite](revoked["document"]))
    assert answer["verdict"] == "invalid", answer
    assert "credential" not in answer


def test_a_rewrite_that_changes_the_rdf_breaks_the_proof(revoked: Doc, anonymous: Api) -> None:
    # The control: the same edits that keep the RDF above pass only because they do.
    changed = copy.deepcopy(revoked["document"])
    changed["credentialStatus"]["statusPurpose"] = "suspension"
    answer = verify(anonymous, changed)
    assert answer["verdict"] == "invalid"
    assert next(c for c in answer["checks"] if not c["ok"])["name"] == "signature"


# -- generated rewrites

_SINGLE_KEYS = ("type", "statusPurpose", "name", "identityHash", "creditsEarned", "hashed")


def _nodes(document: Any) -> list[Doc]:
    """Every JSON object of the document but the proof and the top-level context."""
    found: list[Doc] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.append(value)
            for key, item in value.items():
                if key not in ("proof", "@context"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return found


def _apply(document: Doc, steps: list[tuple[int, int, int]]) -> Doc:
    out = copy.deepcopy(document)
    for op, which, pick in steps:
        nodes = _nodes(out)
        node = nodes[which % len(nodes)]
        keys = [k for k in node if k in _SINGLE_KEYS or k in ("identifier", "credentialStatus")]
        if not keys:
            continue
        key = keys[pick % len(keys)]
        value = node[key]
        if op == 0:  # wrap in a one-element list
            node[key] = [value]
        elif op == 1 and isinstance(value, list) and len(value) == 1:  # unwrap
            node[key] = value[0]
        elif op == 2:  # reorder the members
            _reorder(node)
        elif op == 3 and isinstance(value, str) and value.startswith("https://"):
            node[key] = {"id": value}  # an IRI as an id object: the same RDF for @id terms only
        elif op == 4:  # duplicate a value in a list: a set in RDF
            node[key] = [value, copy.deepcopy(value)]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 50), st.integers(0, 9)),
                      min_size=1, max_size=6))  # fmt: skip
def test_generated_respellings_never_change_the_verdict_or_its_facts(
    revoked: Doc, anonymous: Api, steps: list[tuple[int, int, int]]
) -> None:
    answer = verify(anonymous, _apply(revoked["document"], steps))
    if answer["verdict"] == "invalid":
        assert "credential" not in answer
    else:
        _same_facts(answer, revoked["answer"])


# -- "protected" is the record's word, never a missing name's

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_an_unprotected_officers_name_as_a_list_is_shown_not_withheld(
    region: Region, course: dict[str, Any], anonymous: Api, client: TestClient[Any]
) -> None:
    item = region.certified(course)
    officer = item["officer"]
    document = SAME_RDF["holder name as a one-element list"](
        document_of(anonymous, item["credential_id"])
    )
    r = client.post(
        "/verify",
        files={"file": ("cit.json", json.dumps(document).encode(), "application/json")},
        headers=HTML,
    )
    assert r.status_code == 200, r.text
    assert "<h1>Valid</h1>" in r.text
    assert f"{officer['first_name']} {officer['last_name']}" in r.text
    assert "protected record" not in r.text
    assert 'id="protected"' not in r.text


def test_a_certification_signed_without_a_name_is_protected_only_while_the_record_says_so(
    region: Region, course: dict[str, Any], client: TestClient[Any]
) -> None:
    item = region.certified(course, protected=True)
    page = client.get(f"/c/{item['credential_id']}", headers=HTML).text
    assert "Name withheld (protected record)" in page and 'id="protected"' in page
    r = region.coordinator.patch(f"/api/v1/officers/{item['officer']['id']}", {"protected": False})
    assert r.status_code == 200, r.text
    page = client.get(f"/c/{item['credential_id']}", headers=HTML).text
    assert "<h1>Valid</h1>" in page
    assert "protected record" not in page and 'id="protected"' not in page
    assert "Name not shown" in page and 'id="unnamed"' in page


def test_the_verify_page_shows_a_respelled_revoked_certification_as_revoked(
    revoked: Doc, client: TestClient[Any]
) -> None:
    document = SAME_RDF["status type as a one-element list"](revoked["document"])
    r = client.post(
        "/verify",
        files={"file": ("cit.json", json.dumps(document).encode(), "application/json")},
        headers=HTML,
    )
    assert r.status_code == 200, r.text
    assert "<h1>Revoked</h1>" in r.text
    assert "<h1>Valid</h1>" not in r.text

"""The signed-graph reader (vc/graph.py) reads a fact only when the graph holds it exactly as the
registry writes it: one value, of the right kind; otherwise it refuses the document."""

from __future__ import annotations

from typing import Any

import pytest

from registry.vc import graph

VC = graph.VC
CRED = {"type": "IRI", "value": "https://registry.test/c/ABC"}
TYPE = {"type": "IRI", "value": graph.RDF_TYPE}


def _quad(subject: Any, predicate: str, obj: Any, name: Any = None) -> dict[str, Any]:
    quad = {"subject": subject, "predicate": {"type": "IRI", "value": predicate}, "object": obj}
    if name is not None:
        quad["name"] = name
    return quad


def _literal(value: str, language: str | None = None) -> dict[str, Any]:
    out = {"type": "literal", "value": value}
    if language:
        out["language"] = language
    return out


def _credential(*extra: dict[str, Any]) -> graph.Dataset:
    typed = _quad(CRED, graph.RDF_TYPE, {"type": "IRI", "value": VC + "VerifiableCredential"})
    return graph.dataset([typed, *extra])


def test_a_name_is_read_as_plain_text_once() -> None:
    name = _quad(CRED, graph.SCHEMA + "name", _literal("CIT Officer Certification"))
    read = graph.the_credential(_credential(name), ["ctx"])
    assert read["name"] == "CIT Officer Certification"
    assert read["type"] == ["VerifiableCredential"]


@pytest.mark.parametrize(
    "extra",
    [
        [
            _quad(CRED, graph.SCHEMA + "name", _literal("One")),
            _quad(CRED, graph.SCHEMA + "name", _literal("Two")),
        ],
        [_quad(CRED, graph.SCHEMA + "name", _literal("Nom", language="fr"))],
        [_quad(CRED, graph.SCHEMA + "name", {"type": "IRI", "value": "https://x.example"})],
        [_quad(CRED, VC + "validFrom", _literal("2026-01-01T00:00:00Z"))],  # no dateTime type
    ],
    ids=["two names", "a language-tagged name", "an IRI for a name", "an untyped date"],
)
def test_a_fact_not_written_as_the_registry_writes_it_refuses_the_document(
    extra: list[dict[str, Any]],
) -> None:
    with pytest.raises(graph.Unreadable):
        graph.the_credential(_credential(*extra), ["ctx"])


def test_a_presentation_with_two_holders_is_refused() -> None:
    vp = {"type": "blank node", "value": "_:c14n0"}
    quads = [
        _quad(vp, graph.RDF_TYPE, {"type": "IRI", "value": VC + "VerifiablePresentation"}),
        _quad(vp, VC + "holder", {"type": "IRI", "value": "did:key:z6MkA"}),
        _quad(vp, VC + "holder", {"type": "IRI", "value": "did:key:z6MkB"}),
    ]
    with pytest.raises(graph.Unreadable, match="2 values for holder"):
        graph.the_presentation(graph.dataset(quads))
    one = graph.the_presentation(graph.dataset(quads[:2]))
    assert (one.holder, one.credentials) == ("did:key:z6MkA", 0)

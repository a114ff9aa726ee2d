"""Reads a credential's facts from its signed graph: the canonical N-Quads a Data Integrity proof
covers, whatever the JSON's spelling.

Many JSON spellings carry the same RDF (a one-element list or a plain value, an IRI or an
`{"id": …}` object, a term or its full IRI as a member name), and a proof signs the RDF. Facts read
from the JSON could therefore differ from the facts signed (a status entry whose `type` is spelled
as a list is no entry to a JSON reader, yet the same signed graph). This module reads them from
the graph instead and writes them back in the registry's own compact spelling, which the stages
every securing form shares (`verification.core.check_payload`) then read. A fact that is there
but cannot be read as the registry writes it (two names, a name with a language) refuses the
document: a verdict states only what it can read exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VC = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
SCHEMA = "https://schema.org/"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# The OB 3.0 context writes its datatypes under https, the VC 2.0 context under http.
XSD = ("http://www.w3.org/2001/XMLSchema#", "https://www.w3.org/2001/XMLSchema#")

# The types the registry's verifier looks for, by the names it writes them with.
TYPE_NAMES = {
    VC + "VerifiableCredential": "VerifiableCredential",
    VC + "VerifiablePresentation": "VerifiablePresentation",
    OB + "OpenBadgeCredential": "OpenBadgeCredential",
    OB + "AchievementCredential": "AchievementCredential",
    OB + "Profile": "Profile",
    OB + "AchievementSubject": "AchievementSubject",
    OB + "IdentityObject": "IdentityObject",
    OB + "Achievement": "Achievement",
    STATUS + "BitstringStatusListCredential": "BitstringStatusListCredential",
    STATUS + "BitstringStatusListEntry": "BitstringStatusListEntry",
    STATUS + "BitstringStatusList": "BitstringStatusList",
}


class Unreadable(ValueError):
    """A signed graph whose facts cannot be read as this registry writes them."""


@dataclass(frozen=True, order=True)
class Term:
    """One node or value of a quad: an IRI, a blank node, or a literal with its datatype."""

    kind: str  # "IRI", "blank node" or "literal"
    value: str
    datatype: str | None = None
    language: str | None = None


@dataclass
class Graph:
    """The quads of one graph, by subject and predicate."""

    edges: dict[Term, dict[str, list[Term]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, subject: Term, predicate: str, obj: Term) -> None:
        self.edges[subject][predicate].append(obj)

    def values(self, node: Term, predicate: str) -> list[Term]:
        found = self.edges.get(node)
        return list(found.get(predicate, ())) if found is not None else []

    def types(self, node: Term) -> list[str]:
        """The node's types, by the names this registry writes (other IRIs as they are), in a
        stable order."""
        names = [TYPE_NAMES.get(t.value, t.value) for t in self.values(node, RDF_TYPE)]
        return sorted(names, key=_type_order)

    def typed(self, type_iri: str) -> list[Term]:
        wanted = Term("IRI", type_iri)
        return sorted(n for n, edges in self.edges.items() if wanted in edges.get(RDF_TYPE, ()))


def _type_order(name: str) -> tuple[int, str]:
    # VerifiableCredential first, as the registry writes it; the rest by name.
    return (0 if name.startswith("Verifiable") else 1, name)


def _term(component: dict[str, Any]) -> Term:
    kind = component["type"]
    if kind == "literal":
        return Term(kind, component["value"], component.get("datatype"), component.get("language"))
    return Term(kind, component["value"])


@dataclass
class Dataset:
    """A canonical dataset: the default graph and the named ones, by graph name."""

    default: Graph
    named: dict[Term, Graph]


def dataset(quads: Iterable[dict[str, Any]]) -> Dataset:
    """The dataset of pyld's quads (`{"subject", "predicate", "object", "name"?}`)."""
    default = Graph()
    named: dict[Term, Graph] = {}
    for quad in quads:
        name = quad.get("name")
        graph = default if name is None else named.setdefault(_term(name), Graph())
        graph.add(_term(quad["subject"]), quad["predicate"]["value"], _term(quad["object"]))
    return Dataset(default, named)


# -- reading one value


def _one(graph: Graph, node: Term, predicate: str, what: str) -> Term | None:
    found = graph.values(node, predicate)
    if len(found) > 1:
        raise Unreadable(f"it has {len(found)} values for {what}, where one is written")
    return found[0] if found else None


def _text(graph: Graph, node: Term, predicate: str, what: str) -> str | None:
    value = _one(graph, node, predicate, what)
    if value is None:
        return None
    if value.kind != "literal" or value.language or value.datatype not in (None, XSD_STRING):
        raise Unreadable(f"its {what} is not plain text")
    return value.value


def _datatype(value: Term, local: str) -> bool:
    return value.datatype is not None and value.datatype in {x + local for x in XSD}


def _date_time(graph: Graph, node: Term, predicate: str, what: str) -> str | None:
    value = _one(graph, node, predicate, what)
    if value is None:
        return None
    if value.kind != "literal" or not _datatype(value, "dateTime"):
        raise Unreadable(f"its {what} is not a date-time")
    return value.value


def _iri(graph: Graph, node: Term, predicate: str, what: str) -> str | None:
    value = _one(graph, node, predicate, what)
    if value is None:
        return None
    if value.kind != "IRI":
        raise Unreadable(f"its {what} is not an IRI")
    return value.value


def _iri_or_text(graph: Graph, node: Term, predicate: str, what: str) -> str | None:
    """A URL written either as an IRI or as a literal (`anyURI` or text)."""
    value = _one(graph, node, predicate, what)
    if value is None:
        return None
    if value.kind == "IRI" or (
        value.kind == "literal"
        and not value.language
        and (value.datatype in (None, XSD_STRING) or _datatype(value, "anyURI"))
    ):
        return value.value
    raise Unreadable(f"its {what} is not a URL")


def _boolean(graph: Graph, node: Term, predicate: str, what: str) -> bool | None:
    value = _one(graph, node, predicate, what)
    if value is None:
        return None
    if value.kind == "literal" and _datatype(value, "boolean") and value.value in ("true", "false"):
        return value.value == "true"
    raise Unreadable(f"its {what} is not true or false")


def _number(graph: Graph, node: Term, predicate: str, what: str) -> int | float | None:
    value = _one(graph, node, predicate, what)
    if value is None:
        return None
    numeric = any(_datatype(value, t) for t in ("float", "double", "decimal", "integer"))
    if value.kind != "literal" or not numeric:
        raise Unreadable(f"its {what} is not a number")
    try:
        number = float(value.value)
    except ValueError:
        raise Unreadable(f"its {what} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Unreadable(f"its {what} is not a finite number")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _node(graph: Graph, node: Term) -> dict[str, Any]:
    """A node's id (when it has an IRI) and types, as the registry writes them."""
    out: dict[str, Any] = {}
    if node.kind == "IRI":
        out["id"] = node.value
    elif node.kind != "blank node":
        raise Unreadable("a node of the credential is a literal")
    types = graph.types(node)
    if types:
        out["type"] = types
    return out


Reader = Callable[[Graph, Term, str, str], Any]
# The members of each kind of node the verdict reads: (member, how it is read, its IRI).
Fields = tuple[tuple[str, Reader, str], ...]


def _read(graph: Graph, node: Term, fields: Fields) -> dict[str, Any]:
    out = _node(graph, node)
    for member, read, iri in fields:
        value = read(graph, node, iri, member)
        if value is not None:
            out[member] = value
    return out


def _criteria(graph: Graph, node: Term, iri: str, what: str) -> dict[str, Any] | None:
    criteria = _one(graph, node, iri, what)
    if criteria is None:
        return None
    return {k: v for k, v in _read(graph, criteria, _CRITERIA).items() if k != "type"}


def _nodes_of(fields: Fields, *, many: bool = False) -> Reader:
    def read(graph: Graph, node: Term, iri: str, what: str) -> Any:
        if many:
            found = sorted(graph.values(node, iri))
            return [_read(graph, n, fields) for n in found] or None
        one = _one(graph, node, iri, what)
        return _read(graph, one, fields) if one is not None else None

    return read


_CRITERIA: Fields = (("narrative", _text, OB + "narrative"),)
_IDENTITY: Fields = (
    ("identityType", _text, OB + "identityType"),
    ("hashed", _boolean, OB + "hashed"),
    ("identityHash", _text, OB + "identityHash"),
)
_ACHIEVEMENT: Fields = (
    ("achievementType", _text, OB + "achievementType"),
    ("name", _text, SCHEMA + "name"),
    ("description", _text, SCHEMA + "description"),
    # The OB 3.0 context maps `criteria` to the IRI of its class, Criteria.
    ("criteria", _criteria, OB + "Criteria"),
)
_SUBJECT: Fields = (
    ("name", _text, SCHEMA + "name"),
    ("identifier", _nodes_of(_IDENTITY, many=True), OB + "identifier"),
    ("achievement", _nodes_of(_ACHIEVEMENT), OB + "achievement"),
    ("creditsEarned", _number, OB + "creditsEarned"),
)
_STATUS: Fields = (
    ("statusPurpose", _text, STATUS + "statusPurpose"),
    ("statusListIndex", _text, STATUS + "statusListIndex"),
    ("statusListCredential", _iri, STATUS + "statusListCredential"),
    ("statusSize", _number, STATUS + "statusSize"),
)
_ISSUER: Fields = (
    ("name", _text, SCHEMA + "name"),
    ("url", _iri_or_text, SCHEMA + "url"),
)
_CREDENTIAL: Fields = (
    ("issuer", _nodes_of(_ISSUER), VC + "issuer"),
    ("validFrom", _date_time, VC + "validFrom"),
    ("validUntil", _date_time, VC + "validUntil"),
    ("name", _text, SCHEMA + "name"),
    ("description", _text, SCHEMA + "description"),
    ("credentialSubject", _nodes_of(_SUBJECT), VC + "credentialSubject"),
    ("credentialStatus", _nodes_of(_STATUS, many=True), VC + "credentialStatus"),
)


def credential(graph: Graph, node: Term, context: Sequence[Any]) -> dict[str, Any]:
    """The credential `node` of `graph` in the registry's compact spelling, with `context`
    (the document's own, which its graph was expanded with)."""
    out: dict[str, Any] = {"@context": list(context), **_read(graph, node, _CREDENTIAL)}
    entries = out.get("credentialStatus")
    if isinstance(entries, list) and len(entries) == 1:  # one entry is written as an object
        out["credentialStatus"] = entries[0]
    return out


def the_credential(data: Dataset, context: Sequence[Any]) -> dict[str, Any]:
    """The one credential of a credential document's graph (its proof taken off)."""
    if data.named:
        raise Unreadable("it holds graphs that a credential does not")
    found = data.default.typed(VC + "VerifiableCredential")
    if len(found) != 1:
        raise Unreadable(f"it holds {len(found)} credentials, where one is written")
    return credential(data.default, found[0], context)


@dataclass(frozen=True)
class PresentationFacts:
    """What a presentation's signed graph says: its holder and how many credentials it carries."""

    holder: str | None
    credentials: int


def the_presentation(data: Dataset) -> PresentationFacts:
    """The one presentation of a presentation's graph (its proof taken off)."""
    found = data.default.typed(VC + "VerifiablePresentation")
    if len(found) != 1:
        raise Unreadable(f"it holds {len(found)} presentations, where one is written")
    graph, node = data.default, found[0]
    holder = _iri(graph, node, VC + "holder", "holder")
    return PresentationFacts(holder, len(graph.values(node, VC + "verifiableCredential")))

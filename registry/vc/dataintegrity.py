"""The Data Integrity form: RDFC-1.0 canonicalization, eddsa-rdfc-2022 / ecdsa-rdfc-2019 proofs.

W3C VC Data Integrity EdDSA Cryptosuites v1.0 (and ECDSA v1.0 for a P-256 registry): the
document and the proof options (with the document's `@context`) are each canonicalized with RDF
Dataset Canonicalization and hashed with SHA-256; the proof signs hash(proof options) ||
hash(document). JSON-LD contexts come only from the copies vendored beside this module: no
network ever, and any other context is an error.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]

from registry.vc.did import base58btc, base58btc_decode, verification_method_id
from registry.vc.keystore import KeyStore
from registry.vc.payload import OB_CONTEXT, VC_CONTEXT, format_datetime

PROOF_TYPE = "DataIntegrityProof"
PURPOSE = "assertionMethod"
# The cryptosuite each key family signs with (KeyInfo.alg / PublicKey.alg -> suite).
CRYPTOSUITES = {"EdDSA": "eddsa-rdfc-2022", "ES256": "ecdsa-rdfc-2019"}
# JWT claims: the JWS form's, not part of the credential's content.
JWT_CLAIMS = ("iss", "jti", "iat", "nbf", "exp")
# Canonicalization silently drops a term no context defines (the copy of the VC 2.0 context we
# vendor has no catch-all @vocab), so a member could be added to a signed document without
# touching its signature. Canonicalized with this vocabulary appended, such a term shows up
# instead; when nothing lands there the vocabulary was never used and the canonical form is the
# document's own.
UNDEFINED_TERM_VOCAB = "urn:cit-registry:undefined-term#"
MEDIA_TYPE = "application/vc"

# The suite context of Ed25519Signature2020, which the Learner Credential Wallet and LearnCard
# sign their DID Authentication presentations with (beside the VC 2.0 context).
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
_CONTEXT_FILES = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-context-3.0.3.json",
    ED25519_2020_CONTEXT: "ed25519-signature-2020-v1.jsonld",
}
# What a credential may name (the registry signs with these two), and what a holder's
# presentation may name besides.
CREDENTIAL_CONTEXTS = frozenset({VC_CONTEXT, OB_CONTEXT})
PRESENTATION_CONTEXTS = frozenset(_CONTEXT_FILES)


class ContextRefused(ValueError):
    """A document named a JSON-LD context that is not one of the vendored copies."""


class UndefinedTerm(ValueError):
    """A document uses a term, or a relative type, that its contexts do not define."""


@cache
def _context(url: str) -> dict[str, Any]:
    text = resources.files("registry.vc").joinpath("contexts", _CONTEXT_FILES[url])
    document: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return document


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the vendored copy of a known context, never a fetch."""
    if url not in _CONTEXT_FILES:
        raise ContextRefused(f"the context {url[:100]!r} is not one this registry knows")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # pyld may keep parts of what it is given: hand out a copy, keep the original intact.
        "document": copy.deepcopy(_context(url)),
        # "static": pyld keeps the processed context across calls (the vendored copies never
        # change). Without it every canonicalization loaded and processed both contexts again:
        # 2.6 -> 1.6 ms for a credential here.
        "tag": "static",
    }


class _Resolved(dict[str, Any]):
    """Processed contexts kept across canonicalizations: the vendored copies and the scoped
    contexts inside them (a few dozen). Bounded all the same: it starts again when full."""

    LIMIT = 256

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= self.LIMIT:
            self.clear()
        super().__setitem__(key, value)


_RESOLVED = _Resolved()


class TooCostly(ValueError):
    """Canonicalizing a document would take more work than any this registry issues or accepts."""


# RDFC-1.0 §4.4.2: an implementation limits the work of Hash N-Degree Quads. The registry's
# credentials and a wallet's presentation need none (every blank node is told apart by its own
# quads); a few identical blank nodes cost a few units; identical blank siblings cost the
# factorial of their number, each level of identical chains multiplies it.
MAX_N_DEGREE_WORK = 64


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 with its N-degree work counted and capped: each call of Hash N-Degree
    Quads is charged the permutations it will try (the product of the factorials of its related
    blank nodes' groups) before it tries them."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.work = 0

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        self.work += 1
        for group in related.values():
            self.work += math.factorial(min(len(group), 20))
            if self.work > self.limit:
                break
        if self.work > self.limit:
            raise TooCostly(
                "its blank nodes are too alike to canonicalize within the limit "
                f"({self.limit} units of RDFC-1.0 work)"
            )
        return related


@dataclass(frozen=True)
class Canonical:
    """A document's canonical N-Quads, its quads with their canonical blank node labels, and the
    N-degree work canonicalization took (0 for every document the registry issues)."""

    nquads: str
    quads: list[dict[str, Any]]
    work: int


def canonicalize(
    document: Mapping[str, Any],
    loader: Callable[[str, Any], dict[str, Any]] = document_loader,
    limit: int = MAX_N_DEGREE_WORK,
) -> Canonical:
    """RDFC-1.0 of a JSON-LD document (pyld's expansion and URDNA2015, which RDFC-1.0
    standardised without changing its output; checked against the W3C test vectors in
    tests/credentials/test_dataintegrity.py), its N-degree work capped at `limit` (TooCostly)."""
    resolver = ContextResolver(_RESOLVED if loader is document_loader else {}, loader)
    options = {"documentLoader": loader, "base": None, "contextResolver": resolver}
    dataset = jsonld.to_rdf(dict(document), {**options, "produceGeneralizedRdf": False})
    canon = _BoundedURDNA2015(limit)
    nquads: str = canon.main(dataset, {"format": "application/n-quads"})
    # main() gave every blank node of its quads the canonical label, in place.
    return Canonical(nquads, canon.quads, canon.work)


def canonize(
    document: Mapping[str, Any], loader: Callable[[str, Any], dict[str, Any]] = document_loader
) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (see `canonicalize`)."""
    return canonicalize(document, loader).nquads


def canonicalize_strict(document: Mapping[str, Any], limit: int = MAX_N_DEGREE_WORK) -> Canonical:
    """`canonicalize`, refusing (UndefinedTerm) a document with a member or type its contexts do
    not define, which plain canonicalization would drop."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    vocab = {"@vocab": UNDEFINED_TERM_VOCAB}
    canonical = canonicalize({**document, "@context": [*contexts, vocab]}, limit=limit)
    if UNDEFINED_TERM_VOCAB in canonical.nquads:
        parts = canonical.nquads.split("<" + UNDEFINED_TERM_VOCAB)[1:]
        terms = sorted({m.split(">")[0] for m in parts})
        raise UndefinedTerm(f"undefined terms: {', '.join(terms)[:200]}")
    return canonical


def canonize_strict(document: Mapping[str, Any]) -> str:
    return canonicalize_strict(document).nquads


def hash_data(
    document: Mapping[str, Any],
    options: Mapping[str, Any],
    canon: Callable[[Mapping[str, Any]], str] = canonize_strict,
) -> bytes:
    """SHA-256(canonical proof options) || SHA-256(canonical document), the bytes a proof signs.

    `document` is without its proof; `options` is the proof without `proofValue`, given the
    document's `@context` here as the cryptosuites say.
    """
    config = {"@context": document.get("@context"), **options}
    return digest(canon(config)) + digest(canon(document))


def signing_input(
    document: Mapping[str, Any], options: Mapping[str, Any]
) -> tuple[Canonical, bytes]:
    """`hash_data` for a verifier: the document's canonical form (strict, its work capped), to
    read the signed facts from, and the bytes its proof signs."""
    canonical = canonicalize_strict(document)
    config = {"@context": document.get("@context"), **options}
    return canonical, digest(canonize_strict(config)) + digest(canonical.nquads)


def digest(nquads: str) -> bytes:
    return hashlib.sha256(nquads.encode("utf-8")).digest()


def proof_value(signature: bytes) -> str:
    return "z" + base58btc(signature)


def decode_proof_value(value: str) -> bytes:
    """The signature in a multibase base58btc proofValue; ValueError for anything else."""
    if not value.startswith("z") or len(value) > 200:
        raise ValueError("proofValue is not multibase base58btc")
    return base58btc_decode(value[1:])


def content(payload: Mapping[str, Any], issuer: Mapping[str, Any]) -> dict[str, Any]:
    """The credential content of a JWS payload, as the Data Integrity form carries it: no JWT
    claims, no inline context (it only defines `jti`), and `issuer` as given (the DID)."""
    document = {k: copy.deepcopy(v) for k, v in payload.items() if k not in JWT_CLAIMS}
    context = payload.get("@context")
    if isinstance(context, list):
        document["@context"] = [c for c in context if isinstance(c, str)]
    document["issuer"] = dict(issuer)
    return document


def secure(
    document: Mapping[str, Any], keys: KeyStore, did: str, created: datetime
) -> dict[str, Any]:
    """`document` with a Data Integrity proof by the active key, named by its DID URL (the key
    is pinned first: the proof options it signs name it)."""
    key = keys.signer()
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITES[key.alg],
        "created": format_datetime(created),
        "verificationMethod": verification_method_id(did, key.kid),
        "proofPurpose": PURPOSE,
    }
    signed = key.sign_bytes(hash_data(document, options))
    # A one-element array: the Open Badges 3.0 JSON Schema asks for one (the same RDF as the
    # object alone, which documents issued before carry and which keeps verifying).
    return {**document, "proof": [{**options, "proofValue": proof_value(signed.signature)}]}


def proof_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """A document's one proof, whether written as an object or a one-element array."""
    proof = document["proof"]
    found: dict[str, Any] = proof[0] if isinstance(proof, list) else proof
    return found


def serialize(document: Mapping[str, Any]) -> str:
    """The stored and served text of a document: compact, members in the order built."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def credential_document(
    payload: Mapping[str, Any], issuer: Mapping[str, Any], keys: KeyStore, created: datetime
) -> dict[str, Any]:
    """The Data Integrity form of a credential whose JWS payload is `payload`."""
    return secure(content(payload, issuer), keys, str(issuer["id"]), created)


def known_context_list(context: Any, known: frozenset[str] = CREDENTIAL_CONTEXTS) -> bool:
    """Whether `@context` is a list of `known` contexts (by default those this registry signs
    credentials with), VC 2.0 first."""
    return (
        isinstance(context, list)
        and 0 < len(context) <= len(known)
        and context[0] == VC_CONTEXT
        and all(isinstance(c, str) and c in known for c in context)
        and len(set(context)) == len(context)
    )

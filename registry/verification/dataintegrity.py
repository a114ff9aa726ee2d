"""Verifies a credential in its Data Integrity form: pure, no HTTP and no database.

Size and shape first, then the proof's options and key, then the signature over the RDFC-1.0
canonical form, and only then the stages every form shares (`core.check_payload`: claims,
issuer, that it is a CIT certification, time, status). A document is bounded before it is
canonicalized: canonicalization can cost far more than the bytes suggest (blank nodes), and
contexts come only from the vendored copies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry.vc import dataintegrity as di
from registry.vc import graph
from registry.vc.did import did_web
from registry.vc.jws import strict_json
from registry.vc.keys import KeySet, PublicKey
from registry.verification.core import (
    Policy,
    check_payload,
    differs_from_issued,
    unexpected_failure,
)
from registry.verification.status import StatusSource
from registry.verification.verdict import INVALID, Check, Verdict

MAX_DOCUMENT_BYTES = 32 * 1024  # a credential is about 3 KiB
MAX_DEPTH = 10  # ours nest 5 deep (credentialSubject.identifier[0] is the deepest)
MAX_OBJECTS = 40  # JSON objects, each a node to canonicalize; ours have 8
# JSON values in all (each a statement or more to canonicalize); ours have about 60. pyld's
# canonicalization grows faster than linearly with them: 200 cost 40 ms here, 3,500 (which fit
# in the size limit) 7.5 s.
MAX_VALUES = 200
PROOF_MEMBERS = frozenset(
    {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"}
)
# Which key family signs each cryptosuite (PublicKey.alg, also the JWS alg it accepts).
SUITE_ALGS = {suite: alg for alg, suite in di.CRYPTOSUITES.items()}
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z")

_REASONS = {
    "size": "The document is too large to be a credential: {detail}.",
    "shape": "The document is not a well-formed Data Integrity credential: {detail}.",
    "proof": "The document's proof is not acceptable: {detail}.",
    "signature": "The signature is not valid: {detail}.",
    "claims": "The credential's contents are not valid: {detail}.",
}


class _Failed(Exception):
    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check = check
        self.detail = detail


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse(data: bytes | str) -> Any:
    """JSON text of a document, refusing repeated members (two parsers could read them
    differently) and NaN/Infinity; ValueError for anything else that is not JSON."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    try:
        return strict_json(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None


@dataclass
class _Tally:
    objects: int = 0
    values: int = 0


def _walk(value: Any, depth: int, tally: _Tally, top: bool = False) -> None:
    if depth > MAX_DEPTH:
        raise _Failed("size", f"it nests deeper than {MAX_DEPTH} levels")
    tally.values += 1
    if tally.values > MAX_VALUES:
        raise _Failed("size", f"it has more than {MAX_VALUES} values")
    if isinstance(value, dict):
        tally.objects += 1
        if tally.objects > MAX_OBJECTS:
            raise _Failed("size", f"it has more than {MAX_OBJECTS} objects")
        for key, item in value.items():
            if key.startswith("@") and not (top and key == "@context"):
                # "@context" inside would redefine terms; other keywords have aliases we sign.
                raise _Failed("shape", f"the member {_show(key)} is not accepted")
            if key == "id" and not (isinstance(item, str) and _ABSOLUTE_IRI.fullmatch(item)):
                raise _Failed("shape", f"id {_show(item)} is not an absolute IRI")
            if key != "@context":
                _walk(item, depth + 1, tally)
    elif isinstance(value, list):
        for item in value:
            _walk(item, depth + 1, tally)
    elif isinstance(value, str) and value.startswith("_:"):
        # Named blank nodes are how a small document becomes a costly graph to canonicalize.
        raise _Failed("shape", f"the blank node {_show(value)} is not accepted")
    elif isinstance(value, float) and value != value:  # NaN cannot be canonicalized
        raise _Failed("shape", "a number is not finite")


def check_bounds(document: Any) -> None:
    """ValueError (saying why) for a JSON document past what canonicalization can afford here:
    depth, objects, values, keywords other than a top `@context`, blank nodes. For documents
    other than a credential (a holder's presentation, whose enclosed credential is bounded on
    its own)."""
    try:
        _walk(document, 0, _Tally(), top=True)
    except _Failed as failed:
        raise ValueError(failed.detail) from None


def _check_shape(document: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(document, dict):
        raise _Failed("shape", "it is not a JSON object")
    try:
        size = len(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    except (ValueError, RecursionError):
        raise _Failed("size", f"it nests deeper than {MAX_DEPTH} levels") from None
    if size > MAX_DOCUMENT_BYTES:
        raise _Failed("size", f"it is over {MAX_DOCUMENT_BYTES} bytes")
    _walk(document, 0, _Tally(), top=True)
    if not di.known_context_list(document.get("@context")):
        raise _Failed(
            "shape",
            f'"@context" {_show(document.get("@context"))} is not a list of contexts this '
            "registry knows, the VC 2.0 context first",
        )
    proof = document.get("proof")
    if isinstance(proof, list):
        # Written as a one-element array since the OB 3.0 schema asks for one (older
        # documents carry the object itself): the same RDF either way.
        if len(proof) != 1:
            raise _Failed("proof", "a set of several proofs is not accepted, only one proof")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise _Failed("proof", "the document has no proof object")
    missing = sorted(PROOF_MEMBERS - proof.keys())
    if missing:
        raise _Failed("proof", f"the proof has no {', '.join(missing)}")
    extra = sorted(proof.keys() - PROOF_MEMBERS)
    if extra:
        raise _Failed("proof", f"the proof member {_show(extra[0])} is not understood")
    for name in sorted(PROOF_MEMBERS):
        if not isinstance(proof[name], str):
            raise _Failed("proof", f"the proof's {name} is not a string")
    return document, proof


def _check_proof(
    proof: dict[str, Any],
    did: str,
    resolve: Callable[[str, str], PublicKey | None],
    now: datetime,
    skew: timedelta,
) -> PublicKey:
    if proof["type"] != di.PROOF_TYPE:
        raise _Failed("proof", f"type {_show(proof['type'])} is not {di.PROOF_TYPE}")
    suite = proof["cryptosuite"]
    if suite not in SUITE_ALGS:
        raise _Failed(
            "proof",
            f"cryptosuite {_show(suite)} is not accepted (only {', '.join(sorted(SUITE_ALGS))})",
        )
    if proof["proofPurpose"] != di.PURPOSE:
        raise _Failed("proof", f"proofPurpose {_show(proof['proofPurpose'])} is not {di.PURPOSE}")
    created = proof["created"]
    if not _DATETIME.fullmatch(created):
        raise _Failed("proof", f"created {_show(created)} is not a UTC date-time")
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        raise _Failed("proof", f"created {_show(created)} is not a valid date-time") from None
    if when > now + skew:
        raise _Failed("proof", f"it was created in the future ({created})")
    method = proof["verificationMethod"]
    key = resolve(method, did)
    if key is None:
        raise _Failed(
            "proof", f"verificationMethod {_show(method)} is not a key of the trusted issuer {did}"
        )
    if not key.accepts(SUITE_ALGS[suite]):
        raise _Failed("proof", f"cryptosuite {suite} does not fit key {key.kid} ({key.alg})")
    return key


def resolve_key(keys: KeySet, method: str, did: str) -> PublicKey | None:
    """The trusted key a verificationMethod names: a DID URL of the trusted DID only (a bare
    thumbprint, which a JWS kid may be, names no key here)."""
    if not method.startswith(f"{did}#"):
        return None
    return keys.resolve(method, did)


def _root_cause(exc: BaseException) -> BaseException:
    """pyld wraps the error that stopped it (a refused context, say) in its own, several deep."""
    for _ in range(10):
        inner = getattr(exc, "cause", None) or exc.__cause__
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return exc


def _check_signature(
    document: dict[str, Any], proof: dict[str, Any], key: PublicKey
) -> di.Canonical:
    """The document's canonical form, once the proof over it verifies with `key`."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        signature = di.decode_proof_value(proof["proofValue"])
    except ValueError as exc:
        raise _Failed("proof", f"proofValue: {exc}") from None
    try:
        canonical, data = di.signing_input(unsigned, options)
    except (di.UndefinedTerm, di.TooCostly) as exc:
        detail = f"it uses {exc}" if isinstance(exc, di.UndefinedTerm) else str(exc)
        raise _Failed("shape", detail) from None
    except Exception as exc:  # pyld raises its own errors (and others) for bad JSON-LD
        cause = _root_cause(exc)
        raise _Failed("shape", f"it is not valid JSON-LD ({_show(str(cause), 120)})") from None
    if not key.verify(SUITE_ALGS[proof["cryptosuite"]], data, signature):
        raise _Failed("signature", f"the proof does not verify with key {key.kid}")
    return canonical


def signed_content(document: dict[str, Any], canonical: di.Canonical) -> dict[str, Any]:
    """The credential a verified document's proof covers, read from its canonical graph and
    written in the registry's own spelling (graph.py says why); raises the claims check's
    failure when it cannot be read exactly."""
    try:
        return graph.the_credential(graph.dataset(canonical.quads), document["@context"])
    except graph.Unreadable as exc:
        raise _Failed("claims", f"what its proof covers cannot be read exactly: {exc}") from None


def _check_as_issued(
    content: dict[str, Any], issued: Callable[[str], dict[str, Any] | None] | None
) -> None:
    """A document of ours says what the registry issued under its id, or is invalid (a key
    that signed something else, or a reading of ours gone wrong, must not show as valid)."""
    credential_id = content.get("id")
    record = (
        issued(credential_id) if issued is not None and isinstance(credential_id, str) else None
    )
    if record is None:
        return
    differs = differs_from_issued(content, record)
    if differs is not None:
        raise _Failed("claims", f"{differs} is not what this registry issued under {credential_id}")


def refused(detail: str, now: datetime) -> Verdict:
    """The verdict on a document that is not even well-formed JSON (repeated members, say)."""
    check = Check("shape", False, detail)
    return Verdict(INVALID, [_REASONS["shape"].format(detail=detail)], [check], now)


def verify_document(
    document: Any,
    keys: KeySet,
    status_source: StatusSource | None,
    now: datetime,
    *,
    issuer: str | None = None,
    courses: Container[str] | None = None,
    check_status: bool = True,
    clock_skew: timedelta = timedelta(seconds=60),
    issued: Callable[[str], dict[str, Any] | None] | None = None,
) -> Verdict:
    """The verdict on a Data Integrity credential; never raises.

    `issuer` is the trusted registry's public URL (its DID is derived from it); without it the
    proof's own DID is trusted by its key alone, as `core.verify` does for a JWS. `courses` is
    as for `core.verify`. `issued` gives, for a credential id, the credential the registry
    issued under it (its JWS payload), when it has it on record: what the proof covers must say
    what that says, before anything else is checked.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    checks: list[Check] = []
    try:
        try:
            doc, proof = _check_shape(document)
            checks.append(Check("size", True, f"within {MAX_DOCUMENT_BYTES} bytes"))
            checks.append(Check("shape", True, "a JSON-LD document with one proof"))
            method = proof["verificationMethod"]
            did = did_web(issuer) if issuer is not None else method.partition("#")[0]
            key = _check_proof(proof, did, lambda m, d: resolve_key(keys, m, d), now, clock_skew)
            checks.append(Check("proof", True, f"{proof['cryptosuite']} by {method}"))
            canonical = _check_signature(doc, proof, key)
            checks.append(Check("signature", True, f"signed by key {key.kid} ({key.alg})"))
            content = signed_content(doc, canonical)
            _check_as_issued(content, issued)
        except _Failed as failed:
            checks.append(Check(failed.check, False, failed.detail))
            reason = _REASONS[failed.check].format(detail=failed.detail)
            return Verdict(INVALID, [reason], checks, now)
        policy = Policy(issuer, courses, check_status, clock_skew)
        return check_payload(content, method, keys, status_source, now, policy, checks)
    except Exception:
        return unexpected_failure(checks, now, "document")

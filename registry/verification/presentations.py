"""Checks a holder's Data Integrity presentation (DID Authentication): pure, no HTTP, no database.

The holder signs the presentation with the key of its `did:key` (eddsa-rdfc-2022, or
ecdsa-rdfc-2019 for a P-256 key; or Ed25519Signature2020, which the Learner Credential Wallet
and LearnCard sign with), for the `authentication` purpose, over the verifier's challenge and
domain. Contexts come only from the vendored copies; a presentation is bounded before it is
canonicalized, as a credential is.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from registry.vc import dataintegrity as di
from registry.vc import didkey, graph
from registry.verification.dataintegrity import SUITE_ALGS, check_bounds

MAX_PRESENTATION_BYTES = 48 * 1024  # one credential (about 3 KiB) and a proof, with room
PURPOSE = "authentication"
# Presentations made for a challenge are answered at once: one made long ago is not fresh.
MAX_AGE = timedelta(minutes=10)
SKEW = timedelta(seconds=60)
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z")
# Ed25519Signature2020 (W3C CCG, 2020) signs exactly as eddsa-rdfc-2022 does: SHA-256 of the
# RDFC-1.0 proof options (with the document's context) and of the document, one Ed25519
# signature over both, multibase base58btc. It names no cryptosuite: its type is the suite, and
# its terms come from its own context, which the presentation must then name.
SUITE_2020 = "Ed25519Signature2020"
PROOF_REQUIRED = frozenset({"type", "verificationMethod", "proofPurpose", "created", "challenge"})
PROOF_ALLOWED = PROOF_REQUIRED | {"cryptosuite", "expires", "domain", "proofValue", "nonce"}
# What a presentation here holds besides its proof: a DID Authentication needs nothing more, and
# anything else is work to canonicalize that proves nothing.
MEMBERS = frozenset({"@context", "id", "type", "holder", "verifiableCredential", "proof"})


class PresentationRefused(ValueError):
    """A presentation whose holder is not proven; the message says why, in words."""


@dataclass(frozen=True)
class Presented:
    """A presentation whose holder proof checked out: who presented, and what."""

    holder: str
    credentials: list[Any]


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise PresentationRefused(f"the proof's {name} is not a UTC date-time")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PresentationRefused(f"the proof's {name} is not a valid date-time") from None


def _credentials(presentation: dict[str, Any]) -> list[Any]:
    enclosed = presentation.get("verifiableCredential", [])
    return enclosed if isinstance(enclosed, list) else [enclosed]


def _proof(presentation: dict[str, Any]) -> dict[str, Any]:
    proof = presentation.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise PresentationRefused("it has not exactly one proof object")
    missing = sorted(PROOF_REQUIRED - proof.keys())
    if missing:
        raise PresentationRefused(f"the proof has no {', '.join(missing)}")
    extra = sorted(proof.keys() - PROOF_ALLOWED)
    if extra:
        raise PresentationRefused(f"the proof member {_show(extra[0])} is not understood")
    for name, value in sorted(proof.items()):
        # Strings only: the options are read as written, so only one spelling is accepted.
        if not isinstance(value, str):
            raise PresentationRefused(f"the proof's {name} is not a string")
    return proof


def _suite(proof: dict[str, Any], context: Any) -> tuple[str, str]:
    """The proof's suite (its cryptosuite, or its type when that is the suite) and the key
    algorithm it signs with."""
    if proof["type"] == SUITE_2020 and "cryptosuite" not in proof:
        if not isinstance(context, list) or di.ED25519_2020_CONTEXT not in context:
            raise PresentationRefused(
                f"an {SUITE_2020} proof needs its context, {di.ED25519_2020_CONTEXT}"
            )
        return SUITE_2020, "EdDSA"
    if proof["type"] == di.PROOF_TYPE and proof.get("cryptosuite") in SUITE_ALGS:
        return proof["cryptosuite"], SUITE_ALGS[proof["cryptosuite"]]
    raise PresentationRefused(
        f"the proof is not a {di.PROOF_TYPE} with {' or '.join(sorted(SUITE_ALGS))}, "
        f"nor an {SUITE_2020}"
    )


def _check_options(
    proof: dict[str, Any], *, challenge: str, domain: str | None, now: datetime
) -> None:
    if proof["proofPurpose"] != PURPOSE:
        raise PresentationRefused(f"the proof's purpose is not {PURPOSE}")
    if not hmac.compare_digest(proof["challenge"].encode("utf-8"), challenge.encode("utf-8")):
        raise PresentationRefused("the proof is not made for this challenge")
    if domain is not None and proof.get("domain") != domain:
        raise PresentationRefused(f"the proof is not made for the domain {domain}")
    # A proof says when it was made: without that, one captured once would answer for ever.
    created = _when(proof["created"], "created")
    if created > now + SKEW:
        raise PresentationRefused("the proof was created in the future")
    if created < now - MAX_AGE:
        raise PresentationRefused("the proof is not fresh: it was created too long ago")
    if "expires" in proof and _when(proof["expires"], "expires") <= now:
        raise PresentationRefused("the proof has expired")


def _check_bounds(presentation: dict[str, Any], enclosed: list[Any]) -> None:
    """Refuses, before anything is canonicalized, what a presentation here never holds."""
    try:
        size = len(json.dumps(presentation, ensure_ascii=False).encode("utf-8"))
    except (ValueError, RecursionError):
        raise PresentationRefused("the presentation nests too deeply") from None
    if size > MAX_PRESENTATION_BYTES:
        raise PresentationRefused(f"the presentation is over {MAX_PRESENTATION_BYTES} bytes")
    if len(enclosed) > 1:
        raise PresentationRefused("a presentation here carries one credential at most")
    extra = sorted(presentation.keys() - MEMBERS)
    if extra:
        raise PresentationRefused(f"the member {_show(extra[0])} is not accepted here")
    try:
        # Canonicalization's cost grows faster than the bytes: bounded as a credential is.
        check_bounds({k: v for k, v in presentation.items() if k != "verifiableCredential"})
        for credential in enclosed:
            check_bounds(credential)
    except ValueError as exc:
        raise PresentationRefused(f"it is too large to check: {exc}") from None
    # The presentation may name the Ed25519Signature2020 suite's context; the credential it
    # carries only those the registry signs credentials with.
    contexts = [c.get("@context") if isinstance(c, dict) else None for c in enclosed]
    if not di.known_context_list(presentation.get("@context"), di.PRESENTATION_CONTEXTS) or not all(
        di.known_context_list(c) for c in contexts
    ):
        raise PresentationRefused(
            'its "@context" is not a list of contexts this registry knows, the VC 2.0 one first'
        )


def check_presentation(
    presentation: Any, *, challenge: str, domain: str | None, now: datetime
) -> Presented:
    """The holder a presentation proves, once its proof checks out against `challenge` (and
    `domain`, when the verifier chose one) and its signed graph says what its JSON says;
    PresentationRefused otherwise."""
    if not isinstance(presentation, dict):
        raise PresentationRefused("the presentation is not a JSON object")
    enclosed = _credentials(presentation)
    _check_bounds(presentation, enclosed)
    holder = presentation.get("holder")
    if not isinstance(holder, str):
        raise PresentationRefused("it names no holder DID")
    proof = _proof(presentation)
    suite, alg = _suite(proof, presentation.get("@context"))
    _check_options(proof, challenge=challenge, domain=domain, now=now)
    method = proof["verificationMethod"]
    if method.partition("#")[0] != holder:
        raise PresentationRefused("the proof's key is not the holder's")
    try:
        key = didkey.resolve(method).key
    except didkey.UnresolvableDid as exc:
        raise PresentationRefused(f"the holder's key cannot be resolved: {exc}") from None
    if not key.accepts(alg):
        raise PresentationRefused(f"{suite} does not fit the holder's key")
    try:
        signature = di.decode_proof_value(str(proof.get("proofValue", "")))
    except ValueError as exc:
        raise PresentationRefused(f"the proofValue: {exc}") from None
    unsigned = {k: v for k, v in presentation.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        canonical, data = di.signing_input(unsigned, options)
    except di.UndefinedTerm as exc:
        raise PresentationRefused(f"it uses {exc}") from None
    except di.TooCostly as exc:
        raise PresentationRefused(str(exc)) from None
    except Exception as exc:  # pyld raises its own errors (and others) for bad JSON-LD
        raise PresentationRefused(f"it is not valid JSON-LD ({_show(str(exc), 100)})") from None
    if not key.verify(alg, data, signature):
        raise PresentationRefused("the holder's signature does not verify")
    _check_meaning(canonical, holder, len(enclosed))
    return Presented(holder=holder, credentials=enclosed)


def _check_meaning(canonical: di.Canonical, holder: str, enclosed: int) -> None:
    """That the signed graph says what was read from the JSON: one presentation, by `holder`,
    carrying `enclosed` credentials (a member spelled by its IRI could add a second holder or
    credential that a reader of the JSON would not see)."""
    try:
        facts = graph.the_presentation(graph.dataset(canonical.quads))
    except graph.Unreadable as exc:
        raise PresentationRefused(f"what its proof covers cannot be read exactly: {exc}") from None
    if facts.holder != holder:
        raise PresentationRefused("its signed holder is not the holder it names")
    if facts.credentials != enclosed:
        raise PresentationRefused("it signs other credentials than those it shows")

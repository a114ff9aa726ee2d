"""Checks a holder's Data Integrity presentation (DID Authentication): pure, no HTTP, no database.

The holder signs the presentation with the key of its `did:key` (eddsa-rdfc-2022, or
ecdsa-rdfc-2019 for a P-256 key), for the `authentication` purpose, over the verifier's
challenge and domain. Contexts come only from the vendored copies; a presentation is bounded
before it is canonicalized, as a credential is.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from registry.credentials import dataintegrity as di
from registry.credentials import didkey
from registry.verification.dataintegrity import SUITE_ALGS, check_bounds

MAX_PRESENTATION_BYTES = 48 * 1024  # one credential (about 3 KiB) and a proof, with room
PURPOSE = "authentication"
# Presentations made for a challenge are answered at once: one made long ago is not fresh.
MAX_AGE = timedelta(minutes=10)
SKEW = timedelta(seconds=60)
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z")
PROOF_REQUIRED = frozenset({"type", "cryptosuite", "verificationMethod", "proofPurpose"})
PROOF_ALLOWED = PROOF_REQUIRED | {
    "created",
    "expires",
    "challenge",
    "domain",
    "proofValue",
    "nonce",
}


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


def check_presentation(
    presentation: Any, *, challenge: str, domain: str | None, now: datetime
) -> Presented:
    """The holder a presentation proves, once its proof checks out against `challenge` (and
    `domain`, when the verifier chose one); PresentationRefused otherwise."""
    if not isinstance(presentation, dict):
        raise PresentationRefused("the presentation is not a JSON object")
    try:
        size = len(json.dumps(presentation, ensure_ascii=False).encode("utf-8"))
    except (ValueError, RecursionError):
        raise PresentationRefused("the presentation nests too deeply") from None
    if size > MAX_PRESENTATION_BYTES:
        raise PresentationRefused(f"the presentation is over {MAX_PRESENTATION_BYTES} bytes")
    enclosed = _credentials(presentation)
    if len(enclosed) > 1:
        raise PresentationRefused("a presentation here carries one credential at most")
    try:
        # Canonicalization's cost grows faster than the bytes: bounded as a credential is.
        check_bounds({k: v for k, v in presentation.items() if k != "verifiableCredential"})
        for credential in enclosed:
            check_bounds(credential)
    except ValueError as exc:
        raise PresentationRefused(f"it is too large to check: {exc}") from None
    if not di.known_context_list(presentation.get("@context")):
        raise PresentationRefused(
            'its "@context" is not a list of contexts this registry knows, the VC 2.0 one first'
        )
    types = presentation.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in types:
        raise PresentationRefused("its type is not VerifiablePresentation")
    holder = presentation.get("holder")
    if not isinstance(holder, str):
        raise PresentationRefused("it names no holder DID")
    proof = presentation.get("proof")
    if not isinstance(proof, dict):
        raise PresentationRefused("it has not exactly one proof object")
    missing = sorted(PROOF_REQUIRED - proof.keys())
    if missing:
        raise PresentationRefused(f"the proof has no {', '.join(missing)}")
    extra = sorted(proof.keys() - PROOF_ALLOWED)
    if extra:
        raise PresentationRefused(f"the proof member {_show(extra[0])} is not understood")
    for name, value in sorted(proof.items()):
        if not isinstance(value, str):
            raise PresentationRefused(f"the proof's {name} is not a string")
    if proof["type"] != di.PROOF_TYPE or proof["cryptosuite"] not in SUITE_ALGS:
        raise PresentationRefused(
            f"the proof is not a {di.PROOF_TYPE} with {' or '.join(sorted(SUITE_ALGS))}"
        )
    if proof["proofPurpose"] != PURPOSE:
        raise PresentationRefused(f"the proof's purpose is not {PURPOSE}")
    given = proof.get("challenge")
    if not isinstance(given, str) or not hmac.compare_digest(
        given.encode("utf-8"), challenge.encode("utf-8")
    ):
        raise PresentationRefused("the proof is not made for this challenge")
    if domain is not None and proof.get("domain") != domain:
        raise PresentationRefused(f"the proof is not made for the domain {domain}")
    if "created" in proof:
        created = _when(proof["created"], "created")
        if created > now + SKEW:
            raise PresentationRefused("the proof was created in the future")
        if created < now - MAX_AGE:
            raise PresentationRefused("the proof is not fresh: it was created too long ago")
    if "expires" in proof and _when(proof["expires"], "expires") <= now:
        raise PresentationRefused("the proof has expired")
    method = proof["verificationMethod"]
    if not isinstance(method, str) or method.partition("#")[0] != holder:
        raise PresentationRefused("the proof's key is not the holder's")
    try:
        key = didkey.resolve(method).key
    except didkey.UnresolvableDid as exc:
        raise PresentationRefused(f"the holder's key cannot be resolved: {exc}") from None
    alg = SUITE_ALGS[proof["cryptosuite"]]
    if not key.accepts(alg):
        raise PresentationRefused(f"{proof['cryptosuite']} does not fit the holder's key")
    try:
        signature = di.decode_proof_value(str(proof.get("proofValue", "")))
    except ValueError as exc:
        raise PresentationRefused(f"the proofValue: {exc}") from None
    unsigned = {k: v for k, v in presentation.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        data = di.hash_data(unsigned, options)
    except di.UndefinedTerm as exc:
        raise PresentationRefused(f"it uses {exc}") from None
    except Exception as exc:  # pyld raises its own errors (and others) for bad JSON-LD
        raise PresentationRefused(f"it is not valid JSON-LD ({_show(str(exc), 100)})") from None
    if not key.verify(alg, data, signature):
        raise PresentationRefused("the holder's signature does not verify")
    return Presented(holder=holder, credentials=enclosed)

"""The VC Data Model 1.1 JWT encoding, which OpenID4VCI 1.0 names `jwt_vc_json`: the holder's
copy as a JWT (`typ: JWT`) whose `vc` claim holds the credential (VC 1.1 context,
`issuanceDate`/`expirationDate`) and whose `iss`, `sub`, `nbf`, `exp`, `jti` say who issued it
to whom, when and which. The registry's public form stays the VC 2.0 `vc+jwt`; this module turns
one into the other and back, so the verifier checks both with the same stages."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from registry.vc.payload import VC_CONTEXT

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
TYP = "JWT"
# The JWT claims of the VC 2.0 payload: in this encoding they sit beside the `vc` claim.
_CLAIMS = ("iss", "jti", "iat", "nbf", "exp")


class NotJwtVc(ValueError):
    """A JWT whose claims are not a VC 1.1 credential as this registry encodes one."""


def encode(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The JWT claims of the VC 1.1 encoding of a holder's copy, whose VC 2.0 payload (with
    `credentialSubject.id` the holder) is `payload`. The status entry, the subject and the
    issuer are the same objects; only the contexts' first entry and the dates' names change."""
    vc = {k: copy.deepcopy(v) for k, v in payload.items() if k not in _CLAIMS}
    contexts = payload["@context"]
    # The VC 1.1 context first, then the named ones (the inline `jti` term stays out: `jti` is
    # a JWT claim here, never a member of the credential).
    vc["@context"] = [VC1_CONTEXT, *(c for c in contexts[1:] if isinstance(c, str))]
    vc["issuanceDate"] = vc.pop("validFrom")
    if "validUntil" in vc:
        vc["expirationDate"] = vc.pop("validUntil")
    claims: dict[str, Any] = {
        "iss": payload["iss"],
        "sub": payload["credentialSubject"]["id"],
        "jti": payload["jti"],
        "iat": payload["iat"],
        "nbf": payload["nbf"],
    }
    if "exp" in payload:
        claims["exp"] = payload["exp"]
    return {**claims, "vc": vc}


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise NotJwtVc(detail)


def lift(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The VC 2.0 payload a VC 1.1 JWT carries, for the stages every form shares (which then
    check `iss`, `nbf`, `exp` against the dates); NotJwtVc, saying why, when the claims and the
    credential disagree or are not a VC 1.1 credential."""
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        raise NotJwtVc('a JWT credential carries its credential in a "vc" claim')
    _require("vp" not in claims, 'a "vp" claim is not allowed in a credential')
    context = vc.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC1_CONTEXT:
        raise NotJwtVc(f'the "vc" claim\'s "@context" does not start with {VC1_CONTEXT}')
    for member in ("validFrom", "validUntil", *_CLAIMS):
        _require(member not in vc, f'"{member}" is not a member of a VC 1.1 credential')
    _require("issuanceDate" in vc, "issuanceDate is missing")
    subject = vc.get("credentialSubject")
    if not isinstance(subject, dict):
        raise NotJwtVc("credentialSubject is not an object")
    # The JWT claims and the credential say the same, or the credential says nothing of it.
    sub, jti = claims.get("sub"), claims.get("jti")
    _require(
        isinstance(sub, str) and subject.get("id", sub) == sub,
        "sub is missing or differs from credentialSubject.id",
    )
    _require(
        isinstance(jti, str) and vc.get("id", jti) == jti,
        "jti is missing or differs from the credential's id",
    )
    _require("iss" in claims, "iss is missing")
    # OpenID4VCI wallets read the validity from nbf: it must be the credential's own.
    try:
        issued = datetime.fromisoformat(str(vc["issuanceDate"]).replace("Z", "+00:00"))
    except ValueError:
        raise NotJwtVc("issuanceDate is not a date-time") from None
    nbf = claims.get("nbf")
    _require(
        isinstance(nbf, int | float)
        and not isinstance(nbf, bool)
        and abs(nbf - issued.timestamp()) <= 1,
        "nbf is missing or does not agree with issuanceDate",
    )
    lifted = {k: v for k, v in vc.items() if k not in ("issuanceDate", "expirationDate")}
    lifted["@context"] = [VC_CONTEXT, *context[1:]]
    lifted["id"] = jti
    lifted["credentialSubject"] = {"id": sub, **subject}
    lifted["validFrom"] = vc["issuanceDate"]
    if "expirationDate" in vc:
        lifted["validUntil"] = vc["expirationDate"]
    return {**lifted, **{k: claims[k] for k in _CLAIMS if k in claims}}

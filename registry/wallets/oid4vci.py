"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow: the issuer and
authorization server metadata, the token and nonce endpoints, `jwt` key proofs and the
credential endpoint. Errors are the protocol's own (`ProtocolError`), never problem+json."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.common import utcnow
from registry.credentials.service import Issuer
from registry.errors import RuleViolation
from registry.tables.wallets import Interaction, WalletNonce
from registry.vc import dataintegrity, didkey, jws
from registry.vc.payload import OB_CONTEXT, VC_CONTEXT
from registry.wallets.service import (
    CONFIGURATION_JWT,
    CONFIGURATION_LDP,
    FORMAT_JWT,
    FORMAT_LDP,
    FORMATS,
    MAX_SECRET,
    OID4VCI,
    PRE_AUTHORIZED_GRANT,
    Origin,
    by_secret,
    digest,
    hand_over,
)

TOKEN_TTL = timedelta(minutes=5)
NONCE_TTL = timedelta(minutes=5)
# A key proof's `iat` may be this far from our clock, either way (phones' clocks drift).
PROOF_SKEW = timedelta(minutes=5)
MAX_PROOF_BYTES = 8 * 1024
PROOF_TYP = "openid4vci-proof+jwt"
# Wrong transaction codes an interaction takes before it ends: 5 guesses in a million.
TX_CODE_ATTEMPTS = 5


class ProtocolError(Exception):
    """An OAuth 2.0 / OpenID4VCI error, answered in the protocol's own shape
    (`{"error", "error_description"}`), not as problem+json."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


# ---- OpenID4VCI: metadata --------------------------------------------------------------------


def issuer_metadata(issuer: Issuer) -> dict[str, Any]:
    """Credential issuer metadata (OpenID4VCI 1.0 §12.2); the registry is its own
    authorization server, so `authorization_servers` is left out."""
    base = issuer.public_url
    alg = issuer.keys.active().alg if issuer.keys.has_active() else "EdDSA"
    common = {
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": sorted(jws.ALLOWED_ALGS)}
        },
        "credential_metadata": {
            "display": [
                {
                    "name": "CIT Officer Certification",
                    "locale": "en-US",
                    "description": "State certification for the 40-hour Crisis "
                    "Intervention Team course.",
                }
            ]
        },
    }
    types = ["VerifiableCredential", "OpenBadgeCredential"]
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "display": [{"name": issuer.name, "locale": "en-US"}],
        "credential_configurations_supported": {
            CONFIGURATION_LDP: {
                "format": FORMAT_LDP,
                "credential_signing_alg_values_supported": [dataintegrity.CRYPTOSUITES[alg]],
                "credential_definition": {"@context": [VC_CONTEXT, OB_CONTEXT], "type": types},
                **common,
            },
            CONFIGURATION_JWT: {
                "format": FORMAT_JWT,
                "credential_signing_alg_values_supported": [alg],
                "credential_definition": {"type": types},
                **common,
            },
        },
    }


def authorization_server_metadata(issuer: Issuer) -> dict[str, Any]:
    """OAuth 2.0 authorization server metadata (RFC 8414): only the pre-authorized code grant,
    for public clients (no client authentication), no authorization endpoint."""
    base = issuer.public_url
    return {
        "issuer": base,
        "token_endpoint": f"{base}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# ---- OpenID4VCI: token -----------------------------------------------------------------------


def _form_value(form: Mapping[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ProtocolError("invalid_request", f"{name} is given more than once.")
    return values[0]


def redeem_code(
    session: Session, form: Mapping[str, list[str]], now: datetime | None = None
) -> dict[str, Any]:
    """The token endpoint: a pre-authorized code (and its transaction code) for an access
    token, once. A replayed code also ends the token issued for it (RFC 6749 §4.1.2)."""
    now = now or utcnow()
    grant_type = _form_value(form, "grant_type")
    if grant_type is None:
        raise ProtocolError("invalid_request", "grant_type is required.")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise ProtocolError(
            "unsupported_grant_type", f"Only the {PRE_AUTHORIZED_GRANT} grant is supported."
        )
    code = _form_value(form, "pre-authorized_code")
    if not code:
        raise ProtocolError("invalid_request", "pre-authorized_code is required.")
    # Locked: 30 guesses of a transaction code sent at once are counted one after another.
    interaction = by_secret(session, code, lock=True)
    if interaction is None:
        raise ProtocolError("invalid_grant", "The pre-authorized code is not valid.")
    if interaction.code_redeemed_at is not None or interaction.completed_at is not None:
        interaction.token_hash = None
        interaction.token_expires_at = None
        session.add(interaction)
        raise ProtocolError("invalid_grant", "The pre-authorized code has been used already.")
    if interaction.expires_at <= now:
        raise ProtocolError("invalid_grant", "The pre-authorized code has expired.")
    if interaction.tx_code_hash is not None:
        tx_code = _form_value(form, "tx_code")
        if not tx_code:
            raise ProtocolError("invalid_request", "tx_code is required for this offer.")
        if not hmac.compare_digest(digest(tx_code[:64]), interaction.tx_code_hash):
            interaction.tx_code_failures += 1
            if interaction.tx_code_failures >= TX_CODE_ATTEMPTS:
                interaction.expires_at = now  # too many guesses: this hand-over is over
            session.add(interaction)
            raise ProtocolError("invalid_grant", "The transaction code is not right.")
    token = secrets.token_urlsafe(32)
    interaction.code_redeemed_at = now
    interaction.token_hash = digest(token)
    interaction.token_expires_at = now + TOKEN_TTL
    session.add(interaction)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
    }


# ---- OpenID4VCI: nonce -----------------------------------------------------------------------


def new_nonce(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """A fresh `c_nonce` for one key proof. Spent and stale ones are swept as new ones are made,
    so the table holds only the last few minutes' worth."""
    now = now or utcnow()
    session.execute(sa.delete(WalletNonce).where(col(WalletNonce.expires_at) < now))
    nonce = secrets.token_urlsafe(24)
    session.add(WalletNonce(nonce_hash=digest(nonce), expires_at=now + NONCE_TTL))
    session.flush()
    return {"c_nonce": nonce}


def _spend_nonce(session: Session, nonce: Any, now: datetime) -> None:
    if not isinstance(nonce, str) or not nonce or len(nonce) > MAX_SECRET:
        raise ProtocolError("invalid_nonce", "The key proof carries no nonce from this issuer.")
    row = session.get(WalletNonce, digest(nonce))
    if row is None:
        raise ProtocolError("invalid_nonce", "The nonce was not issued by this issuer.")
    if row.used_at is not None:
        raise ProtocolError("invalid_nonce", "The nonce has been used already.")
    if row.expires_at <= now:
        raise ProtocolError("invalid_nonce", "The nonce has expired: ask for a fresh one.")
    row.used_at = now
    session.add(row)


# ---- OpenID4VCI: key proof and credential ----------------------------------------------------


def _proof_error(description: str) -> ProtocolError:
    return ProtocolError("invalid_proof", description)


def check_key_proof(session: Session, jwt: Any, audience: str, now: datetime) -> didkey.HolderKey:
    """Verifies a `jwt` key proof (OpenID4VCI 1.0 §F.1) and spends its nonce: typ, algorithm
    (pinned to the holder key's own), signature, audience = this issuer, a fresh `iat`, and a
    nonce this issuer gave out and nobody used. Answers the holder's key and DID."""
    if isinstance(jwt, str) and len(jwt) > MAX_PROOF_BYTES:
        raise _proof_error(f"The key proof is over {MAX_PROOF_BYTES} bytes.")
    try:
        proof = jws.parse(jws.token_bytes(jwt))
    except jws.JWSError as exc:
        raise _proof_error(f"The key proof is not a compact JWT: {exc.detail}.") from None
    header, payload = proof.header, proof.payload
    if header.get("typ") != PROOF_TYP:
        raise _proof_error(f'The key proof\'s typ must be "{PROOF_TYP}".')
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in jws.ALLOWED_ALGS:
        raise _proof_error("The key proof's alg must be EdDSA, Ed25519 or ES256.")
    if "crit" in header:
        raise _proof_error("Critical header parameters are not understood.")
    for unsupported in ("x5c", "trust_chain", "key_attestation"):
        if unsupported in header:
            raise _proof_error(f"Binding by {unsupported} is not supported: use did:key.")
    if ("kid" in header) == ("jwk" in header):
        raise _proof_error("The key proof names its key by exactly one of kid and jwk.")
    try:
        holder = (
            didkey.resolve(header["kid"]) if "kid" in header else didkey.from_jwk(header["jwk"])
        )
    except didkey.UnresolvableDid as exc:
        raise _proof_error(f"The proof's key cannot be resolved: {exc}.") from None
    if not holder.key.verify(alg, proof.signing_input, proof.signature):
        raise _proof_error("The key proof's signature does not verify with its key.")
    aud = payload.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise _proof_error(f"The key proof's audience must be this issuer, {audience}.")
    iat = payload.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise _proof_error("The key proof's iat is missing or not a number.")
    if abs(now.timestamp() - iat) > PROOF_SKEW.total_seconds():
        raise _proof_error("The key proof is not fresh: its iat is too far from now.")
    _spend_nonce(session, payload.get("nonce"), now)
    return holder


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProtocolError(
            "invalid_token", "Send the access token as Authorization: Bearer.", status=401
        )
    return token.strip()


def _interaction_by_token(session: Session, token: str, now: datetime) -> Interaction:
    interaction = (
        session.exec(select(Interaction).where(Interaction.token_hash == digest(token))).first()
        if len(token) <= MAX_SECRET
        else None
    )
    if (
        interaction is None
        or interaction.completed_at is not None
        or interaction.token_expires_at is None
        or interaction.token_expires_at <= now
    ):
        raise ProtocolError(
            "invalid_token", "The access token is not valid or has expired.", status=401
        )
    return interaction


def _one_jwt_proof(body: Mapping[str, Any]) -> Any:
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise ProtocolError("invalid_credential_request", "Send proofs or proof, not both.")
    if proofs is None and proof is None:
        raise _proof_error("A key proof is required (proofs.jwt).")
    if proof is not None:  # the singular form of drafts before 1.0, which wallets still send
        if not isinstance(proof, dict) or proof.get("proof_type") != "jwt":
            raise _proof_error("Only the jwt proof type is supported.")
        return proof.get("jwt")
    if not isinstance(proofs, dict) or set(proofs) != {"jwt"}:
        raise _proof_error("Only the jwt proof type is supported.")
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1:
        raise ProtocolError(
            "invalid_credential_request", "Exactly one key proof: batches are not issued."
        )
    return jwts[0]


def issue_oid4vci(
    session: Session,
    issuer: Issuer,
    authorization: str | None,
    body: Any,
    now: datetime | None = None,
    origin: Origin | None = None,
) -> dict[str, Any]:
    """The credential endpoint: the access token, the request, the key proof; then the holder's
    copy of the certification, recorded, and the interaction done."""
    now = now or utcnow()
    interaction = _interaction_by_token(session, _bearer(authorization), now)
    if not isinstance(body, dict):
        raise ProtocolError("invalid_credential_request", "The body is not a JSON object.")
    if "credential_response_encryption" in body:
        raise ProtocolError(
            "invalid_encryption_parameters", "Credential response encryption is not supported."
        )
    if "credential_identifier" in body:
        raise ProtocolError(
            "unknown_credential_identifier", "This issuer names no credential identifiers."
        )
    configuration = body.get("credential_configuration_id")
    if configuration is None:
        raise ProtocolError(
            "invalid_credential_request", "credential_configuration_id is required."
        )
    if configuration not in FORMATS:
        raise ProtocolError(
            "unknown_credential_configuration",
            f"This offer is for the configurations {', '.join(FORMATS)}.",
        )
    holder = check_key_proof(session, _one_jwt_proof(body), issuer.public_url, now)
    try:
        credential = hand_over(
            session, issuer, interaction, holder.did, OID4VCI, FORMATS[configuration], now, origin
        )
    except RuleViolation as exc:
        raise ProtocolError("credential_request_denied", exc.detail) from None
    answer: dict[str, Any] = {"credentials": [{"credential": credential}]}
    if interaction.completed_at is None:
        # Another configuration of the offer is still to come. OpenID4VCI 1.0 sends a wallet to
        # the nonce endpoint for it, but LearnCard's and Sphereon's clients sign the next key
        # proof over the last nonce they were given (the habit of drafts up to 13, whose
        # credential response carried a fresh one): give them one. Other wallets ignore it.
        answer.update(new_nonce(session, now), c_nonce_expires_in=int(NONCE_TTL.total_seconds()))
    return answer

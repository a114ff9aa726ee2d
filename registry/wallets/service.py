"""The rules of handing a certification to a wallet app: interactions, the OpenID4VCI
pre-authorized code flow (token, nonce, key proof, credential) and the VC-API exchange."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.accounts.service import Actor
from registry.audit.service import record
from registry.common import opaque_id, utcnow
from registry.credentials import didkey
from registry.credentials.models import Credential, CredentialStatus
from registry.credentials.service import Issuer, ensure_signing_key, get_credential_for
from registry.errors import NotFound, RuleViolation
from registry.people.models import Officer
from registry.verification.core import ALLOWED_ALGS, split_jws
from registry.wallets.models import HolderCopy, Interaction, WalletNonce

INTERACTION_TTL = timedelta(minutes=15)  # unused; the page makes a fresh one
TOKEN_TTL = timedelta(minutes=5)
NONCE_TTL = timedelta(minutes=5)
CHALLENGE_TTL = timedelta(minutes=10)
# A key proof's `iat` may be this far from our clock, either way (phones' clocks drift).
PROOF_SKEW = timedelta(minutes=5)
MAX_PROOF_BYTES = 8 * 1024
TX_CODE_DIGITS = 6
# Wrong transaction codes an interaction takes before it ends: 5 guesses in a million.
TX_CODE_ATTEMPTS = 5
MAX_SECRET = 64

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
# The certification as OpenID4VCI names it: the VC 2.0 + OB 3.0 credential secured with JOSE,
# the registry's own form (CREDENTIALS.md), bound to the holder's DID.
CONFIGURATION_JWT = "CITCertification_jwt_vc_json"
FORMAT_JWT = "jwt_vc_json"
OID4VCI, VCAPI = "OID4VCI", "vcapi"


class ProtocolError(Exception):
    """An OAuth 2.0 / OpenID4VCI error, answered in the protocol's own shape
    (`{"error", "error_description"}`), not as problem+json."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# ---- interactions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """A new interaction, with its secret (shown once, never stored) and its transaction code."""

    id: str
    credential_id: str
    secret: str
    tx_code: str | None
    expires_at: datetime


def _handable(credential: Credential, now: datetime) -> None:
    if credential.status != CredentialStatus.ACTIVE:
        raise RuleViolation(
            f"A {credential.status} certification cannot be added to a wallet.",
            field="credential_id",
            rule="handover_status",
        )
    if credential.valid_until <= now:
        raise RuleViolation(
            "An expired certification cannot be added to a wallet.",
            field="credential_id",
            rule="handover_status",
        )


def _start(session: Session, credential: Credential, *, by: str, with_tx_code: bool) -> Started:
    now = utcnow()
    _handable(credential, now)
    secret = secrets.token_urlsafe(32)
    tx_code = (
        "".join(secrets.choice("0123456789") for _ in range(TX_CODE_DIGITS))
        if with_tx_code
        else None
    )
    interaction = Interaction(
        id=opaque_id(),
        secret_hash=_hash(secret),
        credential_id=credential.id,
        officer_id=credential.officer_id,
        created_by=by,
        created_at=now,
        expires_at=now + INTERACTION_TTL,
        tx_code_hash=_hash(tx_code) if tx_code else None,
    )
    session.add(interaction)
    # The secret is a capability: the audit row says that a hand-over started, never its secret.
    record(
        session,
        actor=by,
        action="wallet.interaction_start",
        entity="credential",
        entity_id=credential.id,
        after={
            "interaction_id": interaction.id,
            "expires_at": interaction.expires_at.isoformat(),
            "tx_code": tx_code is not None,
        },
    )
    session.flush()
    return Started(interaction.id, credential.id, secret, tx_code, interaction.expires_at)


def start_for_actor(
    session: Session, actor: Actor, credential_id: str, *, with_tx_code: bool = False
) -> Started:
    """A hand-over started by staff: the region rules of reading the credential's record apply
    (whoever may read its record may hand it over)."""
    credential = get_credential_for(session, actor, credential_id)
    return _start(session, credential, by=actor.username, with_tx_code=with_tx_code)


def start_for_holder(session: Session, officer: Officer, credential_id: str) -> Started:
    """A hand-over the officer starts from their own wallet page (no transaction code: the
    page is on their own phone already)."""
    credential = session.get(Credential, credential_id.strip().upper()[:32])
    if credential is None or credential.officer_id != officer.id:
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    return _start(session, credential, by=f"wallet:{officer.post_id}", with_tx_code=False)


def interaction_url(issuer: Issuer, secret: str) -> str:
    # iuv=1: the VC-API "interaction URL" version wallets look for before asking for protocols.
    return f"{issuer.public_url}/interactions/{secret}?iuv=1"


def exchange_url(issuer: Issuer, secret: str) -> str:
    return f"{issuer.public_url}/exchanges/{secret}"


def credential_offer(issuer: Issuer, secret: str, *, tx_code: bool) -> dict[str, Any]:
    grant: dict[str, Any] = {"pre-authorized_code": secret}
    if tx_code:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": TX_CODE_DIGITS,
            "description": "The 6-digit code shown beside the QR code.",
        }
    return {
        "credential_issuer": issuer.public_url,
        "credential_configuration_ids": [CONFIGURATION_JWT],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def protocols(issuer: Issuer, secret: str, *, tx_code: bool) -> dict[str, str]:
    """The interaction's protocols. With a transaction code only OpenID4VCI is offered: the
    VC-API exchange has no place for the code, so it would go around it."""
    offer = json.dumps(credential_offer(issuer, secret, tx_code=tx_code), separators=(",", ":"))
    answer = {OID4VCI: "openid-credential-offer://?credential_offer=" + quote(offer, safe="")}
    if not tx_code:
        answer = {VCAPI: exchange_url(issuer, secret), **answer}
    return answer


def _by_secret(session: Session, secret: str) -> Interaction | None:
    if not secret or len(secret) > MAX_SECRET:
        return None
    return session.exec(select(Interaction).where(Interaction.secret_hash == _hash(secret))).first()


def open_interaction(session: Session, secret: str, now: datetime | None = None) -> Interaction:
    """The interaction a secret names, while it can still start a hand-over."""
    now = now or utcnow()
    interaction = _by_secret(session, secret)
    if interaction is None:
        raise NotFound("No hand-over at this address.", field="interaction", rule="exists")
    if interaction.completed_at is not None:
        raise NotFound(
            "This hand-over is done: a wallet has received the certification. "
            "Start a new one from the wallet page for another wallet.",
            field="interaction",
            rule="interaction_used",
        )
    if interaction.expires_at <= now or interaction.code_redeemed_at is not None:
        raise NotFound(
            "This hand-over has expired. Start a new one from the wallet page.",
            field="interaction",
            rule="interaction_expired",
        )
    return interaction


# ---- OpenID4VCI: metadata --------------------------------------------------------------------


def issuer_metadata(issuer: Issuer) -> dict[str, Any]:
    """Credential issuer metadata (OpenID4VCI 1.0 §12.2); the registry is its own
    authorization server, so `authorization_servers` is left out."""
    base = issuer.public_url
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "display": [{"name": issuer.name, "locale": "en-US"}],
        "credential_configurations_supported": {
            CONFIGURATION_JWT: {
                "format": FORMAT_JWT,
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": [issuer.keys.active().alg]
                if issuer.keys.has_active()
                else ["EdDSA"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": sorted(ALLOWED_ALGS)}
                },
                "credential_definition": {
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
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
    interaction = _by_secret(session, code)
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
        if not hmac.compare_digest(_hash(tx_code[:64]), interaction.tx_code_hash):
            interaction.tx_code_failures += 1
            if interaction.tx_code_failures >= TX_CODE_ATTEMPTS:
                interaction.expires_at = now  # too many guesses: this hand-over is over
            session.add(interaction)
            raise ProtocolError("invalid_grant", "The transaction code is not right.")
    token = secrets.token_urlsafe(32)
    interaction.code_redeemed_at = now
    interaction.token_hash = _hash(token)
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
    session.add(WalletNonce(nonce_hash=_hash(nonce), expires_at=now + NONCE_TTL))
    session.flush()
    return {"c_nonce": nonce}


def _spend_nonce(session: Session, nonce: Any, now: datetime) -> None:
    if not isinstance(nonce, str) or not nonce or len(nonce) > MAX_SECRET:
        raise ProtocolError("invalid_nonce", "The key proof carries no nonce from this issuer.")
    row = session.get(WalletNonce, _hash(nonce))
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
    try:
        proof = split_jws(jwt, MAX_PROOF_BYTES)
    except ValueError as exc:
        raise _proof_error(f"The key proof is not a compact JWT: {exc}.") from None
    header, payload = proof.header, proof.payload
    if header.get("typ") != PROOF_TYP:
        raise _proof_error(f'The key proof\'s typ must be "{PROOF_TYP}".')
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
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
        session.exec(select(Interaction).where(Interaction.token_hash == _hash(token))).first()
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
    if configuration != CONFIGURATION_JWT:
        raise ProtocolError(
            "unknown_credential_configuration",
            f"This offer is for the configuration {CONFIGURATION_JWT}.",
        )
    holder = check_key_proof(session, _one_jwt_proof(body), issuer.public_url, now)
    credential = hand_over(session, issuer, interaction, holder.did, OID4VCI, now)
    return {"credentials": [{"credential": credential}]}


# ---- VC-API exchange -------------------------------------------------------------------------


def presentation_request(
    session: Session, issuer: Issuer, secret: str, now: datetime | None = None
) -> dict[str, Any]:
    """The exchange's first answer: a DID Authentication request with a fresh challenge and the
    registry's domain, which the wallet's signed presentation must carry."""
    now = now or utcnow()
    interaction = open_interaction(session, secret, now)
    if interaction.tx_code_hash is not None:
        raise NotFound(
            "This hand-over is offered over OpenID4VCI only.", field="interaction", rule="exists"
        )
    interaction.challenge = secrets.token_urlsafe(24)
    interaction.challenge_expires_at = now + CHALLENGE_TTL
    session.add(interaction)
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"}],
                }
            ],
            "challenge": interaction.challenge,
            "domain": issuer.public_url,
            "interact": {
                "service": [
                    {
                        "type": "UnmediatedPresentationService2021",
                        "serviceEndpoint": exchange_url(issuer, secret),
                    }
                ]
            },
        }
    }


# ---- the copies --------------------------------------------------------------------------------


def holder_copy_jwt(issuer: Issuer, credential: Credential, holder_did: str, now: datetime) -> str:
    """The certification bound to the holder: the same content and status entry, with
    `credentialSubject.id` naming the holder's DID, signed now by the active key."""
    payload = split_jws(credential.token).payload
    subject = payload.get("credentialSubject")
    payload["credentialSubject"] = {
        "id": holder_did,
        **(subject if isinstance(subject, dict) else {}),
    }
    payload["iat"] = int(now.timestamp())
    return issuer.keys.sign(payload)


def hand_over(
    session: Session,
    issuer: Issuer,
    interaction: Interaction,
    holder_did: str,
    protocol: str,
    now: datetime,
) -> str:
    """Signs the holder's copy, records which copy went to which key (and audits it), and ends
    the interaction. The copy's unique interaction keeps a racing second request out."""
    credential = session.get(Credential, interaction.credential_id)
    if credential is None:  # pragma: no cover - the foreign key guarantees it
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    try:
        _handable(credential, now)
    except RuleViolation as exc:
        raise ProtocolError("credential_request_denied", exc.detail) from None
    ensure_signing_key(issuer)
    copy = holder_copy_jwt(issuer, credential, holder_did, now)
    row = HolderCopy(
        id=opaque_id(),
        interaction_id=interaction.id,
        credential_id=credential.id,
        officer_id=credential.officer_id,
        holder_did=holder_did,
        protocol=protocol,
        format=FORMAT_JWT,
        handed_at=now,
    )
    session.add(row)
    interaction.completed_at = now
    interaction.token_hash = None
    session.add(interaction)
    # The wallet app acts for the officer; its DID (up to a kilobyte) is in the entry itself.
    officer = session.get(Officer, credential.officer_id)
    record(
        session,
        actor=f"wallet:{officer.post_id if officer else credential.officer_id}",
        action="wallet.copy_handed",
        entity="credential",
        entity_id=credential.id,
        after={
            "copy_id": row.id,
            "interaction_id": interaction.id,
            "holder_did": holder_did,
            "protocol": protocol,
            "format": FORMAT_JWT,
        },
    )
    session.flush()
    return copy


@dataclass(frozen=True)
class CopyRow:
    credential_id: str
    holder_did: str
    protocol: str
    handed_at: datetime


def copies_of(session: Session, officer_id: Any) -> list[CopyRow]:
    rows = session.exec(
        select(HolderCopy)
        .where(HolderCopy.officer_id == officer_id)
        .order_by(col(HolderCopy.handed_at).desc())
    ).all()
    return [CopyRow(r.credential_id, r.holder_did, r.protocol, r.handed_at) for r in rows]

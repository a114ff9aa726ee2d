"""The rules of handing a certification to a wallet app: interactions (who may start one, how long
it lives, what it offers, the links that open it) and signing the holder's copies. The VC-API
exchange is in exchange.py, the OpenID4VCI endpoints' rules in oid4vci.py; the copies handed out
are listed and withdrawn in copies.py."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.audit.service import record
from registry.common import opaque_id, utcnow
from registry.credentials.service import Issuer, ensure_signing_key, get_credential_for
from registry.errors import Forbidden, NotFound, RuleViolation
from registry.people.service import officer_region_id
from registry.tables.credentials import Credential, CredentialStatus
from registry.tables.people import Officer
from registry.tables.wallets import HolderCopy, Interaction
from registry.vc import dataintegrity, jwtvc
from registry.vc.jws import JWT, payload_of

INTERACTION_TTL = timedelta(minutes=15)  # unused; the page makes a fresh one
CHALLENGE_TTL = timedelta(minutes=10)
TX_CODE_DIGITS = 6
MAX_SECRET = 64

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
# The certification as OpenID4VCI names it, bound to the holder's DID: in its Data Integrity
# form (what LCW, LearnCard and the DCC verifiers read), and secured with JOSE, the registry's
# own form (CREDENTIALS.md), for wallets that take JWT credentials.
CONFIGURATION_LDP = "CITCertification_ldp_vc"
FORMAT_LDP = "ldp_vc"
CONFIGURATION_JWT = "CITCertification_jwt_vc_json"
FORMAT_JWT = "jwt_vc_json"
# In the offer's order: the JWT first, since wallets built on Credo (Paradym's SDK) request only
# the first configuration offered, and Credo 0.6 cannot take an `ldp_vc` (docs/wallets.md).
FORMATS = {CONFIGURATION_JWT: FORMAT_JWT, CONFIGURATION_LDP: FORMAT_LDP}
# The offer under both names wallets look for: LCW and the CHAPI playground read `OID4VCI`,
# LearnCard only `openid4vci` (and otherwise falls back to VC-API).
OID4VCI, OPENID4VCI, VCAPI = "OID4VCI", "openid4vci", "vcapi"


def digest(secret: str) -> str:
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


@dataclass(frozen=True)
class Origin:
    """Where a request for a copy came from: the wallet app's own name for itself and its
    address, kept with the copy so the officer can tell one copy from another."""

    user_agent: str | None = None
    address: str | None = None


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


def _start(
    session: Session,
    credential: Credential,
    *,
    by: str,
    with_tx_code: bool,
    via_link: str | None = None,
) -> Started:
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
        secret_hash=digest(secret),
        credential_id=credential.id,
        officer_id=credential.officer_id,
        created_by=by,
        created_at=now,
        expires_at=now + INTERACTION_TTL,
        tx_code_hash=digest(tx_code) if tx_code else None,
        via_link=via_link,
    )
    session.add(interaction)
    # The secret is a capability: the audit row says that a hand-over started, never its secret.
    record(
        session,
        by,
        "wallet.interaction_start",
        "credential",
        credential.id,
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
    """A hand-over started by staff: the coordinator of the region the holder serves in now (or
    the administrator). A copy is bound to whatever key takes it, so the issuing region of an
    officer who has moved on may read the record but not mint copies of it."""
    credential = get_credential_for(session, actor, credential_id)
    if not actor.can_act_in(officer_region_id(session, credential.officer_id)):
        raise Forbidden(
            "A hand-over to a wallet app is made by the coordinator of the region the holder "
            "serves in now.",
            rule="region_scope",
        )
    return _start(session, credential, by=actor.username, with_tx_code=with_tx_code)


def start_for_holder(session: Session, officer: Officer, credential: Credential) -> Started:
    """A hand-over the officer starts from their own wallet page for one of their own
    credentials (no transaction code: the page is on their own phone already), marked with the
    link it came from."""
    return _start(
        session,
        credential,
        by=f"wallet:{officer.post_id}",
        with_tx_code=False,
        via_link=digest(officer.wallet_key),
    )


def end_link_handovers(session: Session, wallet_key: str, now: datetime | None = None) -> int:
    """Ends every hand-over started from the wallet link `wallet_key` that is not done yet (its
    interaction, exchange, code and access token alike): the link is being re-issued, perhaps
    because it leaked. Returns how many it ended."""
    now = now or utcnow()
    open_ones = session.exec(
        select(Interaction).where(
            Interaction.via_link == digest(wallet_key),
            col(Interaction.completed_at).is_(None),
            col(Interaction.expires_at) > now,
        )
    ).all()
    for interaction in open_ones:
        interaction.expires_at = now
        interaction.token_hash = None
        interaction.token_expires_at = None
        interaction.challenge = None
        session.add(interaction)
    return len(open_ones)


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
        "credential_configuration_ids": list(FORMATS),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def protocols(issuer: Issuer, secret: str, *, tx_code: bool) -> dict[str, str]:
    """The interaction's protocols. With a transaction code only OpenID4VCI is offered: the
    VC-API exchange has no place for the code, so it would go around it."""
    offer = json.dumps(credential_offer(issuer, secret, tx_code=tx_code), separators=(",", ":"))
    uri = "openid-credential-offer://?credential_offer=" + quote(offer, safe="")
    answer = {OID4VCI: uri, OPENID4VCI: uri}
    if not tx_code:
        answer = {VCAPI: exchange_url(issuer, secret), **answer}
    return answer


def lcw_links(issuer: Issuer, secret: str, *, tx_code: bool) -> dict[str, str | None]:
    """The Learner Credential Wallet's deep links for an interaction (none with a transaction
    code: both are VC-API). `lcw_link`, its CHAPI request form, names only `vcapi`: LCW decodes
    the link's request a second time, which breaks the percent-encoded OpenID4VCI offer, while an
    exchange URL survives it. `lcw_request_link`, its older credential-request form, is what
    released LCW (v2.2.9) completes: after a VC-API DID Authentication it throws the exchange's
    answer away, but here it posts the signed DID Authentication to `vc_request_url` and keeps
    the credential in the answer."""
    if tx_code:
        return {"lcw_link": None, "lcw_request_link": None}
    request = {
        "credentialRequestOrigin": issuer.public_url,
        "protocols": {VCAPI: exchange_url(issuer, secret)},
    }
    query = {
        "issuer": issuer.public_url,
        "vc_request_url": credential_request_url(issuer, secret),
        "challenge": request_challenge(secret),
        "auth_type": "bearer",
    }
    return {
        "lcw_link": "dccrequest://request?request="
        + quote(json.dumps(request, separators=(",", ":"))),
        "lcw_request_link": "dccrequest://request?" + urlencode(query),
    }


def credential_request_url(issuer: Issuer, secret: str) -> str:
    return f"{exchange_url(issuer, secret)}/credential-request"


def request_challenge(secret: str) -> str:
    """The challenge of the credential-request form: it travels in the link beside the secret
    (a link is one capability either way), so it is derived from the secret, not stored; what
    is stored (the secret's SHA-256) does not give it away."""
    return hashlib.sha256(f"credential-request:{secret}".encode()).hexdigest()[:32]


def by_secret(session: Session, secret: str, *, lock: bool = False) -> Interaction | None:
    """The interaction a secret names; `lock`: its row held until the transaction ends, so that
    requests racing on it (guesses of its transaction code) take turns (PostgreSQL; SQLite's
    single writer serializes them anyway)."""
    if not secret or len(secret) > MAX_SECRET:
        return None
    query = select(Interaction).where(Interaction.secret_hash == digest(secret))
    return session.exec(query.with_for_update() if lock else query).first()


def open_interaction(session: Session, secret: str, now: datetime | None = None) -> Interaction:
    """The interaction a secret names, while it can still start a hand-over."""
    now = now or utcnow()
    interaction = by_secret(session, secret)
    if interaction is None:
        raise NotFound("No hand-over at this address.", field="interaction", rule="exists")
    # An OpenID4VCI offer that has issued some of its configurations is in a wallet already.
    handed = interaction.completed_at is not None or (
        interaction.code_redeemed_at is not None
        and session.exec(
            select(HolderCopy.id).where(HolderCopy.interaction_id == interaction.id)
        ).first()
        is not None
    )
    if handed:
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


# ---- the copies --------------------------------------------------------------------------------


def holder_copy(
    issuer: Issuer, credential: Credential, holder_did: str, fmt: str, now: datetime
) -> str | dict[str, Any]:
    """The certification bound to the holder: the same content and status entry, with
    `credentialSubject.id` naming the holder's DID, signed now by the active key, in its Data
    Integrity form (`ldp_vc`) or as a JWS (`jwt_vc_json`)."""
    payload = payload_of(credential.token)
    subject = payload.get("credentialSubject")
    payload["credentialSubject"] = {
        "id": holder_did,
        **(subject if isinstance(subject, dict) else {}),
    }
    if fmt == FORMAT_LDP:
        document = dataintegrity.content(payload, issuer.di_profile)
        return dataintegrity.secure(document, issuer.keys, issuer.did, now)
    # jwt_vc_json as OpenID4VCI 1.0 defines it: the VC 1.1 JWT encoding, `sub` the holder. iat
    # stays the original's: it agrees with validFrom, as every verifier of this profile checks
    # (a copy stamped with the time of its hand-over failed the registry's own).
    return issuer.sign(jwtvc.encode(payload), typ=JWT).token


def hand_over(
    session: Session,
    issuer: Issuer,
    interaction: Interaction,
    holder_did: str,
    protocol: str,
    fmt: str,
    now: datetime,
    origin: Origin | None = None,
) -> str | dict[str, Any]:
    """Signs the holder's copy, records which copy went to which key and where (and audits it),
    and ends the interaction once it has handed all it offers. The copy's unique (interaction,
    format) keeps a racing second request for the same configuration out."""
    credential = session.get(Credential, interaction.credential_id)
    if credential is None:  # pragma: no cover - the foreign key guarantees it
        raise NotFound("No credential with this id.", field="credential_id", rule="exists")
    _handable(credential, now)
    issued = set(
        session.exec(
            select(HolderCopy.format).where(HolderCopy.interaction_id == interaction.id)
        ).all()
    )
    if fmt in issued:
        raise RuleViolation(
            f"This offer's {fmt} copy has been issued already: each configuration once.",
            field="credential_configuration_id",
            rule="configuration_issued",
        )
    ensure_signing_key(issuer)
    copy = holder_copy(issuer, credential, holder_did, fmt, now)
    row = HolderCopy(
        id=opaque_id(),
        interaction_id=interaction.id,
        credential_id=credential.id,
        officer_id=credential.officer_id,
        holder_did=holder_did,
        protocol=protocol,
        format=fmt,
        handed_at=now,
        user_agent=origin.user_agent[:200] if origin and origin.user_agent else None,
        address=origin.address[:64] if origin and origin.address else None,
    )
    session.add(row)
    # An OpenID4VCI offer may issue each configuration it offers once, with the same access
    # token (LearnCard asks for both formats): it is done when every one is issued. A VC-API
    # exchange hands its one copy.
    if protocol != OID4VCI or issued | {fmt} >= set(FORMATS.values()):
        interaction.completed_at = now
        interaction.token_hash = None
    session.add(interaction)
    # The wallet app acts for the officer; its DID (up to a kilobyte) is in the entry itself.
    officer = session.get(Officer, credential.officer_id)
    record(
        session,
        f"wallet:{officer.post_id if officer else credential.officer_id}",
        "wallet.copy_handed",
        "credential",
        credential.id,
        after={
            "copy_id": row.id,
            "interaction_id": interaction.id,
            "holder_did": holder_did,
            "protocol": protocol,
            "format": fmt,
        },
    )
    session.flush()
    return copy

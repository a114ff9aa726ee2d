"""The VC-API exchange of a hand-over: a DID Authentication request, the wallet's signed
presentation, the holder's copy in the answer; and the Learner Credential Wallet's older
credential-request form of the same."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session

from registry.common import utcnow
from registry.credentials.service import Issuer
from registry.errors import InvalidInput, NotFound, RuleViolation
from registry.tables.wallets import Interaction
from registry.vc.payload import VC_CONTEXT
from registry.verification.presentations import PresentationRefused, check_presentation
from registry.wallets.service import (
    CHALLENGE_TTL,
    FORMAT_LDP,
    VCAPI,
    Origin,
    exchange_url,
    hand_over,
    open_interaction,
    request_challenge,
)


def _exchange_interaction(session: Session, secret: str, now: datetime) -> Interaction:
    interaction = open_interaction(session, secret, now)
    if interaction.tx_code_hash is not None:
        raise NotFound(
            "This hand-over is offered over OpenID4VCI only.", field="interaction", rule="exists"
        )
    return interaction


def presentation_request(
    session: Session, issuer: Issuer, secret: str, now: datetime | None = None
) -> dict[str, Any]:
    """The exchange's first answer: a DID Authentication request with a fresh challenge and the
    registry's domain, which the wallet's signed presentation must carry."""
    now = now or utcnow()
    interaction = _exchange_interaction(session, secret, now)
    interaction.challenge = secrets.token_urlsafe(24)
    interaction.challenge_expires_at = now + CHALLENGE_TTL
    session.add(interaction)
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [
                        {"cryptosuite": "eddsa-rdfc-2022"},
                        {"cryptosuite": "Ed25519Signature2020"},
                    ],
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


def accept_presentation(
    session: Session,
    issuer: Issuer,
    secret: str,
    presentation: Any,
    now: datetime | None = None,
    origin: Origin | None = None,
) -> dict[str, Any]:
    """The exchange's second step: the wallet's DID Authentication presentation, checked
    (signature by its did:key, this interaction's challenge, the registry's domain, freshness),
    answered with a presentation carrying the holder's copy in its Data Integrity form."""
    now = now or utcnow()
    interaction = _exchange_interaction(session, secret, now)
    expires = interaction.challenge_expires_at
    if interaction.challenge is None or expires is None or expires <= now:
        raise RuleViolation(
            "Ask this exchange for a presentation request first: its challenge has expired "
            "or was never given.",
            field="verifiablePresentation",
            rule="challenge",
        )
    challenge = interaction.challenge
    return _authenticated_copy(
        session, issuer, interaction, presentation, challenge, issuer.public_url, now, origin
    )


def accept_credential_request(
    session: Session,
    issuer: Issuer,
    secret: str,
    presentation: Any,
    bearer: str | None,
    now: datetime | None = None,
    origin: Origin | None = None,
) -> dict[str, Any]:
    """LCW's older credential request (`vc_request_url`, `auth_type=bearer`): the wallet posts
    its DID Authentication, signed over the link's challenge (LCW asks for no domain there), and
    the holder's copy is in the answer. A bearer token, when the wallet sends one, is that
    challenge."""
    now = now or utcnow()
    interaction = _exchange_interaction(session, secret, now)
    challenge = request_challenge(secret)
    if bearer is not None and not hmac.compare_digest(bearer.encode(), challenge.encode()):
        raise InvalidInput(
            "The bearer token is not this hand-over's.", field="authorization", rule="bearer"
        )
    answer = _authenticated_copy(
        session, issuer, interaction, presentation, challenge, None, now, origin
    )
    # LCW reads the answer itself as the presentation (or credential) it receives.
    presented: dict[str, Any] = answer["verifiablePresentation"]
    return presented


def _authenticated_copy(
    session: Session,
    issuer: Issuer,
    interaction: Interaction,
    presentation: Any,
    challenge: str,
    domain: str | None,
    now: datetime,
    origin: Origin | None,
) -> dict[str, Any]:
    """The holder's copy for a DID Authentication over `challenge` (and `domain`), in a
    presentation; the interaction is then done."""
    try:
        presented = check_presentation(presentation, challenge=challenge, domain=domain, now=now)
    except PresentationRefused as exc:
        raise InvalidInput(
            f"The presentation does not authenticate its holder: {exc}.",
            field="verifiablePresentation",
            rule="did_authentication",
        ) from None
    if not presented.holder.startswith("did:key:"):
        raise InvalidInput(
            "The exchange asked for a did:key holder.",
            field="verifiablePresentation",
            rule="did_authentication",
        )
    interaction.challenge = None  # good once
    copy = hand_over(session, issuer, interaction, presented.holder, VCAPI, FORMAT_LDP, now, origin)
    return {
        "verifiablePresentation": {
            "@context": [VC_CONTEXT],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [copy],
        }
    }

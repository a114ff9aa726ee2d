"""Tables of the wallet hand-over: interactions, one-time nonces, and the copies handed out."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.tables.columns import moment


class Interaction(SQLModel, table=True):
    """One hand-over of one certification to one wallet.

    Its secret is the capability behind the interaction URL, the VC-API exchange URL and the
    OpenID4VCI pre-authorized code alike; only its SHA-256 is stored. The access token the code
    is exchanged for is stored the same way, and the VC-API challenge is not a secret.
    """

    __tablename__ = "wallet_interactions"

    id: str = Field(primary_key=True, max_length=32)
    secret_hash: str = Field(max_length=64, unique=True)
    credential_id: str = Field(foreign_key="credentials.id", max_length=32, index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    created_by: str = Field(max_length=100)
    created_at: datetime = moment(now=True)
    expires_at: datetime = moment()
    tx_code_hash: str | None = Field(default=None, max_length=64)
    tx_code_failures: int = 0
    code_redeemed_at: datetime | None = moment(optional=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_expires_at: datetime | None = moment(optional=True)
    challenge: str | None = Field(default=None, max_length=64)
    challenge_expires_at: datetime | None = moment(optional=True)
    completed_at: datetime | None = moment(optional=True)
    # The SHA-256 of the wallet key a hand-over the officer started came from (None for one a
    # coordinator started): re-issuing a leaked link ends these, and finds the copies they made.
    via_link: str | None = Field(default=None, max_length=64, index=True)


class WalletNonce(SQLModel, table=True):
    """A `c_nonce` from the nonce endpoint: good once, for a few minutes (stored hashed)."""

    __tablename__ = "wallet_nonces"

    nonce_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = moment(index=True)
    used_at: datetime | None = moment(optional=True)


class HolderCopy(SQLModel, table=True):
    """A copy of a certification handed to a wallet, bound to the holder's DID.

    One per interaction and format (the unique key is what makes each offered configuration
    single-use, even when two requests race), all sharing the certification's status entry.
    The officer or their coordinator can withdraw one (a phone lost, a link leaked).
    """

    __tablename__ = "wallet_copies"
    __table_args__ = (
        UniqueConstraint("interaction_id", "format", name="uq_wallet_copies_interaction_format"),
    )

    id: str = Field(primary_key=True, max_length=32)
    interaction_id: str = Field(foreign_key="wallet_interactions.id", max_length=32)
    credential_id: str = Field(foreign_key="credentials.id", max_length=32, index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    holder_did: str = Field(max_length=1024)
    protocol: str = Field(max_length=16)
    format: str = Field(max_length=32)
    handed_at: datetime = moment(now=True)
    # Where it went, for the officer to recognise it: the wallet app's own name for itself
    # (User-Agent) and the address it asked from.
    user_agent: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=64)
    # A withdrawn copy no longer makes its presenter the holder (the certification stays valid).
    withdrawn_at: datetime | None = moment(optional=True)
    withdrawn_by: str | None = Field(default=None, max_length=100)

"""Wallet hand-over: interactions (OpenID4VCI and VC-API), one-time nonces, holder copies.

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_interactions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=32), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", registry.common.UTCDateTime(), nullable=False),
        sa.Column("expires_at", registry.common.UTCDateTime(), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("code_redeemed_at", registry.common.UTCDateTime(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", registry.common.UTCDateTime(), nullable=True),
        sa.Column("challenge", sa.String(length=64), nullable=True),
        sa.Column("challenge_expires_at", registry.common.UTCDateTime(), nullable=True),
        sa.Column("completed_at", registry.common.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("wallet_interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_interactions_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_interactions_officer_id"), ["officer_id"], unique=False
        )

    op.create_table(
        "wallet_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", registry.common.UTCDateTime(), nullable=False),
        sa.Column("used_at", registry.common.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("nonce_hash"),
    )
    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_nonces_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "wallet_copies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sa.String(length=32), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("holder_did", sa.String(length=1024), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("handed_at", registry.common.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.ForeignKeyConstraint(["interaction_id"], ["wallet_interactions.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interaction_id"),
    )
    with op.batch_alter_table("wallet_copies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_copies_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_copies_officer_id"), ["officer_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("wallet_copies")
    op.drop_table("wallet_nonces")
    op.drop_table("wallet_interactions")

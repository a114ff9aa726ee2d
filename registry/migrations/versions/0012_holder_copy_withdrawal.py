"""Holder copies that can be withdrawn: where each went, whether it was withdrawn, and which
wallet link each officer-started hand-over came from.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wallet_interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via_link", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_wallet_interactions_via_link"), ["via_link"], unique=False
        )
    with op.batch_alter_table("wallet_copies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_agent", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", registry.common.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_copies", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("address")
        batch_op.drop_column("user_agent")
    with op.batch_alter_table("wallet_interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_interactions_via_link"))
        batch_op.drop_column("via_link")

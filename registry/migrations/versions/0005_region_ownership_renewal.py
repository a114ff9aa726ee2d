"""Continuing education counts for one renewal only: the renewal that used each record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records from before this revision stay unused: a credential renewed since the CE was
    # recorded has a validFrom after it, so they cannot count for that one's renewal again.
    with op.batch_alter_table("ce_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_by", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_ce_records_used_by"), ["used_by"], unique=False)
        batch_op.create_foreign_key(
            "fk_ce_records_used_by_credentials", "credentials", ["used_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ce_records", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ce_records_used_by_credentials", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ce_records_used_by"))
        batch_op.drop_column("used_by")

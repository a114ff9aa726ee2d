"""Nominations of volunteers for the next CIT class, and a region's public contact (printed on
the /agencies directory).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nominations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("nominated_by", sa.String(length=100), nullable=False),
        sa.Column("nominated_at", registry.common.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", registry.common.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nominations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nominations_officer_id"), ["officer_id"], unique=False)
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_column("contact")
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominations_officer_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_agency_id"))
    op.drop_table("nominations")

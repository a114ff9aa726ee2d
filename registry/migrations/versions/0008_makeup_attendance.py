"""Make-up attendance: module hours made up in another class of the course or a make-up session.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "makeup_attendance",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("source_class_id", sa.Uuid(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", registry.common.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"]),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["source_class_id"], ["classes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("makeup_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_makeup_attendance_class_id"), ["class_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("makeup_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_makeup_attendance_class_id"))
    op.drop_table("makeup_attendance")

"""Patrol plans (districts and shifts, fixed or rotating), officers' assignments, and the
liaison's agency on an account.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_districts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "code"),
    )
    with op.batch_alter_table("patrol_districts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patrol_districts_agency_id"), ["agency_id"], unique=False
        )
    op.create_table(
        "patrol_shifts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("cycle_days", sa.Integer(), nullable=True),
        sa.Column("on_days", sa.String(length=400), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "code"),
    )
    with op.batch_alter_table("patrol_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_shifts_agency_id"), ["agency_id"], unique=False)
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("shift", sa.String(length=16), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            "fk_users_agency_id_agencies", "agencies", ["agency_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("fk_users_agency_id_agencies", type_="foreignkey")
        batch_op.drop_column("agency_id")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_column("shift")
        batch_op.drop_column("district")
    with op.batch_alter_table("patrol_shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_shifts_agency_id"))
    op.drop_table("patrol_shifts")
    with op.batch_alter_table("patrol_districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_districts_agency_id"))
    op.drop_table("patrol_districts")

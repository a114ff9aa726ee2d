"""Every exam and scenario result as recorded, so that a retake keeps the first result in the
history (the results already recorded become each officer's first attempt); and the program's
contact, set by the administrator in the console; and the creating forms' one-time tokens.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    attempts = op.create_table(
        "result_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("evaluation", sa.String(length=24), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=4), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", registry.common.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("result_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_attempts_class_id"), ["class_id"], unique=False)
    op.create_table(
        "program_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("updated_at", registry.common.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("landed_on", sa.String(length=300), nullable=False),
        sa.Column("created_at", registry.common.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    results = sa.table(
        "results",
        sa.column("class_id", sa.Uuid()),
        sa.column("officer_id", sa.Uuid()),
        sa.column("written_exam", sa.String()),
        sa.column("scenario_evaluation", sa.String()),
        sa.column("recorded_by", sa.Uuid()),
        sa.column("recorded_at", registry.common.UTCDateTime()),
    )
    rows = op.get_bind().execute(sa.select(results)).mappings().all()
    first = [
        {
            "id": uuid.uuid4(),
            "class_id": row["class_id"],
            "officer_id": row["officer_id"],
            "evaluation": evaluation,
            "attempt": 1,
            "outcome": row[evaluation],
            "recorded_by": row["recorded_by"],
            "recorded_at": row["recorded_at"],
        }
        for row in rows
        for evaluation in ("written_exam", "scenario_evaluation")
        if row[evaluation] is not None
    ]
    if first:
        op.bulk_insert(attempts, first)


def downgrade() -> None:
    op.drop_table("form_submissions")
    op.drop_table("program_contact")
    with op.batch_alter_table("result_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_attempts_class_id"))
    op.drop_table("result_attempts")

"""Indexes for the reports at a state's size (issue 24): coverage's counts read an agency's
current officers and their certifications from indexes alone, and the open nominations are
found without reading every current employment.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_credentials_officer_course",
        "credentials",
        ["officer_id", "course_id", "status", "valid_until", "valid_from"],
    )
    op.create_index(
        "ix_employments_agency_current", "employments", ["agency_id", "end_date", "officer_id"]
    )
    op.create_index("ix_nominations_open", "nominations", ["withdrawn_at", "nominated_at"])


def downgrade() -> None:
    op.drop_index("ix_nominations_open", table_name="nominations")
    op.drop_index("ix_employments_agency_current", table_name="employments")
    op.drop_index("ix_credentials_officer_course", table_name="credentials")

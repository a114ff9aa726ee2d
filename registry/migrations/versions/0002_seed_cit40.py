"""Seeds the state-certified 40-hour CIT course and its modules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COURSE_ID = uuid.UUID("6f0c5d3e-4a51-4c7e-9a59-0c1d2f400040")

# The topics of the state curriculum (DOMAIN.md); the hours add up to exactly 40.
MODULES = [
    ("MH-ILL", "Mental illnesses and psychiatric medications", 6),
    ("SUB-COD", "Substance use and co-occurring disorders", 3),
    ("SUICIDE", "Suicide assessment and prevention", 3),
    ("DEV-DIS", "Developmental disabilities and autism", 2),
    ("AGES", "Children, youth and older adults in crisis", 2),
    ("LAW", "Civil commitment law and liability", 2),
    ("RESOURCES", "Community mental-health resources", 2),
    ("VOICES", "Family and consumer perspectives", 2),
    ("SITE", "Site visits", 4),
    ("DE-ESC", "De-escalation and intervention strategies", 6),
    ("SCENARIOS", "Role-played scenarios based on real cases", 8),
]


def upgrade() -> None:
    courses = sa.table(
        "courses",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("title", sa.String()),
        sa.column("description", sa.String()),
        sa.column("achievement_name", sa.String()),
        sa.column("credential_name", sa.String()),
        sa.column("criteria", sa.String()),
        sa.column("total_hours", sa.Float()),
        sa.column("validity_months", sa.Integer()),
        sa.column("min_patrol_months", sa.Integer()),
        sa.column("ce_hours_per_cycle", sa.Float()),
    )
    modules = sa.table(
        "modules",
        sa.column("id", sa.Uuid()),
        sa.column("course_id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("title", sa.String()),
        sa.column("hours", sa.Float()),
        sa.column("required", sa.Boolean()),
        sa.column("position", sa.Integer()),
    )
    op.bulk_insert(
        courses,
        [
            {
                "id": COURSE_ID,
                "code": "CIT-40",
                "title": "Crisis Intervention Team (CIT) Officer Course",
                "description": (
                    "The state-certified 40-hour Crisis Intervention Team course for patrol "
                    "officers: mental illness, substance use, suicide, developmental "
                    "disabilities, commitment law, community resources, de-escalation and "
                    "role-played scenarios."
                ),
                "achievement_name": "CIT Officer Certification",
                "credential_name": "Crisis Intervention Team (CIT) Officer Certification",
                "criteria": (
                    "Completed the 40-hour state-certified CIT course, passed the written exam "
                    "and the scenario evaluation."
                ),
                "total_hours": 40,
                "validity_months": 24,
                "min_patrol_months": 12,
                "ce_hours_per_cycle": 4,
            }
        ],
    )
    op.bulk_insert(
        modules,
        [
            {
                "id": uuid.uuid5(COURSE_ID, code),
                "course_id": COURSE_ID,
                "code": code,
                "title": title,
                "hours": hours,
                "required": True,
                "position": position,
            }
            for position, (code, title, hours) in enumerate(MODULES, start=1)
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM modules WHERE course_id = :id").bindparams(id=COURSE_ID))
    op.execute(sa.text("DELETE FROM courses WHERE id = :id").bindparams(id=COURSE_ID))

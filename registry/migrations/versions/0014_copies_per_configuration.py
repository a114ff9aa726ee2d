"""One copy per offered configuration: an OpenID4VCI offer may issue each of its configurations
(ldp_vc, jwt_vc_json) once, so a hand-over's copies are unique by (interaction, format), not by
interaction alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NEW = "uq_wallet_copies_interaction_format"
# SQLite reflects the old constraint without a name: batch mode names it by this convention.
OLD_SQLITE = "uq_wallet_copies_interaction_id"
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_name() -> str:
    return (
        "wallet_copies_interaction_id_key"
        if op.get_bind().dialect.name == "postgresql"
        else OLD_SQLITE
    )


def upgrade() -> None:
    old = _old_name()
    with op.batch_alter_table("wallet_copies", naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint(NEW, ["interaction_id", "format"])


def downgrade() -> None:
    old = _old_name()
    with op.batch_alter_table("wallet_copies", naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(NEW, type_="unique")
        batch_op.create_unique_constraint(old, ["interaction_id"])

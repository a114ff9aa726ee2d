"""Coverage's counts kept by agency (issue 24): `agency_tallies` holds each agency's counts
of officers and certifications, `agency_changes` a row for each change to what they count.
Triggers on `credentials` and `employments` write the latter in the same transaction as the
change, whoever writes it (a service, a bulk insert, a hand in psql), so a tally counted before
a change is never taken for a current one (registry/reports/tallies.py). The triggers only
insert: concurrent writers take no lock on a shared row, so they neither wait for nor deadlock
with each other.

A credential's change counts for the agencies where its officer serves now; an employment's
for its agency before and after. Only the columns the counts read fire the update triggers
(a verification or a renewal notice writes nothing they count).

On SQLite the triggers belong to their tables: a later migration that has batch mode rebuild
`credentials` or `employments` drops them and must create them again (create_triggers below).
tests/reports/test_tallies.py fails when one is missing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.common

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# The columns of each table the counts read (registry/reports/tallies.py).
CREDENTIAL_COLUMNS = "status, valid_from, valid_until, officer_id, course_id"
EMPLOYMENT_COLUMNS = "agency_id, officer_id, end_date"


def _serving(officer: str) -> str:
    """SQLite: a change for each agency where `officer` serves now."""
    return (
        "INSERT INTO agency_changes (agency_id, weight) "  # noqa: S608 - no input
        f"SELECT agency_id, 1 FROM employments WHERE officer_id = {officer} "
        "AND end_date IS NULL; "
    )


def _of(agency: str) -> str:
    return f"INSERT INTO agency_changes (agency_id, weight) VALUES ({agency}, 1); "  # noqa: S608


SQLITE_TRIGGERS = {
    "agency_tallies_credential_insert": "AFTER INSERT ON credentials BEGIN "
    + _serving("new.officer_id")
    + "END",
    "agency_tallies_credential_update": f"AFTER UPDATE OF {CREDENTIAL_COLUMNS} ON credentials "
    "BEGIN " + _serving("old.officer_id") + _serving("new.officer_id") + "END",
    "agency_tallies_credential_delete": "AFTER DELETE ON credentials BEGIN "
    + _serving("old.officer_id")
    + "END",
    "agency_tallies_employment_insert": "AFTER INSERT ON employments BEGIN "
    + _of("new.agency_id")
    + "END",
    "agency_tallies_employment_update": f"AFTER UPDATE OF {EMPLOYMENT_COLUMNS} ON employments "
    "BEGIN " + _of("old.agency_id") + _of("new.agency_id") + "END",
    "agency_tallies_employment_delete": "AFTER DELETE ON employments BEGIN "
    + _of("old.agency_id")
    + "END",
}

# PostgreSQL: one function a table.
PG_FUNCTIONS = {
    "agency_tallies_on_credentials": """
CREATE OR REPLACE FUNCTION agency_tallies_on_credentials() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before_id uuid;
    after_id uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN before_id := OLD.officer_id; END IF;
    IF TG_OP <> 'DELETE' THEN after_id := NEW.officer_id; END IF;
    INSERT INTO agency_changes (agency_id, weight)
    SELECT agency_id, 1 FROM employments
    WHERE officer_id IN (before_id, after_id) AND end_date IS NULL;
    RETURN NULL;
END $$""",
    "agency_tallies_on_employments": """
CREATE OR REPLACE FUNCTION agency_tallies_on_employments() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO agency_changes (agency_id, weight) VALUES (OLD.agency_id, 1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO agency_changes (agency_id, weight) VALUES (NEW.agency_id, 1);
    END IF;
    RETURN NULL;
END $$""",
}
PG_TRIGGERS = {
    "agency_tallies_credentials": (
        f"AFTER INSERT OR DELETE OR UPDATE OF {CREDENTIAL_COLUMNS} ON credentials "
        "FOR EACH ROW EXECUTE FUNCTION agency_tallies_on_credentials()"
    ),
    "agency_tallies_employments": (
        f"AFTER INSERT OR DELETE OR UPDATE OF {EMPLOYMENT_COLUMNS} ON employments "
        "FOR EACH ROW EXECUTE FUNCTION agency_tallies_on_employments()"
    ),
}


def create_triggers(bind: sa.Connection) -> None:
    """The triggers of this migration; a later one that rebuilds either table calls it again."""
    if bind.dialect.name == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif bind.dialect.name == "postgresql":
        for function in PG_FUNCTIONS.values():
            op.execute(function)
        for name, body in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    op.create_table(
        "agency_tallies",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("officers", sa.Integer(), nullable=False),
        sa.Column("certified", sa.Integer(), nullable=False),
        sa.Column("expiring", sa.Integer(), nullable=False),
        sa.Column("day_start", registry.common.UTCDateTime(), nullable=False),
        sa.Column("on_day", sa.Integer(), nullable=False),
        sa.Column("fresh_from", registry.common.UTCDateTime(), nullable=False),
        sa.Column("fresh_until", registry.common.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "course_id", "window_days"),
    )
    op.create_table(
        "agency_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agency_changes_agency", "agency_changes", ["agency_id", "weight"])
    create_triggers(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == "postgresql":
        for name, body in PG_TRIGGERS.items():
            table = body.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_index("ix_agency_changes_agency", table_name="agency_changes")
    op.drop_table("agency_changes")
    op.drop_table("agency_tallies")

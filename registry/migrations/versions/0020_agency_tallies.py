"""Coverage's counts kept by agency (issue 24): `agency_tallies` holds each agency's counts
of officers and certifications, `agency_tally_versions` how many times what they count has
changed. Triggers on `credentials` and `employments` count the latter up in the same
transaction as the change, whoever writes it (a service, a bulk insert, a hand in psql), so a
tally computed before a change is never taken for a current one (registry/reports/tallies.py).

A credential's change counts for the agencies where its officer serves now; an employment's
for its agency before and after. Only the columns the counts read fire the update triggers
(a verification or a renewal notice writes nothing they count).

On SQLite the triggers belong to their tables: a later migration that has batch mode rebuild
`credentials` or `employments` drops them and must create them again (SQLITE_TRIGGERS below).
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


def _bump_serving(officer: str) -> str:
    """SQLite: count up the agencies where `officer` serves now (WHERE before ON CONFLICT:
    SQLite's rule for an upsert from a SELECT)."""
    return (
        "INSERT INTO agency_tally_versions (agency_id, version) "  # noqa: S608 - no input
        f"SELECT agency_id, 1 FROM employments WHERE officer_id = {officer} "
        "AND end_date IS NULL "
        "ON CONFLICT (agency_id) DO UPDATE SET version = version + 1; "
    )


def _bump(agency: str) -> str:
    return (
        "INSERT INTO agency_tally_versions (agency_id, version) "  # noqa: S608 - no input
        f"VALUES ({agency}, 1) ON CONFLICT (agency_id) DO UPDATE SET version = version + 1; "
    )


SQLITE_TRIGGERS = {
    "agency_tallies_credential_insert": "AFTER INSERT ON credentials BEGIN "
    + _bump_serving("new.officer_id")
    + "END",
    "agency_tallies_credential_update": f"AFTER UPDATE OF {CREDENTIAL_COLUMNS} ON credentials "
    "BEGIN " + _bump_serving("old.officer_id") + _bump_serving("new.officer_id") + "END",
    "agency_tallies_credential_delete": "AFTER DELETE ON credentials BEGIN "
    + _bump_serving("old.officer_id")
    + "END",
    "agency_tallies_employment_insert": "AFTER INSERT ON employments BEGIN "
    + _bump("new.agency_id")
    + "END",
    "agency_tallies_employment_update": f"AFTER UPDATE OF {EMPLOYMENT_COLUMNS} ON employments "
    "BEGIN " + _bump("old.agency_id") + _bump("new.agency_id") + "END",
    "agency_tallies_employment_delete": "AFTER DELETE ON employments BEGIN "
    + _bump("old.agency_id")
    + "END",
}

# PostgreSQL: one function a table. DISTINCT and ORDER BY: an upsert may touch a row once, and
# two transactions that take the same agencies' rows take them in the same order.
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
    INSERT INTO agency_tally_versions (agency_id, version)
    SELECT DISTINCT agency_id, 1 FROM employments
    WHERE officer_id IN (before_id, after_id) AND end_date IS NULL
    ORDER BY agency_id
    ON CONFLICT (agency_id) DO UPDATE SET version = agency_tally_versions.version + 1;
    RETURN NULL;
END $$""",
    "agency_tallies_on_employments": """
CREATE OR REPLACE FUNCTION agency_tallies_on_employments() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before_id uuid;
    after_id uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN before_id := OLD.agency_id; END IF;
    IF TG_OP <> 'DELETE' THEN after_id := NEW.agency_id; END IF;
    INSERT INTO agency_tally_versions (agency_id, version)
    SELECT DISTINCT agency_id, 1 FROM (VALUES (before_id), (after_id)) AS changed (agency_id)
    WHERE agency_id IS NOT NULL
    ORDER BY agency_id
    ON CONFLICT (agency_id) DO UPDATE SET version = agency_tally_versions.version + 1;
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
        "agency_tally_versions",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id"),
    )
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
    op.drop_table("agency_tally_versions")
    op.drop_table("agency_tallies")

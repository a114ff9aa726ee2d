"""The officer search and an agency's officer list at a state's size (issue 24): each officer's
current agency and folded search text on the officer, indexes that serve an agency's page in name
order, and a trigram index for "contains": an FTS5 table kept by triggers on SQLite, pg_trgm's
GIN index on PostgreSQL (the extension is trusted: the database's owner may create it).

On SQLite the triggers belong to the officers table: a later migration that has batch mode
rebuild `officers` drops them, and must create them again (TRIGGERS below).
tests/people/test_search.py fails when they are missing.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FTS = (
    "CREATE VIRTUAL TABLE officer_search USING fts5("
    "officer_id UNINDEXED, text, tokenize = 'trigram case_sensitive 1')"
)
# The old row is found through the index (a phrase of its whole text, which contains itself),
# not by officer_id, which FTS5 would compare row by row: 20 ms a rename at 50,000 officers. A
# text too short for a trigram (none the application writes) could not be found by a search.
_OLD_ROW = (
    "DELETE FROM officer_search WHERE officer_search MATCH "
    "'\"' || replace(old.search_text, '\"', '\"\"') || '\"' AND officer_id = old.id; "
)
TRIGGERS = (
    "CREATE TRIGGER officer_search_insert AFTER INSERT ON officers BEGIN "
    "INSERT INTO officer_search (officer_id, text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER officer_search_update AFTER UPDATE OF search_text ON officers BEGIN "  # noqa: S608
    + _OLD_ROW
    + "INSERT INTO officer_search (officer_id, text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER officer_search_delete AFTER DELETE ON officers BEGIN " + _OLD_ROW + "END",
)
TRIGGER_NAMES = ("officer_search_insert", "officer_search_update", "officer_search_delete")
TRGM_INDEX = "ix_officers_search_text_trgm"
BATCH = 5_000


def folded(text: str) -> str:
    """The migration's own copy of registry.tables.people.folded (a migration runs the code of
    its day: tests/db/test_migrations.py checks the two agree)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare.casefold())


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # Columns added (and dropped) in place: batch mode would rebuild `officers`, which SQLite
    # refuses while other rows refer to it; so `agency_id`, a copy of the open employment's
    # (which has the foreign key), has none. SQLite adds a NOT NULL column only with a default:
    # '' for the moment it takes to fill it (the application always sets it).
    op.add_column("officers", sa.Column("agency_id", sa.Uuid(), nullable=True))
    if sqlite:
        op.execute("ALTER TABLE officers ADD COLUMN search_text TEXT NOT NULL DEFAULT ''")
        _fill(bind)
    else:
        op.add_column("officers", sa.Column("search_text", sa.Text(), nullable=True))
        _fill(bind)
        op.alter_column("officers", "search_text", existing_type=sa.Text(), nullable=False)
    op.drop_index("ix_officers_last_name", table_name="officers")
    op.create_index(
        "ix_officers_agency_name", "officers", ["agency_id", "last_name", "first_name", "id"]
    )
    op.create_index("ix_officers_name", "officers", ["last_name", "first_name", "id"])
    if sqlite:
        op.execute(FTS)
        op.execute(
            "INSERT INTO officer_search (officer_id, text) SELECT id, search_text FROM officers"
        )
        for trigger in TRIGGERS:
            op.execute(trigger)
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {TRGM_INDEX} ON officers USING gin (search_text gin_trgm_ops)")


def _fill(bind: sa.Connection) -> None:
    """Each officer's agency (of the open employment, the latest if several) and search text."""
    bind.execute(
        sa.text(
            "UPDATE officers SET agency_id = (SELECT e.agency_id FROM employments e "
            "WHERE e.officer_id = officers.id AND e.end_date IS NULL "
            "ORDER BY e.start_date DESC LIMIT 1)"
        )
    )
    rows = bind.execute(sa.text("SELECT id, post_id, first_name, last_name FROM officers")).all()
    texts = [{"i": r[0], "t": folded(f"{r[1]} {r[2]} {r[3]}")} for r in rows]
    for at in range(0, len(texts), BATCH):
        bind.execute(
            sa.text("UPDATE officers SET search_text = :t WHERE id = :i"), texts[at : at + BATCH]
        )


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_officers_name", table_name="officers")
    op.drop_index("ix_officers_agency_name", table_name="officers")
    if bind.dialect.name == "sqlite":
        for name in TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS officer_search")
        # In place (SQLite 3.35 and later): no rebuild of a table others refer to.
        op.execute("ALTER TABLE officers DROP COLUMN search_text")
        op.execute("ALTER TABLE officers DROP COLUMN agency_id")
    else:
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
        # pg_trgm stays: other things in the database may use it.
        op.drop_column("officers", "search_text")
        op.drop_column("officers", "agency_id")
    op.create_index("ix_officers_last_name", "officers", ["last_name"], unique=False)

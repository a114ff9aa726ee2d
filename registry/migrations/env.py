"""Alembic environment: migrates the database named by the configuration's sqlalchemy.url."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import registry.models  # noqa: F401 - registers every table on SQLModel.metadata
from registry.db import make_engine

config = context.config
target_metadata = SQLModel.metadata
# The officer search's trigram index (migration 0018): an FTS5 table and its shadow tables on
# SQLite, a pg_trgm GIN index on PostgreSQL. The database's own machinery, not a model's.
SEARCH_INDEX = ("officer_search", "ix_officers_search_text_trgm")


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    return not (type_ in ("table", "index") and name and name.startswith(SEARCH_INDEX))


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()

"""The officer search: `GET /api/v1/officers?q=` and the console's Officers page.

A term matches an officer whose POST id or full name ("first last") *contains* it, accents and
case aside (`emile` finds Émile, `o'b` finds O'Brien, `00123` finds P0001234); `%`, `_` and `\\`
are plain characters. Results come by last name, first name and id.

What it costs does not grow with the state: the text looked in is `Officer.search_text` (folded
by `tables.people.folded`, the same on both databases), and a trigram index answers "contains"
(migration 0018): on SQLite an FTS5 table with the trigram tokenizer (`officer_search`, kept by
triggers), on PostgreSQL a pg_trgm GIN index. A term of fewer than three characters has no
trigram: it is a scan of the folded column (no function per row), bounded by the page's limit
when it matches often.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.errors import InvalidInput
from registry.people.service import CONTROL
from registry.tables.people import Agency, Officer, folded

# The migration's names for the index machinery (registry/migrations/env.py leaves them out of
# the comparison with the models: neither is one).
FTS_TABLE = "officer_search"
TRGM_INDEX = "ix_officers_search_text_trgm"
# A trigram index finds terms of this many characters and more.
SHORTEST_INDEXED = 3


def search_officers(
    session: Session, actor: Actor, q: str | None, limit: int = 50, offset: int = 0
) -> list[Officer]:
    """The officers the actor may see (their region's; every one for an administrator)
    matching `q`, a page of `limit` from `offset`."""
    query = select(Officer)
    if not actor.is_admin:
        query = query.join(Agency, col(Agency.id) == Officer.agency_id).where(
            actor.in_scope(Agency.region_id)
        )
    wanted = folded(_term(q))
    if wanted:
        query = query.where(_contains(session.get_bind().dialect.name, wanted))
    found: Any = Officer
    if len(wanted) >= SHORTEST_INDEXED:
        # The matches first, then their order: OFFSET 0 keeps the planner from walking the
        # name index and filtering instead (PostgreSQL estimates a term spread evenly through
        # the alphabet, and read 40,000 officers to reach "smith" at 50,000).
        found = aliased(Officer, query.offset(0).subquery("matches"))
        query = select(found)
    query = query.order_by(found.last_name, found.first_name, found.id)
    return list(session.exec(query.offset(offset).limit(limit)))


def _term(q: str | None) -> str:
    term = (q or "").strip()
    if CONTROL.search(term):
        raise InvalidInput("q must not contain control characters.", field="q", rule="format")
    return term


def _contains(dialect: str, wanted: str) -> sa.ColumnElement[bool]:
    """`search_text` contains `wanted` (folded), through the dialect's trigram index."""
    text = col(Officer.search_text)
    if dialect == "sqlite":
        if len(wanted) < SHORTEST_INDEXED:
            return sa.func.instr(text, wanted) > 0
        # An FTS5 phrase of the term: with the trigram tokenizer, a substring match.
        phrase = '"' + wanted.replace('"', '""') + '"'
        match = sa.literal_column(FTS_TABLE).op("MATCH")(phrase)
        return col(Officer.id).in_(
            sa.select(sa.column("officer_id")).select_from(sa.table(FTS_TABLE)).where(match)
        )
    # PostgreSQL: LIKE is what the pg_trgm GIN index answers (and rechecks).
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return text.like(f"%{escaped}%", escape="\\")

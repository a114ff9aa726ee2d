"""The columns every table spells the same way: a random UUID key, a UTC moment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlmodel import Field

from registry.common import UTCDateTime, new_uuid, utcnow


def key() -> Any:
    """A random UUID primary key, made when the row is."""
    return Field(default_factory=new_uuid, primary_key=True)


def moment(*, now: bool = False, optional: bool = False, index: bool = False) -> Any:
    """A timezone-aware UTC time: the row's creation time with `now`, NULL allowed with
    `optional` (then it defaults to NULL), indexed with `index`."""
    column: Column[Any] = Column(UTCDateTime, nullable=optional)
    if index:
        column = Column(UTCDateTime, nullable=optional, index=True)
    if optional:
        return Field(default=None, sa_column=column)
    if now:
        return Field(default_factory=utcnow, sa_column=column)
    return Field(sa_column=column)

"""Small shared pieces: time, ids and a UTC timestamp column type."""

from __future__ import annotations

import calendar
import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_Day = TypeVar("_Day", date, datetime)


def add_months(moment: _Day, months: int) -> _Day:
    """The same day `months` later (or earlier), the month's last day when it is shorter."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


def opaque_id(bits: int = 130) -> str:
    """A random, URL-safe, case-insensitive id (Crockford base32); 130 bits -> 26 characters."""
    value = secrets.randbits(bits)
    chars = []
    for _ in range((bits + 4) // 5):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (portable to SQLite) and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_M = TypeVar("_M", bound=BaseModel)


def copied(schema: type[_M], row: object, **extra: Any) -> _M:
    """`schema` made of `row`'s attributes of the same names, and `extra` for the others."""
    named = {
        n: getattr(row, n) for n in schema.model_fields.keys() - extra.keys() if hasattr(row, n)
    }
    return schema.model_validate({**named, **extra})

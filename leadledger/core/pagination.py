"""Keyset (cursor) pagination over a non-null sort column and the primary key."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeDecorator

from leadledger.core.config import get_settings
from leadledger.core.errors import InvalidInput

MAX_ID = 2**31 - 1  # ids fit a 32-bit integer column on every database


@dataclass(frozen=True)
class Sort:
    name: str  # as asked, e.g. "-created_at"
    column: InstrumentedAttribute
    descending: bool


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally
    (use with ``escape="\\"``)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def parse_sort(value: str, allowed: dict[str, InstrumentedAttribute]) -> Sort:
    name = value.removeprefix("-")
    if name not in allowed:
        raise InvalidInput(
            f"cannot sort by '{name}'; use one of: {', '.join(sorted(allowed))} "
            "(prefix with - for descending)",
            loc=["query", "sort"],
        )
    return Sort(value, allowed[name], value.startswith("-"))


def clamp_limit(limit: int) -> int:
    """A page size between 1 and ``LEADLEDGER_PAGE_SIZE_MAX``."""
    return max(1, min(limit, get_settings().page_size_max))


def encode_cursor(sort: Sort, sort_value: Any, row_id: int) -> str:
    if isinstance(sort_value, datetime):
        sort_value = {"dt": sort_value.isoformat()}
    raw = json.dumps([sort.name, sort_value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """The (sort value, id) a page starts after; refuses cursors of another sort or forged ones."""
    bad = InvalidInput("cursor is not one this server gave out", loc=["query", "cursor"])
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_name, value, row_id = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["dt"])
    except (ValueError, TypeError, KeyError) as exc:
        raise bad from exc
    if sort_name != sort.name:
        raise InvalidInput(
            f"cursor belongs to sort={sort_name}; ask again without a cursor",
            loc=["query", "cursor"],
        )
    column_type = sort.column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    expected = column_type.python_type
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id <= MAX_ID:
        raise bad
    if not isinstance(value, expected) or isinstance(value, bool):
        raise bad
    if isinstance(value, datetime) and value.tzinfo is None:
        raise bad
    if isinstance(value, int) and not 0 < value <= MAX_ID:
        raise bad
    return value, row_id


def paginate(
    stmt: Select, sort: Sort, id_column: InstrumentedAttribute, cursor: str | None, limit: int
) -> Select:
    """Order ``stmt`` by (sort, id), start after ``cursor``, fetch one extra row to see if more."""
    if cursor:
        value, row_id = decode_cursor(cursor, sort)
        if sort.descending:
            after = or_(sort.column < value, and_(sort.column == value, id_column < row_id))
        else:
            after = or_(sort.column > value, and_(sort.column == value, id_column > row_id))
        stmt = stmt.where(after)
    order = (sort.column.desc(), id_column.desc()) if sort.descending else (sort.column, id_column)
    return stmt.order_by(*order).limit(limit + 1)


def page_of(rows: list, sort: Sort, limit: int) -> tuple[list, str | None]:
    """Cut the extra row and make the cursor for the next page."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(sort, getattr(last, sort.column.key), last.id)

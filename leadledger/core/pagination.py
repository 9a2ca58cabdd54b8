"""Keyset (cursor) pagination over a non-null sort column and the primary key."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from leadledger.core.errors import InvalidInput


@dataclass(frozen=True)
class Sort:
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
    return Sort(allowed[name], value.startswith("-"))


def encode_cursor(sort_value: Any, row_id: int) -> str:
    if isinstance(sort_value, datetime):
        sort_value = {"dt": sort_value.isoformat()}
    raw = json.dumps([sort_value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, row_id = json.loads(raw)
        if isinstance(sort_value, dict):
            sort_value = datetime.fromisoformat(sort_value["dt"])
        if not isinstance(row_id, int):
            raise ValueError
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(
            "cursor is not one this server gave out", loc=["query", "cursor"]
        ) from exc
    return sort_value, row_id


def paginate(
    stmt: Select, sort: Sort, id_column: InstrumentedAttribute, cursor: str | None, limit: int
) -> Select:
    """Order ``stmt`` by (sort, id), start after ``cursor``, fetch one extra row to see if more."""
    if cursor:
        value, row_id = decode_cursor(cursor)
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
    return rows, encode_cursor(getattr(last, sort.column.key), last.id)

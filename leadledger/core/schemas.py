"""Pydantic field types and the base of every input schema."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from leadledger.core.errors import InvalidInput, describe, format_loc
from leadledger.core.normalize import normalize_country, normalize_domain, normalize_email
from leadledger.core.pagination import MAX_ID

M = TypeVar("M", bound=BaseModel)


class Input(BaseModel):
    """Base of input schemas: unknown fields refused, text trimmed, and text no database stores
    faithfully (NUL characters, lone surrogates) refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            check_text(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    check_text(item)
        return value


def check_text(value: str) -> str:
    """Refuse text no database stores faithfully: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("is not valid Unicode text") from exc
    return value


def _utc(value: datetime) -> datetime:
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date is out of range") from exc
    if not 1900 <= value.year <= 2200:
        raise ValueError("date must fall between the years 1900 and 2200")
    return value


def _depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests, counting no further than ``limit + 1``."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _finite_json(value: dict[str, Any]) -> dict[str, Any]:
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ValueError(f"nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except ValueError as exc:
        raise ValueError("NaN and Infinity are not JSON numbers") from exc
    check_text(text)
    if "\\u0000" in text:  # json.dumps writes a NUL as this escape
        raise ValueError("contains a NUL character")
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"is larger than {MAX_JSON_CHARS} characters as JSON")
    return value


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float):
        raise ValueError("give an ISO 8601 time with a time zone, e.g. 2026-11-02T09:30:00Z")
    return value


MAX_JSON_CHARS = 65_536
MAX_JSON_DEPTH = 32  # deeper documents are refused, never a stack overflow


Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
UtcDateTime = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_utc)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_finite_json)]


def _optional(fn):  # noqa: ANN001, ANN202
    return lambda v: fn(v) if v else None


Email = Annotated[str, Field(max_length=320), AfterValidator(_optional(normalize_email))]
Domain = Annotated[str, Field(max_length=255), AfterValidator(_optional(normalize_domain))]
Country = Annotated[
    str,
    Field(description="ISO 3166 alpha-2 code, e.g. GB"),
    AfterValidator(_optional(normalize_country)),
]


def parse_input(model: type[M], data: dict, *, prefix: str = "") -> M:
    """Validate ``data`` outside HTTP (CLI, imports); errors become one ``InvalidInput``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts, first = [], None
        for err in exc.errors():
            loc = [prefix, *err["loc"]] if prefix else list(err["loc"])
            first = first or loc
            parts.append(f"{format_loc(loc) or 'input'}: {describe(err)}")
        raise InvalidInput("; ".join(parts), loc=first) from exc

"""Pydantic field types and the base of every input schema."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from leadledger.core.errors import InvalidInput, format_loc
from leadledger.core.normalize import normalize_country, normalize_domain, normalize_email
from leadledger.core.pagination import MAX_ID

M = TypeVar("M", bound=BaseModel)


class Input(BaseModel):
    """Base of input schemas: unknown fields refused, text trimmed, NUL characters refused (no
    database stores them the same way)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value


def _utc(value: datetime) -> datetime:
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date is out of range") from exc
    if not 1900 <= value.year <= 2200:
        raise ValueError("date must fall between the years 1900 and 2200")
    return value


def _finite_json(value: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError as exc:
        raise ValueError("NaN and Infinity are not JSON numbers") from exc
    if "\\u0000" in json.dumps(value):
        raise ValueError("contains a NUL character")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
UtcDateTime = Annotated[AwareDatetime, AfterValidator(_utc)]
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
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            parts.append(f"{format_loc(loc) or 'input'}: {msg.removeprefix('Value error, ')}")
        raise InvalidInput("; ".join(parts), loc=first) from exc

"""Pydantic field types shared by the input schemas of every domain."""

from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, Field, ValidationError

from leadledger.core.errors import InvalidInput, format_loc
from leadledger.core.normalize import normalize_country, normalize_domain, normalize_email

M = TypeVar("M", bound=BaseModel)


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

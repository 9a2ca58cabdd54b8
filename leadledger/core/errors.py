"""One error hierarchy; every 4xx renders as ``{"error", "detail", "loc"}``."""

from collections.abc import Sequence


class LeadLedgerError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self, message: str, *, loc: Sequence[str | int] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.loc = list(loc) if loc else []
        if code:
            self.code = code

    def to_dict(self) -> dict:
        return {"error": self.code, "detail": self.message, "loc": self.loc}

    def headers(self) -> dict[str, str] | None:
        return None


class ConfigurationError(LeadLedgerError):
    """The settings are invalid; raised before anything connects."""

    status = 500
    code = "configuration"


class InvalidInput(LeadLedgerError):
    status = 422
    code = "invalid_input"


class Unauthorized(LeadLedgerError):
    status = 401
    code = "unauthorized"

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(LeadLedgerError):
    status = 403
    code = "forbidden"


class NotFound(LeadLedgerError):
    status = 404
    code = "not_found"


class Conflict(LeadLedgerError):
    status = 409
    code = "conflict"


class TooLarge(LeadLedgerError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(LeadLedgerError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(LeadLedgerError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


class Unavailable(LeadLedgerError):
    """A temporary condition (a busy database); the client should retry."""

    status = 503
    code = "unavailable"

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": "1"}


def describe(error: dict) -> str:
    """One Pydantic error in the project's words (every caller: API, CLI, contract)."""
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "missing":
        return "required field is missing"
    return error["msg"].removeprefix("Value error, ")


def format_loc(loc: Sequence[str | int]) -> str:
    """``("stages", 3, "name")`` -> ``stages[3].name``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out

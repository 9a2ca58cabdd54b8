from datetime import datetime
from typing import Any

from pydantic import BaseModel

from leadledger.core.schemas import Email, Input


class PrivacyRequest(Input):
    email: Email


class PrivacyExport(BaseModel):
    """Everything leadledger stores about one person."""

    email: str
    exported_at: datetime
    leads: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    transitions: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    intake_log: list[dict[str, Any]]  # failed captures that name them


class ErasureRead(BaseModel):
    email_hash: str
    erased_at: datetime
    leads: int
    activities: int
    transitions: int
    audit_events: int
    intake_errors: int
    import_error_files: int

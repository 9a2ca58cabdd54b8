from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Id, Input


class AuditFilters(Input):
    lead_id: Id | None = None
    actor_id: Id | None = None
    action: str | None = Field(
        default=None,
        max_length=60,
        pattern=r"^[a-z_.]+$",
        description="an action (lead.update) or every action on an entity (lead)",
    )


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    action: str
    entity: str | None
    entity_id: int | None
    lead_id: int | None
    actor: str
    actor_id: int | None
    source: str
    request_id: str | None
    client: str | None
    changes: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None

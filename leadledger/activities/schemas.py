from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Input, JsonObject, UtcDateTime


class ActivityCreate(Input):
    type: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,49}$", description="e.g. form_fill, call, email_reply"
    )
    at: UtcDateTime | None = Field(default=None, description="when it happened; default: now")
    payload: JsonObject = {}


class ActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lead_id: int
    type: str
    at: datetime
    payload: dict[str, Any]
    actor_id: int | None
    created_at: datetime

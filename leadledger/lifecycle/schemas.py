from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Input


class TransitionCreate(Input):
    to: str = Field(min_length=1, description="the target stage")
    reason: str | None = Field(
        default=None, max_length=50, description="a reason code of the contract"
    )
    note: str | None = Field(default=None, max_length=5000)


class TransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lead_id: int
    from_stage: str | None
    to_stage: str
    at: datetime
    actor: str
    actor_id: int | None
    reason: str | None
    note: str | None
    contract_version: int


class HistoryEntry(BaseModel):
    """One line of a lead's story: a stage move or an activity, in time order."""

    kind: Literal["transition", "activity"]
    at: datetime
    id: int
    summary: str
    detail: dict[str, Any]

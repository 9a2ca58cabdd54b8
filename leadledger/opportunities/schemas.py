from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Input


class OpportunityRecord(Input):
    """Open (or re-price) a lead's opportunity, and optionally close it won or lost. The lead
    is moved to the contract's opportunity stage first if it is not there yet."""

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2, description="pipeline value")
    expected_close_on: date | None = None
    outcome: Literal["won", "lost"] | None = Field(
        default=None, description="close it: won (customer) or lost (with a reason)"
    )
    reason: str | None = Field(default=None, max_length=50, description="a lost reason code")


class OpportunityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lead_id: int
    amount: Decimal
    expected_close_on: date | None
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None

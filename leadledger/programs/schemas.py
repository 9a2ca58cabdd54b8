from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leadledger.core.schemas import Input
from leadledger.leads.schemas import Channel

Money = Decimal


class ProgramCreate(Input):
    name: str = Field(min_length=1, max_length=200, description="as leads and forms name it")
    channel: Channel | None = None
    owner_team: str | None = Field(default=None, max_length=64, description="a team key")
    starts_on: date | None = None
    ends_on: date | None = None
    description: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _dates_in_order(self) -> "ProgramCreate":
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError(f"ends_on {self.ends_on} is before starts_on {self.starts_on}")
        return self


class CostCreate(Input):
    """A cost for a period; both dates inclusive (a month: its first and last day)."""

    period_start: date
    period_end: date
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _period_in_order(self) -> "CostCreate":
        if self.period_end < self.period_start:
            raise ValueError(
                f"period_end {self.period_end} is before period_start {self.period_start}"
            )
        return self


class CostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    program_id: int
    period_start: date
    period_end: date
    amount: Decimal
    note: str
    created_at: datetime


class ProgramRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    channel: str | None
    owner_team_id: int | None
    starts_on: date | None
    ends_on: date | None
    description: str
    total_cost: Decimal = Decimal("0")
    leads: int = 0
    created_at: datetime

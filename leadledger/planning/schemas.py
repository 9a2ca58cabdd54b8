from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Input

Rate = float


class RatesIn(Input):
    lead_to_mql: Rate | None = Field(default=None, ge=0, le=1)
    mql_to_sql: Rate | None = Field(default=None, ge=0, le=1)
    sql_to_opportunity: Rate | None = Field(default=None, ge=0, le=1)
    opportunity_to_customer: Rate | None = Field(default=None, ge=0, le=1)


class AssumptionsIn(Input):
    """A rates file (``--rates FILE``, YAML or JSON) or the API's ``rates`` object. What it
    leaves out is measured from the data."""

    rates: RatesIn = RatesIn()
    deal_size: float | None = Field(default=None, ge=0)
    cycle_days: float | None = Field(default=None, ge=0)
    nurture_reactivation_rate: float | None = Field(default=None, ge=0, le=1)
    inbound_leads_per_week: float | None = Field(default=None, ge=0)
    open_pipeline: float | None = Field(default=None, ge=0)
    nurture_pool: int | None = Field(default=None, ge=0)


class PlanCreate(Input):
    name: str = Field(default="", max_length=200)
    revenue: float = Field(description="the revenue target; more than 0")
    period: str = Field(description="2027-Q1, 2027-03, 2027 or 2027-01-01..2027-03-31")
    deal_size: float | None = Field(default=None, description="default: contract or measured")
    rates: Literal["measured", "contract"] | AssumptionsIn = "measured"
    save: bool = Field(default=True, description="false: compute only, store nothing")


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int | None
    name: str
    period: str
    starts_on: date
    ends_on: date
    revenue: Decimal
    deal_size: Decimal
    rates_source: str
    assumptions: dict[str, Any]
    result: dict[str, Any]
    contract_version: int
    created_by: str
    created_at: datetime

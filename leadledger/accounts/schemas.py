from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Country, Domain, Id, Input


class AccountCreate(Input):
    name: str = Field(min_length=1, max_length=300)
    domain: Domain | None = None
    industry: str | None = Field(default=None, max_length=100)
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    country: Country | None = None
    owner_id: Id | None = None


class AccountFilters(Input):
    q: str | None = Field(default=None, max_length=200, description="text in name or domain")


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    domain: str | None
    industry: str | None
    employees: int | None
    country: str | None
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


class AccountPage(BaseModel):
    items: list[AccountRead]
    next_cursor: str | None

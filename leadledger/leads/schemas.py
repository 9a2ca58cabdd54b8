from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leadledger.core.schemas import Country, Domain, Email, Id, Input, JsonObject, UtcDateTime


class Channel(StrEnum):
    """How a lead first reached us."""

    web_form = "web_form"
    content_download = "content_download"
    webinar = "webinar"
    event = "event"
    paid_search = "paid_search"
    social = "social"
    email = "email"
    referral = "referral"
    partner = "partner"
    purchased_list = "purchased_list"
    outbound = "outbound"
    other = "other"


class LeadFields(Input):
    """The editable person fields, normalised on the way in."""

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=200)
    company_name: str | None = Field(default=None, max_length=300)
    domain: Domain | None = None
    country: Country | None = None
    program: str | None = Field(default=None, max_length=200)
    account_id: Id | None = None
    owner_id: Id | None = None
    custom: JsonObject | None = Field(default=None, description="your own fields; merged on PATCH")
    consent_source: str | None = Field(
        default=None, max_length=200, description="where the person opted in (form, event...)"
    )
    consent_at: UtcDateTime | None = Field(default=None, description="when they opted in")
    unsubscribed_at: UtcDateTime | None = Field(
        default=None, description="when they unsubscribed; null to subscribe again"
    )
    do_not_call: bool | None = None

    @field_validator("custom")
    @classmethod
    def _custom_not_null(cls, v: dict | None) -> dict:
        if v is None:
            raise ValueError("cannot be null; send {} for no custom fields")
        return v

    @field_validator("do_not_call")
    @classmethod
    def _flag_not_null(cls, v: bool | None) -> bool:
        if v is None:
            raise ValueError("cannot be null; send true or false")
        return v


class LeadCreate(LeadFields):
    source: Channel = Channel.other
    stage: str | None = Field(
        default=None, description="an entry stage; the contract's first by default"
    )
    creating_team_id: Id | None = Field(default=None, description="default: the creator's team")

    @model_validator(mode="after")
    def _reachable(self) -> "LeadCreate":
        if not self.email and not self.phone:
            raise ValueError("a lead needs an email or a phone number")
        return self


class LeadUpdate(LeadFields):
    """Every field optional; ``stage`` is not here: moves go through ``/transitions``."""

    source: Channel | None = None

    @field_validator("source")
    @classmethod
    def _source_not_null(cls, v: Channel | None) -> Channel:
        if v is None:
            raise ValueError("cannot be null; use 'other' when the channel is not known")
        return v


class LeadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    company_name: str | None
    domain: str | None
    country: str | None
    source: Channel | None
    program: str | None
    account_id: int | None
    creating_team_id: int | None
    created_by_id: int | None
    owner_id: int | None
    custom: dict[str, Any]
    stage: str
    stage_changed_at: datetime
    contract_version: int
    mql_at: datetime | None
    sal_at: datetime | None
    sql_at: datetime | None
    opportunity_at: datetime | None
    converted_at: datetime | None
    closed_at: datetime | None
    recycle_count: int
    last_activity_at: datetime | None
    company_key: str | None
    seniority: str | None
    department: str | None
    utm: dict[str, str]
    via: str | None
    raw: dict[str, Any]
    problems: dict[str, str]
    consent_source: str | None
    consent_at: datetime | None
    unsubscribed_at: datetime | None
    do_not_call: bool
    erased_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LeadPage(BaseModel):
    items: list[LeadRead]
    next_cursor: str | None


class LeadFilters(Input):
    stage: list[str] = []
    owner_id: Id | None = None
    team_id: Id | None = None
    source: Channel | None = None
    created_from: UtcDateTime | None = None
    created_to: UtcDateTime | None = None
    q: str | None = Field(default=None, max_length=200)

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from leadledger.core.schemas import Id, Input, JsonObject, UtcDateTime
from leadledger.leads.schemas import Channel

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class CaptureIn(Input):
    """A lead as it arrives: values are taken raw, cleaned by ``capture.normalize``, and kept
    raw beside the clean ones. An invalid e-mail or phone is flagged, not refused, as long as
    the lead keeps a valid way to reach them (the contract's ``capture.require``)."""

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=60)
    title: str | None = Field(default=None, max_length=200)
    company_name: str | None = Field(default=None, max_length=300)
    website: str | None = Field(default=None, max_length=2000)
    country: str | None = Field(default=None, max_length=100)
    source: Channel = Channel.other
    program: str | None = Field(default=None, max_length=200)
    utm_source: str | None = Field(default=None, max_length=200)
    utm_medium: str | None = Field(default=None, max_length=200)
    utm_campaign: str | None = Field(default=None, max_length=200)
    utm_term: str | None = Field(default=None, max_length=200)
    utm_content: str | None = Field(default=None, max_length=200)
    custom: JsonObject = {}
    consent_source: str | None = Field(default=None, max_length=200)
    consent_at: UtcDateTime | None = None
    do_not_call: bool | None = None
    stage: str | None = Field(default=None, max_length=50)
    activity: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]{0,49}$",
        description="what the person did, as an activity type (demo_request, contact_sales...)",
    )
    account_id: Id | None = None
    owner_id: Id | None = None
    creating_team_id: Id | None = None


class CaptureResult(BaseModel):
    outcome: Literal["created", "merged"]
    lead_id: int
    problems: dict[str, str] = Field(
        default={}, description="values kept raw and flagged because they could not be cleaned"
    )


class BatchIn(Input):
    leads: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class BatchItem(BaseModel):
    index: int
    outcome: Literal["created", "merged", "rejected"]
    lead_id: int | None = None
    problems: dict[str, str] = {}
    error: dict[str, Any] | None = Field(
        default=None, description="for a rejected item: the error in the API's one shape"
    )


class BatchResult(BaseModel):
    created: int
    merged: int
    rejected: int
    items: list[BatchItem]


class IntakeErrorRead(BaseModel):
    model_config = {"from_attributes": True}

    id: int
    at: datetime
    channel: str
    via: str | None
    client: str | None
    reason: str
    loc: list[Any]
    payload: Any
    replayed_at: datetime | None
    lead_id: int | None


class IntakeErrorPage(BaseModel):
    items: list[IntakeErrorRead]
    next_cursor: str | None

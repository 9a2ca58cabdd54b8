from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from leadledger.core.schemas import Input
from leadledger.leads.schemas import Channel

NAME_PATTERN = r"^[a-z][a-z0-9_-]*$"
FieldName = Annotated[str, Field(min_length=1, max_length=80)]


class FormCreate(Input):
    name: str = Field(pattern=NAME_PATTERN, max_length=64, description="e.g. contact-us")
    fields: list[FieldName] = Field(
        min_length=1,
        max_length=50,
        description="the allow-list: first_name, last_name, email, phone, title, company_name, "
        "website, country, consent_source, or custom.KEY; anything else a browser sends is "
        "ignored",
    )
    required: list[FieldName] = Field(
        default=[], max_length=50, description="fields a post must fill (a subset of fields)"
    )
    program: str | None = Field(
        default=None, max_length=200, description="the program every lead of this form credits"
    )
    source: Channel = Field(default=Channel.web_form, description="the channel of its leads")
    redirect_url: str | None = Field(
        default=None, max_length=2000, description="where a browser goes after posting"
    )
    team: str | None = Field(
        default=None, max_length=64, description="key of the team its leads are credited to"
    )


class FormUpdate(Input):
    """Any subset; ``active: false`` archives the form (its key then answers 404)."""

    fields: list[FieldName] | None = Field(default=None, min_length=1, max_length=50)
    required: list[FieldName] | None = Field(default=None, max_length=50)
    program: str | None = Field(default=None, max_length=200)
    redirect_url: str | None = Field(default=None, max_length=2000)
    active: bool | None = None


class FormRead(BaseModel):
    id: int
    name: str
    public_key: str
    url: str = Field(description="where the form posts: LEADLEDGER_PUBLIC_URL/f/{public_key}")
    fields: list[str]
    required: list[str]
    program: str | None
    source: Channel
    redirect_url: str | None
    team_id: int | None
    active: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime

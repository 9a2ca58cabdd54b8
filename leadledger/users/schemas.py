from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from leadledger.contract.schemas import KEY_PATTERN
from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.schemas import Email, Input
from leadledger.users.models import Role


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    kind: TeamKind


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    team_id: int | None
    active: bool


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TeamCreate(Input):
    key: str = Field(pattern=KEY_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: TeamKind


class UserCreate(Input):
    email: Email
    role: Role
    name: str = Field(default="", max_length=200)
    team: str | None = Field(default=None, max_length=64)


class TokenCreate(Input):
    name: str = Field(min_length=1, max_length=200, description="what the token is for")

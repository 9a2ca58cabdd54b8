from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from leadledger.contract.schemas import KEY_PATTERN
from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.schemas import Email, Id, Input, UtcDateTime
from leadledger.users.models import Role, TokenScope
from leadledger.users.permissions import Permission, Reach


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    kind: TeamKind
    parent_id: int | None


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
    scope: TokenScope
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="shown only this once; only its hash is stored")


class Me(BaseModel):
    user: UserRead
    permissions: list[Permission]
    reach: Reach
    team_ids: list[int]


class TeamCreate(Input):
    key: str = Field(pattern=KEY_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: TeamKind
    parent: str | None = Field(default=None, max_length=64, description="key of the parent team")


class UserCreate(Input):
    email: Email
    role: Role
    name: str = Field(default="", max_length=200)
    team: str | None = Field(default=None, max_length=64)


class UserUpdate(Input):
    """A change of role, team or status; audited as a permission change."""

    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    team_id: Id | None = None
    active: bool | None = None


class TokenCreate(Input):
    name: str = Field(min_length=1, max_length=200, description="what the token is for")
    scope: TokenScope = TokenScope.write
    expires_at: UtcDateTime | None = Field(default=None, description="default: never")

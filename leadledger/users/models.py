from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.audit import AuditSpec
from leadledger.core.clock import utcnow
from leadledger.core.db import Base, TimestampMixin


class Role(StrEnum):
    admin = "admin"
    leader = "leader"
    marketing = "marketing"
    sdr = "sdr"
    ae = "ae"
    partner = "partner"


class TokenScope(StrEnum):
    """What an API token may do, within its user's role (see ``permissions.SCOPES``)."""

    capture = "capture"
    read = "read"
    write = "write"
    admin = "admin"


class Team(Base, TimestampMixin):
    __tablename__ = "team"
    __audit__ = AuditSpec(entity="team", actions={"parent_id": "permission_change"})

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TeamKind] = mapped_column(Enum(TeamKind, native_enum=False, length=20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)


class User(Base, TimestampMixin):
    __tablename__ = "user"
    __audit__ = AuditSpec(
        entity="user",
        actions={
            "role": "permission_change",
            "team_id": "permission_change",
            "active": "permission_change",
        },
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team | None] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_token"
    __audit__ = AuditSpec(
        entity="api_token",
        exclude=frozenset({"token_hash", "last_used_at"}),
        actions={"revoked_at": "revoke"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[TokenScope] = mapped_column(
        Enum(TokenScope, native_enum=False, length=20), default=TokenScope.write
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

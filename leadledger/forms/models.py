from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base, TimestampMixin


class Form(Base, TimestampMixin):
    """A web form that posts to ``/f/{public_key}`` without a token. What it may set is fixed
    here, never by the browser: the allowed fields, the program it credits, the team."""

    __tablename__ = "form"
    __audit__ = AuditSpec(entity="form")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(40), unique=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    required: Mapped[list[str]] = mapped_column(JSON)
    program: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(50))
    redirect_url: Mapped[str | None] = mapped_column(String(2000))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None]

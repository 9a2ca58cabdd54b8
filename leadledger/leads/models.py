from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.clock import utcnow
from leadledger.core.db import Base


class Lead(Base):
    """A person. ``stage`` and the milestone timestamps are written only by ``lifecycle``."""

    __tablename__ = "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))
    company_name: Mapped[str | None] = mapped_column(String(300), index=True)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str | None] = mapped_column(String(50), index=True)
    program: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    creating_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    stage: Mapped[str] = mapped_column(String(50), index=True)
    stage_changed_at: Mapped[datetime]
    contract_version: Mapped[int] = mapped_column(Integer)
    mql_at: Mapped[datetime | None]
    sal_at: Mapped[datetime | None]
    sql_at: Mapped[datetime | None]
    opportunity_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    recycle_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

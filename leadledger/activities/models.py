from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.clock import utcnow
from leadledger.core.db import Base


class Activity(Base):
    """A touch or event on a lead (form fill, webinar, call, e-mail reply...). Append-only."""

    __tablename__ = "activity"
    __audit__ = AuditSpec(entity="activity", lead="lead_id")
    __table_args__ = (
        Index("ix_activity_lead_id_at", "lead_id", "at"),
        Index("ix_activity_type_at", "type", "at"),  # service-level and backtest reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    type: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

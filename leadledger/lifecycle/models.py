from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base


class LeadTransition(Base):
    """One move of a lead between stages. Append-only: rows are never updated or deleted."""

    __tablename__ = "lead_transition"
    __audit__ = AuditSpec(entity="lead_transition", lead="lead_id")
    __table_args__ = (
        Index("ix_lead_transition_lead_id_at", "lead_id", "at"),
        Index("ix_lead_transition_to_stage_at", "to_stage", "at"),
        # covers the reports' per-lead reads (first entry into each stage) without the table
        Index("ix_lead_transition_lead_id_to_stage_at", "lead_id", "to_stage", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    from_stage: Mapped[str | None] = mapped_column(String(50))
    to_stage: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)
    contract_version: Mapped[int] = mapped_column(Integer)

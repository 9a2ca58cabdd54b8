from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base, TimestampMixin
from leadledger.programs.models import MONEY


class Opportunity(Base, TimestampMixin):
    """The pipeline a lead became: one per lead, with its amount and expected close date.
    ``opportunities.service`` writes it beside the lifecycle move it asks for; the stage itself
    stays with ``lifecycle``. ``outcome`` is ``won`` or ``lost`` once closed."""

    __tablename__ = "opportunity"
    __audit__ = AuditSpec(entity="opportunity", lead="lead_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    outcome: Mapped[str | None] = mapped_column(String(10))

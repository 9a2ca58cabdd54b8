from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.clock import utcnow
from leadledger.core.db import Base
from leadledger.programs.models import MONEY


class Plan(Base):
    """A plan backwards from revenue, stored with the assumptions it used so plan-vs-actual
    compares against what was agreed, not against today's rates."""

    __tablename__ = "plan"
    __audit__ = AuditSpec(entity="plan")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    revenue: Mapped[Decimal] = mapped_column(MONEY)
    deal_size: Mapped[Decimal] = mapped_column(MONEY)
    rates_source: Mapped[str] = mapped_column(String(300))
    assumptions: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    contract_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.clock import utcnow
from leadledger.core.db import Base, TimestampMixin

MONEY = Numeric(14, 2)


class Program(Base, TimestampMixin):
    """A marketing program (campaign). Leads name it as their first touch (``lead.program_id``,
    with its name kept in ``lead.program``); later touches name it in their activity payload."""

    __tablename__ = "program"
    __audit__ = AuditSpec(entity="program")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str | None] = mapped_column(String(50))
    owner_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")


class ProgramCost(Base):
    """One cost entry of a program for a period (dates inclusive). Costs are their own rows and
    are summed on their own, never through a join with leads, so nothing multiplies them."""

    __tablename__ = "program_cost"
    __audit__ = AuditSpec(entity="program_cost")

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

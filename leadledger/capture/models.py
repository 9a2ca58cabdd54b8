from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.db import Base


class IdempotencyKey(Base):
    """The first answer to a request sent with an ``Idempotency-Key``: the same key and body
    get it again, and nothing is created twice."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))  # whose key: a token or a form
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)


class IntakeError(Base):
    """A capture attempt that failed (bad payload, rate-limited, rejected row, spam), with its
    raw payload, kept for ``LEADLEDGER_INTAKE_RETENTION_DAYS`` so it can be fixed and replayed."""

    __tablename__ = "intake_error"
    __table_args__ = (Index("ix_intake_error_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))  # api, batch, form, import
    via: Mapped[str | None] = mapped_column(String(200))
    client: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    loc: Mapped[list[Any]] = mapped_column(JSON, default=list)
    payload: Mapped[Any] = mapped_column(JSON)
    replayed_at: Mapped[datetime | None]
    lead_id: Mapped[int | None] = mapped_column(Integer)


class RateCounter(Base):
    """Requests per key in the current window (a row, so every process shares the count)."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer)

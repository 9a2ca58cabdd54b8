from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base


class ScoreHistory(Base):
    """A lead's scores each time they changed, with what judged them. Append-only: the
    lead's own columns hold only the latest."""

    __tablename__ = "score_history"
    __table_args__ = (Index("ix_score_history_lead_id_as_of", "lead_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    as_of: Mapped[datetime]
    fit_grade: Mapped[str] = mapped_column(String(2))
    fit_points: Mapped[int] = mapped_column(Integer)
    engagement_score: Mapped[float] = mapped_column(Float)
    predictive_score: Mapped[float | None] = mapped_column(Float)
    contract_version: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(30))  # capture, activity, contract, decay...
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rules fired, decision


class QualificationAnswer(Base):
    """One answer of an SDR to one of the contract's SQL criteria (budget, authority...).
    Append-only: a lead's latest answer per criterion is its current one."""

    __tablename__ = "qualification_answer"
    __audit__ = AuditSpec(entity="qualification_answer", lead="lead_id")
    __table_args__ = (Index("ix_qualification_answer_lead_id_criterion", "lead_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    criterion: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(20))  # met, not_met, unknown
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    contract_version: Mapped[int] = mapped_column(Integer)


class ScoreModel(Base):
    """A trained predictive model: its JSON document (``scoring.predict`` reads it) and how it
    did in cross-validation. At most one is active; versions are never changed but for it."""

    __tablename__ = "score_model"
    __audit__ = AuditSpec(entity="score_model", exclude=frozenset({"model"}))
    __table_args__ = (
        Index(
            "uq_score_model_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    target: Mapped[str] = mapped_column(String(20))
    algorithm: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    trained_at: Mapped[datetime]
    trained_by: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    positives: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    features: Mapped[list[str]] = mapped_column(JSON)
    contract_version: Mapped[int] = mapped_column(Integer)
    model: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed JSON

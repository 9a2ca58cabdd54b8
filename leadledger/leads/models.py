from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.clock import utcnow
from leadledger.core.db import Base

SCORE_FIELDS = (
    "fit_grade",
    "fit_points",
    "engagement_score",
    "predictive_score",
    "scored_at",
    "rescore_at",
)


class Lead(Base):
    """A person. ``stage`` and the milestone timestamps are written only by ``lifecycle``."""

    __tablename__ = "lead"
    __audit__ = AuditSpec(
        entity="lead",
        lead="id",
        actions={"stage": "transition", "owner_id": "assign"},
        # scores change on every capture and activity; their trail is scoring's score_history
        exclude=frozenset({"updated_at", *SCORE_FIELDS}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))
    company_name: Mapped[str | None] = mapped_column(String(300), index=True)
    company_key: Mapped[str | None] = mapped_column(String(300), index=True)  # matching key
    seniority: Mapped[str | None] = mapped_column(String(30))
    department: Mapped[str | None] = mapped_column(String(30))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str | None] = mapped_column(String(50), index=True)
    program: Mapped[str | None] = mapped_column(String(200))  # the first-touch program's name
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), index=True)
    utm: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    via: Mapped[str | None] = mapped_column(String(200))  # form:<key>, api:<token>, import:<id>
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    creating_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as captured, unnormalised
    problems: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # field -> why flagged

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

    # the latest scores, written only by ``scoring`` (its history keeps every earlier value)
    fit_grade: Mapped[str | None] = mapped_column(String(2), index=True)  # A+ .. D
    fit_points: Mapped[int | None] = mapped_column(Integer)
    engagement_score: Mapped[float | None] = mapped_column(Float)  # decayed, as of scored_at
    predictive_score: Mapped[float | None] = mapped_column(Float)  # probability, 0..1
    scored_at: Mapped[datetime | None]
    rescore_at: Mapped[datetime | None] = mapped_column(index=True)  # next decay crossing

    # contact preferences (consent is the opt-in: where and when the person gave it)
    consent_source: Mapped[str | None] = mapped_column(String(200))
    consent_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    erased_at: Mapped[datetime | None]  # personal fields blanked on the person's request

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

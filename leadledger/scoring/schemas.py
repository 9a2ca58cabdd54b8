from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Input


class Target(StrEnum):
    """What the predictive score is the probability of reaching."""

    customer = "customer"
    opportunity = "opportunity"
    sql = "sql"


class Answer(Input):
    value: Literal["met", "not_met", "unknown"]
    note: str | None = Field(default=None, max_length=2000, description="what the SDR learned")


class QualificationIn(Input):
    """The SDR's answers, by criterion key of the contract (budget, authority, need,
    timeline by default); criteria not named keep their earlier answer."""

    criteria: dict[str, Answer] = Field(min_length=1, max_length=50)


class CriterionRead(BaseModel):
    key: str
    label: str
    question: str
    value: str | None
    note: str | None
    at: datetime | None
    actor: str | None


class QualificationRead(BaseModel):
    lead_id: int
    criteria: list[CriterionRead]
    min_met: int
    required: list[str]
    met: list[str]
    missing: list[str]
    sql_ready: bool = Field(description="a move to the SQL stage would pass the contract's gate")
    message: str


class FitRuleRead(BaseModel):
    id: str
    field: str
    points: int
    exclude: bool
    value: Any


class FitRead(BaseModel):
    grade: str
    points: int
    excluded_by: str | None
    rules: list[FitRuleRead]


class EngagementLineRead(BaseModel):
    type: str
    count: int
    points: float = Field(description="before decay, after the daily caps")
    value: float = Field(description="decayed to as_of")
    last_at: datetime
    capped: int


class EngagementRead(BaseModel):
    score: float
    half_life_days: float
    activities: list[EngagementLineRead]


class ContributionRead(BaseModel):
    feature: str
    value: Any
    contribution: float = Field(description="in log-odds: positive raises the score")


class PredictiveRead(BaseModel):
    score: float
    model_version: int
    target: str
    algorithm: str
    top_features: list[ContributionRead]


class RuleCheckRead(BaseModel):
    rule: str
    met: bool
    why: str


class MqlRead(BaseModel):
    decision: str
    rules: list[RuleCheckRead]


class ScoreRead(BaseModel):
    lead_id: int
    stage: str
    as_of: datetime
    contract_version: int
    fit: FitRead
    engagement: EngagementRead
    predictive: PredictiveRead | None
    mql: MqlRead
    scored_at: datetime | None = Field(description="when the stored scores were computed")


class ScoreHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    as_of: datetime
    fit_grade: str
    fit_points: int
    engagement_score: float
    predictive_score: float | None
    contract_version: int
    model_version: int | None
    trigger: str
    detail: dict[str, Any]


class ScoreModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    target: str
    algorithm: str
    active: bool
    trained_at: datetime
    trained_by: str
    rows: int
    positives: int
    contract_version: int
    features: list[str]
    metrics: dict[str, Any]

"""The lead contract as frozen Pydantic models. Parsing and line numbers live in ``rules.py``."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leadledger.core.schemas import Input


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


Key = str  # a lower-case slug: letters, digits, underscores
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


class StageCategory(StrEnum):
    open = "open"  # marketing's side: not yet accepted by sales
    working = "working"  # sales development or sales is working it
    won = "won"
    lost = "lost"
    parked = "parked"  # nurture: not now, back to marketing


class Milestone(StrEnum):
    """Which denormalised timestamp on the lead a stage sets the first time it is reached."""

    mql = "mql"
    sal = "sal"
    sql = "sql"
    opportunity = "opportunity"


class Stage(Frozen):
    name: str = Field(pattern=KEY_PATTERN)
    label: str
    category: StageCategory
    order: int
    description: str = ""
    milestone: Milestone | None = None
    entry: bool = Field(default=False, description="a new lead may start in this stage")
    reason_required: bool = False
    reason_lists: tuple[str, ...] = Field(
        default=(), description="names under `reasons` whose codes are valid reasons here"
    )


class Transition(Frozen):
    from_: str = Field(alias="from")
    to: tuple[str, ...] = ()


class FitOp(StrEnum):
    in_ = "in"
    not_in = "not_in"
    gte = "gte"
    lte = "lte"
    between = "between"
    contains_any = "contains_any"  # case-insensitive words in a text field, e.g. title
    present = "present"


class FitField(StrEnum):
    industry = "industry"
    employees = "employees"
    country = "country"
    title = "title"
    seniority = "seniority"
    source = "source"
    email_domain_kind = "email_domain_kind"  # business / free


class FitRule(Frozen):
    id: str = Field(pattern=KEY_PATTERN)
    field: FitField
    op: FitOp
    value: Any = None
    points: int = Field(ge=-100, le=100)
    description: str = ""


class FitGrades(Frozen):
    A: int
    B: int
    C: int


class IdealCustomerProfile(Frozen):
    description: str = ""
    rules: tuple[FitRule, ...]
    grades: FitGrades = Field(description="minimum fit points for grades A, B, C; below C is D")


class Engagement(Frozen):
    half_life_days: float = Field(gt=0)
    points: dict[str, int] = Field(min_length=1)
    hand_raise: tuple[str, ...] = ()


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class MqlDefinition(Frozen):
    min_fit_grade: Grade
    min_engagement: float = Field(ge=0)
    hand_raise_min_fit_grade: Grade | None = Field(
        default=None, description="a hand-raise makes an MQL at this fit or better; null: never"
    )


class SqlCriterion(Frozen):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    question: str = ""


class SqlDefinition(Frozen):
    criteria: tuple[SqlCriterion, ...] = Field(min_length=1)
    min_met: int = Field(ge=1)


class Reason(Frozen):
    code: str = Field(pattern=KEY_PATTERN)
    label: str


class ServiceLevelAction(StrEnum):
    notify_owner = "notify_owner"
    escalate = "escalate"
    reassign = "reassign"


class ServiceLevel(Frozen):
    id: str = Field(pattern=KEY_PATTERN)
    label: str
    starts_on_stage: str
    stops_on_stages: tuple[str, ...] = Field(default=(), description="reaching any ends the timer")
    stops_on_activity: tuple[str, ...] = Field(default=(), description="any of these ends it")
    within_hours: float = Field(gt=0)
    business_hours: bool = True
    on_breach: tuple[ServiceLevelAction, ...] = ()


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


class Calendar(Frozen):
    timezone: str = "UTC"
    workdays: tuple[Weekday, ...] = (
        Weekday.mon,
        Weekday.tue,
        Weekday.wed,
        Weekday.thu,
        Weekday.fri,
    )
    start: str = Field(default="09:00", pattern=r"^\d{2}:\d{2}$")
    end: str = Field(default="17:30", pattern=r"^\d{2}:\d{2}$")
    holidays: tuple[str, ...] = Field(default=(), description="ISO dates")


class Team(StrEnum):
    """The sourcing teams: who creates a lead decides who it is sourced by."""

    marketing = "marketing"
    sdr = "sdr"
    sales = "sales"
    partner = "partner"


class RoutingMethod(StrEnum):
    round_robin = "round_robin"
    weighted = "weighted"
    account_owner = "account_owner"
    creator = "creator"


class RoutingRule(Frozen):
    id: str = Field(pattern=KEY_PATTERN)
    description: str = ""
    when: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="lead field -> accepted values; all must match"
    )
    team: str = Field(description="key of the team whose members may receive the lead")
    method: RoutingMethod = RoutingMethod.round_robin


class Routing(Frozen):
    rules: tuple[RoutingRule, ...] = ()
    default_team: str


class Ownership(Frozen):
    split: dict[Team, float] = Field(description="percent of sourced pipeline each team owns")
    qualification_owner: Team


class RecycleRule(Frozen):
    max_cycles: int = Field(ge=0)
    nurture_stage: str
    reactivation_stage: str
    reactivation_min_engagement: float = Field(ge=0)
    cooldown_days: int = Field(ge=0, default=0)


class CaptureRules(Frozen):
    default_region: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO country for phones without +code"
    )
    require: Literal["email_or_phone", "email"] = "email_or_phone"


class PlanRates(Frozen):
    """Assumed conversion between consecutive stages, 0..1 (``leadledger plan --rates
    contract``)."""

    lead_to_mql: float = Field(default=0.25, ge=0, le=1)
    mql_to_sql: float = Field(default=0.4, ge=0, le=1)
    sql_to_opportunity: float = Field(default=0.5, ge=0, le=1)
    opportunity_to_customer: float = Field(default=0.25, ge=0, le=1)


class Planning(Frozen):
    rates: PlanRates = PlanRates()
    deal_size: float | None = Field(default=None, gt=0, description="null: the measured average")
    cycle_days: float = Field(default=60, ge=0, description="days from new lead to won deal")
    nurture_reactivation_rate: float = Field(default=0.05, ge=0, le=1)
    measure_days: int = Field(default=180, ge=7, le=3660)


class Contract(Frozen):
    name: str
    description: str = ""
    stages: tuple[Stage, ...] = Field(min_length=2)
    transitions: tuple[Transition, ...]
    icp: IdealCustomerProfile
    engagement: Engagement
    mql: MqlDefinition
    sql: SqlDefinition
    reasons: dict[str, tuple[Reason, ...]]
    service_levels: tuple[ServiceLevel, ...] = ()
    calendar: Calendar = Calendar()
    routing: Routing
    ownership: Ownership
    recycle: RecycleRule
    capture: CaptureRules = CaptureRules()
    planning: Planning = Planning()

    # lookups used by the rules
    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def targets(self, from_stage: str) -> tuple[str, ...]:
        for t in self.transitions:
            if t.from_ == from_stage:
                return t.to
        return ()

    def entry_stages(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if s.entry)

    def default_entry_stage(self) -> str:
        """Where a lead starts when its creator names no stage: the furthest entry stage."""
        return max((s for s in self.stages if s.entry), key=lambda s: s.order).name

    def reason_codes(self, stage: Stage) -> tuple[str, ...]:
        return tuple(r.code for name in stage.reason_lists for r in self.reasons.get(name, ()))


class ContractVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    author: str
    reason: str
    active: bool
    created_at: datetime


class ContractRead(ContractVersionRead):
    contract: dict[str, Any]
    yaml: str


class ContractApply(Input):
    """Who agreed a contract change and why."""

    reason: str = Field(min_length=1, max_length=2000)
    author: str = Field(min_length=1, max_length=200)

"""The lead contract as frozen Pydantic models. Parsing and line numbers live in ``rules.py``."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    ends_with_any = "ends_with_any"  # e.g. a domain ending in .edu or .ac.uk
    present = "present"


class FitField(StrEnum):
    industry = "industry"  # the account's, else the lead's custom.industry
    employees = "employees"  # the account's, else custom.employees
    country = "country"
    region = "region"  # a name under icp.regions that holds the lead's country
    title = "title"
    seniority = "seniority"  # from the title at capture: c_level, vp, director, student...
    department = "department"  # from the title at capture: sales, marketing, it...
    source = "source"
    domain = "domain"  # the company's registrable domain (none for free mail)
    email_domain_kind = "email_domain_kind"  # business / free


CUSTOM_FIELD_PATTERN = r"^custom\.[A-Za-z0-9_]{1,64}$"
GRADE_PATTERN = r"^[ABCD][+-]?$"
GradeName = Annotated[str, Field(pattern=GRADE_PATTERN)]


def grade_rank(grade: str) -> int:
    """A+ 11, A 10, A- 9, B+ 8 ... D- 0: higher is a better fit."""
    letter = 3 - "ABCD".index(grade[0])
    return letter * 3 + {"+": 2, "-": 0}.get(grade[1:], 1)


def grade_at_least(grade: str, minimum: str) -> bool:
    """``minimum`` without a sign admits the whole letter: B-, B and B+ are all "at least B"."""
    if len(minimum) == 1:
        return grade_rank(grade[0]) >= grade_rank(minimum)
    return grade_rank(grade) >= grade_rank(minimum)


class FitRule(Frozen):
    id: str = Field(pattern=KEY_PATTERN)
    field: str = Field(description="a FitField, or custom.KEY for a custom field")
    op: FitOp
    value: Any = None
    points: int = Field(default=0, ge=-100, le=100)
    exclude: bool = Field(default=False, description="a match grades the lead D, whatever else")
    description: str = ""

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value in FitField.__members__ or re.match(CUSTOM_FIELD_PATTERN, value):
            return value
        known = ", ".join(FitField.__members__)
        raise ValueError(f"unknown field '{value}'; use one of: {known}, or custom.KEY")


class FitGrades(Frozen):
    A: int
    B: int
    C: int


class GradeBand(Frozen):
    grade: GradeName
    min: int | None = Field(default=None, description="least fit points, inclusive; null: none")
    max: int | None = Field(default=None, description="most fit points, inclusive; null: none")


class IdealCustomerProfile(Frozen):
    description: str = ""
    rules: tuple[FitRule, ...]
    grades: FitGrades | None = Field(
        default=None, description="minimum fit points for grades A, B, C; below C is D"
    )
    bands: tuple[GradeBand, ...] = Field(
        default=(), description="instead of grades: point ranges per grade, with + and -"
    )
    regions: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="region name -> ISO countries, for the region field"
    )

    @model_validator(mode="after")
    def _grades_or_bands(self) -> "IdealCustomerProfile":
        if (self.grades is None) == (not self.bands):
            raise ValueError("give either grades (A, B, C minimums) or bands, not both or neither")
        return self


class Engagement(Frozen):
    half_life_days: float = Field(gt=0)
    points: dict[str, int] = Field(min_length=1)
    hand_raise: tuple[str, ...] = ()
    daily_caps: dict[str, int] = Field(
        default_factory=dict, description="activity type -> most points it adds in one day"
    )
    capture_as: dict[str, str] = Field(
        default_factory=dict,
        description="channel -> the activity type a capture from it counts as (else capture)",
    )


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class MqlRule(Frozen):
    """One more way to become an MQL; every condition given must hold."""

    id: str = Field(pattern=KEY_PATTERN)
    description: str = ""
    min_fit_grade: GradeName | None = None
    min_engagement: float | None = None
    any_activity: tuple[str, ...] = Field(default=(), description="one of these activity types")
    within_days: float | None = Field(default=None, gt=0, description="... in the last N days")


class MqlDefinition(Frozen):
    min_fit_grade: GradeName
    min_engagement: float = Field(ge=0)
    hand_raise_min_fit_grade: GradeName | None = Field(
        default=None, description="a hand-raise makes an MQL at this fit or better; null: never"
    )
    hand_raise_within_days: float | None = Field(
        default=None, gt=0, description="a hand-raise counts this many days; null: always"
    )
    rules: tuple[MqlRule, ...] = ()

    def all_rules(self, engagement: Engagement) -> tuple[MqlRule, ...]:
        """The built-in rules (fit and engagement; hand-raise) followed by ``rules``."""
        built_in = [
            MqlRule(
                id="fit_and_engagement",
                min_fit_grade=self.min_fit_grade,
                min_engagement=self.min_engagement,
            )
        ]
        if self.hand_raise_min_fit_grade is not None and engagement.hand_raise:
            built_in.append(
                MqlRule(
                    id="hand_raise",
                    min_fit_grade=self.hand_raise_min_fit_grade,
                    any_activity=engagement.hand_raise,
                    within_days=self.hand_raise_within_days,
                )
            )
        return (*built_in, *self.rules)


BUILT_IN_MQL_RULES = ("fit_and_engagement", "hand_raise")


class SqlCriterion(Frozen):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    question: str = ""


class SqlDefinition(Frozen):
    criteria: tuple[SqlCriterion, ...] = Field(min_length=1)
    min_met: int = Field(ge=1)
    required: tuple[str, ...] = Field(default=(), description="criteria that must be among them")
    gate: bool = Field(
        default=True, description="a move to the stage with milestone sql needs them met"
    )


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

    def milestone_stage(self, milestone: Milestone) -> Stage | None:
        return next((s for s in self.stages if s.milestone == milestone), None)

    def qualification_gate(self, to: str) -> SqlDefinition | None:
        """The criteria a move to ``to`` must meet: the ``sql`` section's for the stage whose
        milestone is ``sql`` while ``sql.gate`` is on, else none."""
        stage = self.stage(to)
        if stage is not None and stage.milestone == Milestone.sql and self.sql.gate:
            return self.sql
        return None

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

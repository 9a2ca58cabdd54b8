"""Pure scoring rules: the fit grade from the ideal customer profile, the decayed engagement
score from activity times, the MQL decision (with the recycle rule) and the SQL criteria.
No session, clock or randomness: the service gathers the facts and passes ``now``."""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from leadledger.contract.schemas import (
    Contract,
    FitField,
    FitOp,
    FitRule,
    IdealCustomerProfile,
    Milestone,
    MqlRule,
    SqlDefinition,
    StageCategory,
    grade_at_least,
)

SECONDS_PER_DAY = 86_400.0

# --- fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FiredRule:
    id: str
    points: int
    exclude: bool
    field: str
    value: Any  # the lead's value that matched


@dataclass(frozen=True)
class FitResult:
    grade: str
    points: int
    fired: tuple[FiredRule, ...]
    excluded_by: str | None = None

    def explain(self) -> str:
        if self.excluded_by:
            return f"fit D: excluded by rule '{self.excluded_by}'"
        rules = ", ".join(f"{r.id} {r.points:+d}" for r in self.fired) or "no rule matched"
        return f"fit {self.grade} ({self.points} points: {rules})"


def _fact(icp: IdealCustomerProfile, facts: Mapping[str, Any], name: str) -> Any:
    if name.startswith("custom."):
        return (facts.get("custom") or {}).get(name.removeprefix("custom."))
    if name == FitField.region:
        country = facts.get("country")
        return tuple(r for r, countries in icp.regions.items() if country in countries) or None
    return facts.get(name)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


@lru_cache(maxsize=1024)
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w.lower()) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _matches(rule: FitRule, seen: Any) -> bool:
    if seen is None or seen == "":
        return False
    op, value = rule.op, rule.value
    if op == FitOp.present:
        return True
    if op in (FitOp.in_, FitOp.not_in):
        values = seen if isinstance(seen, tuple) else (seen,)  # a country in several regions
        wanted = {_norm(v) for v in value}
        hit = any(_norm(v) in wanted or _number(v) in wanted for v in values)
        return hit if op == FitOp.in_ else not hit
    if op == FitOp.contains_any:
        return bool(_words(tuple(str(v) for v in value)).search(str(seen).lower()))
    if op == FitOp.ends_with_any:
        text = str(seen).lower()
        return any(text.endswith(str(v).lower()) for v in value)
    number = _number(seen)
    if number is None:
        return False
    if op == FitOp.gte:
        return number >= value
    if op == FitOp.lte:
        return number <= value
    low, high = value
    return low <= number <= high


def fit_grade(icp: IdealCustomerProfile, facts: Mapping[str, Any]) -> FitResult:
    """Add the points of every matching rule and grade the sum by the contract's bands (or
    A/B/C minimums); a matching exclusion rule makes the lead D whatever its points."""
    fired: list[FiredRule] = []
    for rule in icp.rules:
        seen = _fact(icp, facts, rule.field)
        if _matches(rule, seen):
            fired.append(FiredRule(rule.id, rule.points, rule.exclude, rule.field, seen))
    points = sum(r.points for r in fired)
    excluded = next((r.id for r in fired if r.exclude), None)
    if excluded:
        return FitResult("D", points, tuple(fired), excluded)
    return FitResult(grade_of(icp, points), points, tuple(fired))


def grade_of(icp: IdealCustomerProfile, points: int) -> str:
    if icp.grades is not None:
        g = icp.grades
        return "A" if points >= g.A else "B" if points >= g.B else "C" if points >= g.C else "D"
    for band in icp.bands:
        if (band.min is None or points >= band.min) and (band.max is None or points <= band.max):
            return band.grade
    return "D"


# --- engagement --------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    type: str
    at: datetime


@dataclass(frozen=True)
class EngagementLine:
    type: str
    count: int
    points: float  # before decay, after the daily caps
    value: float  # decayed to ``now``
    last_at: datetime
    capped: int = 0  # events that added less than their points because of the daily cap


@dataclass(frozen=True)
class EngagementResult:
    score: float
    lines: tuple[EngagementLine, ...]
    half_life_days: float
    as_of: datetime

    def explain(self) -> str:
        parts = ", ".join(f"{ln.type} x{ln.count} {ln.value:.1f}" for ln in self.lines if ln.value)
        return f"engagement {self.score:.1f}" + (f" ({parts})" if parts else "")


def decay(points: float, age_days: float, half_life_days: float) -> float:
    """``points`` halved every ``half_life_days``."""
    return points * 0.5 ** (age_days / half_life_days)


def engagement(
    events: Iterable[Event],
    points: Mapping[str, int],
    half_life_days: float,
    now: datetime,
    *,
    daily_caps: Mapping[str, int] | None = None,
    since: datetime | None = None,
) -> EngagementResult:
    """The engagement score as of ``now``: each event's points (types not listed score 0)
    halved every ``half_life_days`` since it happened. A type's positive points in one UTC day
    stop at its daily cap; negative points always count. Events after ``now`` (or before
    ``since``) are left out, so the score as of any past date is the same every time."""
    caps = daily_caps or {}
    used: dict[tuple[str, object], float] = {}
    lines: dict[str, dict[str, Any]] = {}
    for event in sorted(events, key=lambda e: (e.at, e.type)):
        if event.at > now or (since is not None and event.at < since):
            continue
        raw = float(points.get(event.type, 0))
        counted = raw
        line = lines.setdefault(
            event.type, {"count": 0, "points": 0.0, "value": 0.0, "last": event.at, "capped": 0}
        )
        if raw > 0 and event.type in caps:
            key = (event.type, event.at.date())
            counted = max(0.0, min(raw, caps[event.type] - used.get(key, 0.0)))
            used[key] = used.get(key, 0.0) + counted
            if counted < raw:
                line["capped"] += 1
        age = (now - event.at).total_seconds() / SECONDS_PER_DAY
        line["count"] += 1
        line["points"] += counted
        line["value"] += decay(counted, age, half_life_days)
        line["last"] = event.at
    out = tuple(
        EngagementLine(t, v["count"], v["points"], v["value"], v["last"], v["capped"])
        for t, v in sorted(lines.items(), key=lambda kv: -abs(kv[1]["value"]))
    )
    return EngagementResult(sum(ln.value for ln in out), out, half_life_days, now)


def decayed_since(score: float, scored_at: datetime, now: datetime, half_life: float) -> float:
    """A stored score carried forward to ``now`` with no new events: every event decays at the
    same rate, so the sum does too."""
    return decay(score, (now - scored_at).total_seconds() / SECONDS_PER_DAY, half_life)


def crossing_at(
    score: float, scored_at: datetime, thresholds: Iterable[float], half_life: float
) -> datetime | None:
    """When ``score`` decaying from ``scored_at`` first falls below the highest threshold it
    is at or above now; ``None`` when it is below them all (or they are not positive)."""
    above = [t for t in thresholds if 0 < t <= score]
    if not above:
        return None
    days = half_life * math.log2(score / max(above))
    return scored_at + timedelta(days=days, seconds=1)


# --- the MQL decision --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    met: bool
    why: str


@dataclass(frozen=True)
class MqlDecision:
    """``move_to`` is the stage to move the lead to now, or ``None``; ``reason`` names the
    rule (stored on the move); ``checks`` say why each rule did or did not hold."""

    move_to: str | None
    reason: str | None
    summary: str
    checks: tuple[RuleCheck, ...] = field(default=())


def check_rule(
    rule: MqlRule, fit: FitResult, score: float, events: Sequence[Event], now: datetime
) -> RuleCheck:
    met, parts = True, []
    if rule.min_fit_grade is not None:
        ok = grade_at_least(fit.grade, rule.min_fit_grade)
        met &= ok
        parts.append(f"fit {fit.grade} {'>=' if ok else '<'} {rule.min_fit_grade}")
    if rule.min_engagement is not None:
        ok = score >= rule.min_engagement
        met &= ok
        parts.append(f"engagement {score:.1f} {'>=' if ok else '<'} {rule.min_engagement:g}")
    if rule.any_activity:
        start = now - timedelta(days=rule.within_days) if rule.within_days else None
        hits = [
            e
            for e in events
            if e.type in rule.any_activity and e.at <= now and (start is None or e.at >= start)
        ]
        window = f" in the last {rule.within_days:g} days" if rule.within_days else ""
        if hits:
            last = max(hits, key=lambda e: e.at)
            parts.append(f"{last.type} on {last.at:%Y-%m-%d %H:%M}")
        else:
            met = False
            parts.append(f"no {' or '.join(rule.any_activity)}{window}")
    return RuleCheck(rule.id, met, ", ".join(parts))


def mql_decision(
    contract: Contract,
    *,
    stage: str,
    stage_changed_at: datetime,
    recycle_count: int,
    fit: FitResult,
    engagement_now: EngagementResult,
    events: Sequence[Event],
    now: datetime,
) -> MqlDecision:
    """Should this lead move to the MQL stage now? For a lead before it (an open stage the
    contract lets move there): the first MQL rule that holds. For a lead in the nurture stage:
    the recycle rule, on engagement since it was recycled. Otherwise: no move."""
    target = contract.milestone_stage(Milestone.mql)
    here = contract.stage(stage)
    if target is None or here is None:
        return MqlDecision(None, None, "the contract has no MQL stage")
    if fit.excluded_by:
        return MqlDecision(None, None, f"never an MQL: excluded by fit rule '{fit.excluded_by}'")
    recycle = contract.recycle
    if stage == recycle.nurture_stage:
        return _recycle_decision(contract, stage_changed_at, recycle_count, events, now)
    if here.category != StageCategory.open or here.order >= target.order:
        return MqlDecision(None, None, f"in '{stage}': the MQL decision is behind it")
    if target.name not in contract.targets(stage):
        return MqlDecision(None, None, f"the contract allows no move from '{stage}' to MQL")
    checks = tuple(
        check_rule(rule, fit, engagement_now.score, events, now)
        for rule in contract.mql.all_rules(contract.engagement)
    )
    hit = next((c for c in checks if c.met), None)
    if hit is None:
        why = "; ".join(f"{c.rule}: {c.why}" for c in checks)
        return MqlDecision(None, None, f"not an MQL: {why}", checks)
    return MqlDecision(
        target.name, f"mql:{hit.rule}", f"MQL by rule '{hit.rule}': {hit.why}", checks
    )


def _recycle_decision(
    contract: Contract,
    recycled_at: datetime,
    recycle_count: int,
    events: Sequence[Event],
    now: datetime,
) -> MqlDecision:
    r = contract.recycle
    if recycle_count > r.max_cycles:
        return MqlDecision(
            None,
            None,
            f"recycled {recycle_count} times; the contract brings a lead back at most "
            f"{r.max_cycles} times",
        )
    ready = recycled_at + timedelta(days=r.cooldown_days)
    if now < ready:
        return MqlDecision(None, None, f"in nurture cooldown until {ready:%Y-%m-%d %H:%M}")
    e = contract.engagement
    renewed = engagement(
        events, e.points, e.half_life_days, now, daily_caps=e.daily_caps, since=recycled_at
    )
    if renewed.score < r.reactivation_min_engagement:
        return MqlDecision(
            None,
            None,
            f"engagement since recycling {renewed.score:.1f} < "
            f"{r.reactivation_min_engagement:g} needed to come back",
        )
    return MqlDecision(
        r.reactivation_stage,
        "recycle:renewed_engagement",
        f"back from nurture by the recycle rule: engagement since {recycled_at:%Y-%m-%d} "
        f"{renewed.score:.1f} >= {r.reactivation_min_engagement:g} (cycle {recycle_count} of "
        f"at most {r.max_cycles})",
        (RuleCheck("recycle", True, renewed.explain()),),
    )


# --- qualification (BANT) ----------------------------------------------------------------

MET = "met"


@dataclass(frozen=True)
class SqlCheck:
    ok: bool
    met: tuple[str, ...]
    missing: tuple[str, ...]  # criteria not met: unanswered, unknown or not met
    message: str


def sql_check(sql: SqlDefinition, answers: Mapping[str, str]) -> SqlCheck:
    """Are the contract's SQL criteria met by the SDR's answers (criterion -> met, not_met,
    unknown)? ``min_met`` of them, including every ``required`` one."""
    keys = [c.key for c in sql.criteria]
    met = tuple(k for k in keys if answers.get(k) == MET)
    missing = tuple(k for k in keys if k not in met)
    lacking_required = [k for k in sql.required if k not in met]
    ok = len(met) >= sql.min_met and not lacking_required
    if ok:
        return SqlCheck(True, met, missing, f"{len(met)} of {len(keys)} criteria met")

    def state(key: str) -> str:
        return answers.get(key, "no answer").replace("_", " ")

    parts = [f"needs {sql.min_met} of {', '.join(keys)} met, has {len(met)}"]
    if lacking_required:
        parts.append("required: " + ", ".join(lacking_required))
    parts.append("missing: " + ", ".join(f"{k} ({state(k)})" for k in missing))
    return SqlCheck(False, met, missing, "; ".join(parts))

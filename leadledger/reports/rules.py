"""Pure report maths: periods, percentiles, the funnel's stages, service-level timers, the lead
ledger's buckets, credit for won deals, prorated costs and the ownership advisor. No session,
no clock: ``now`` is passed in."""

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from leadledger.capture.normalize import job_department, job_seniority
from leadledger.contract.schemas import Calendar, Contract, Milestone, Stage, StageCategory
from leadledger.core.errors import InvalidInput
from leadledger.scoring import rules as scoring_rules

GROUPINGS = ("source", "channel", "program", "team", "owner", "region", "grade")
NONE = "(none)"
CENT = Decimal("0.01")


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, and how the user named it."""

    start: datetime
    end: datetime
    label: str

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def days(self) -> int:
        return (self.end.date() - self.start.date()).days

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
        }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str, *, loc: Sequence[str] = ("period",)) -> Period:
    """``2027``, ``2027-Q1``, ``2027-03``, ``2027-W05`` (ISO week) or ``FIRST..LAST`` (ISO dates,
    both inclusive)."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m[1])
            return Period(_midnight(date(y, 1, 1)), _midnight(date(y + 1, 1, 1)), text)
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            y, q = int(m[1]), int(m[2])
            first = date(y, 3 * q - 2, 1)
            return Period(_midnight(first), _midnight(_month_start(y, 3 * q + 1)), text.upper())
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            y, mo = int(m[1]), int(m[2])
            return Period(_midnight(date(y, mo, 1)), _midnight(_month_start(y, mo + 1)), text)
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(_midnight(monday), _midnight(monday + timedelta(days=7)), text)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            return between(date.fromisoformat(m[1]), date.fromisoformat(m[2]), loc=loc)
    except ValueError as exc:
        raise InvalidInput(f"{loc[-1]}: '{text}' is not a valid period ({exc})", loc=loc) from exc
    raise InvalidInput(
        f"{loc[-1]}: '{text}' is not a period; use 2027, 2027-Q1, 2027-03, 2027-W05 or "
        "2027-01-01..2027-03-31",
        loc=loc,
    )


def between(first: date, last: date, *, loc: Sequence[str] = ("to",)) -> Period:
    """The days ``first`` to ``last``, both included."""
    if last < first:
        raise InvalidInput(
            f"{loc[-1]}: the period ends ({last}) before it starts ({first})", loc=loc
        )
    return Period(_midnight(first), _midnight(last + timedelta(days=1)), f"{first}..{last}")


def quarter_of(moment: datetime) -> Period:
    return parse_period(f"{moment.year}-Q{(moment.month - 1) // 3 + 1}")


def months_of(period: Period) -> list[Period]:
    """The calendar months (or their parts) a period covers."""
    out, day = [], period.first_day
    while day <= period.last_day:
        nxt = _month_start(day.year, day.month + 1)
        last = min(nxt - timedelta(days=1), period.last_day)
        out.append(
            Period(_midnight(day), _midnight(last + timedelta(days=1)), day.strftime("%Y-%m"))
        )
        day = nxt
    return out


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def check_grouping(grouping: str | None) -> str | None:
    if grouping is not None and grouping not in GROUPINGS:
        raise InvalidInput(
            f"group_by: unknown grouping '{grouping}'; use one of: {', '.join(GROUPINGS)}",
            loc=["group_by"],
        )
    return grouping


# --- statistics ----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between the nearest ranks (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


# --- the funnel ----------------------------------------------------------------------------


def funnel_stages(contract: Contract) -> list[Stage]:
    """The stages a lead climbs, in order: everything that is not parked or lost."""
    keep = (StageCategory.open, StageCategory.working, StageCategory.won)
    return sorted((s for s in contract.stages if s.category in keep), key=lambda s: s.order)


def handed_stages(contract: Contract) -> list[str]:
    """The funnel stages at and after the one that hands a lead to sales (milestone ``mql``,
    or ``sal`` when the contract has no MQL stage)."""
    stages = funnel_stages(contract)
    for milestone in (Milestone.mql, Milestone.sal):
        first = next((s for s in stages if s.milestone == milestone), None)
        if first:
            return [s.name for s in stages if s.order >= first.order]
    return [s.name for s in stages]


@dataclass
class FunnelGroup:
    """One group's cohort: how many reached each stage, and the times between stages."""

    reached: list[int]
    durations: list[list[float]]  # seconds from stage i to stage i + 1
    leads: int = 0
    advanced: list[int] | None = None  # counted at stage i and at stage i + 1

    def conversion(self, i: int) -> float | None:
        return share(self.advanced[i], self.reached[i]) if self.advanced else None


def funnel_of(rows: Iterable[Sequence[float | None]], n_stages: int) -> FunnelGroup:
    """``rows``: per lead, the first time (epoch seconds) it entered each funnel stage, or
    None. A lead counts at every stage up to the furthest it reached, so a lead lost after SQL
    counts at lead, MQL and SQL; stages skipped on the way count too (reaching SQL implies
    MQL), those before the stage it started in do not (a lead that starts as ``lead`` was
    never a prospect)."""
    reached = [0] * n_stages
    durations: list[list[float]] = [[] for _ in range(n_stages - 1)]
    advanced = [0] * max(n_stages - 1, 0)
    leads = 0
    for times in rows:
        leads += 1
        entered = [i for i, t in enumerate(times) if t is not None]
        if not entered:
            continue
        for i in range(entered[0], entered[-1] + 1):
            reached[i] += 1
            if i < entered[-1]:
                advanced[i] += 1
        for i in range(n_stages - 1):
            a, b = times[i], times[i + 1]
            if a is not None and b is not None and b >= a:
                durations[i].append(b - a)
    return FunnelGroup(reached, durations, leads, advanced)


# --- service levels ------------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class _Hours:
    tz: ZoneInfo
    workdays: frozenset[int]
    holidays: tuple[date, ...]  # sorted
    opens: time
    closes: time
    week: timedelta  # working time in a week without holidays


@lru_cache(maxsize=16)
def _hours(calendar: Calendar) -> _Hours:
    opens, closes = time.fromisoformat(calendar.start), time.fromisoformat(calendar.end)
    day = datetime.combine(date(2000, 1, 3), closes) - datetime.combine(date(2000, 1, 3), opens)
    workdays = frozenset(WEEKDAYS.index(d) for d in calendar.workdays)
    return _Hours(
        tz=ZoneInfo(calendar.timezone),
        workdays=workdays,
        holidays=tuple(sorted(date.fromisoformat(h) for h in calendar.holidays)),
        opens=opens,
        closes=closes,
        week=day * len(workdays),
    )


def due_at(
    start: datetime, within_hours: float, calendar: Calendar, business_hours: bool
) -> datetime:
    """When a timer of ``within_hours`` started at ``start`` is due: wall-clock hours, or the
    calendar's working hours (workdays, start-end, holidays, in its time zone)."""
    if not business_hours:
        return start + timedelta(hours=within_hours)
    cal = _hours(calendar)
    clock = _work_clock(cal, start)
    if clock is not None:
        return clock.due(start, within_hours)
    return walk_days(start, within_hours, cal)


def walk_days(start: datetime, within_hours: float, cal: "_Hours") -> datetime:
    """``due_at`` day by day, for a start outside the working-time window."""
    remaining = timedelta(hours=within_hours)
    cursor = start.astimezone(UTC)
    day = start.astimezone(cal.tz).date()
    for _ in range(3700):  # ten years of days at most
        if day.weekday() in cal.workdays and day not in cal.holidays:
            day_open = datetime.combine(day, cal.opens, cal.tz).astimezone(UTC)
            day_close = datetime.combine(day, cal.closes, cal.tz).astimezone(UTC)
            begin = max(cursor, day_open)
            if begin < day_close:
                if remaining <= day_close - begin:
                    return begin + remaining
                remaining -= day_close - begin
        day += timedelta(days=1)
        # whole weeks without a holiday hold a fixed amount of working time: skip them
        while cal.week and remaining > cal.week and not _holiday_within(cal, day, 7):
            day += timedelta(days=7)
            remaining -= cal.week
        cursor = max(cursor, datetime.combine(day, time(0), cal.tz).astimezone(UTC))
    raise ValueError("the calendar has no working hours")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
WINDOW_DAYS = 1500  # about four years either side


class _WorkClock:
    """Working time as a coordinate over ten years either side of a day: per day, when it
    opens and closes (UTC microseconds) and the working time before it. A due time is then a
    lookup and a bisection instead of a walk over the days."""

    def __init__(self, cal: _Hours, center: date) -> None:
        self.tz, self.first = cal.tz, center - timedelta(days=WINDOW_DAYS)
        self.opens, self.lengths, self.before, self.ends = [], [], [], []
        total = 0
        for i in range(2 * WINDOW_DAYS):
            day = self.first + timedelta(days=i)
            length = opens = 0
            if day.weekday() in cal.workdays and not _holiday_within(cal, day, 1):
                opens = (datetime.combine(day, cal.opens, cal.tz) - EPOCH) // US
                length = (datetime.combine(day, cal.closes, cal.tz) - EPOCH) // US - opens
            self.opens.append(opens)
            self.lengths.append(length)
            self.before.append(total)
            total += length
            self.ends.append(total)

    def index(self, moment: datetime) -> int | None:
        i = (moment.astimezone(self.tz).date() - self.first).days
        return i if 0 <= i < len(self.opens) else None

    def due(self, start: datetime, within_hours: float) -> datetime:
        i = self.index(start)
        at = (start - EPOCH) // US
        worked = self.before[i] + min(max(at - self.opens[i], 0), self.lengths[i])
        target = worked + round(within_hours * 3_600_000_000)
        j = bisect.bisect_left(self.ends, target)
        if j >= len(self.ends):
            raise ValueError("beyond the calendar's window")
        return EPOCH + US * (self.opens[j] + target - self.before[j])


_clocks: dict[_Hours, _WorkClock] = {}


def _work_clock(cal: _Hours, start: datetime) -> "_WorkClock | None":
    clock = _clocks.get(cal)
    if clock is None:
        clock = _clocks[cal] = _WorkClock(cal, start.date())
    i = clock.index(start)
    # the window must hold the start and a year after it; otherwise walk the days
    return clock if i is not None and i + 366 < len(clock.opens) else None


def _holiday_within(cal: _Hours, first: date, days: int) -> bool:
    i = bisect.bisect_left(cal.holidays, first)
    return i < len(cal.holidays) and cal.holidays[i] < first + timedelta(days=days)


def from_epoch(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def due_epoch(start: float, within_hours: float, calendar: Calendar, business_hours: bool) -> float:
    """``due_at`` in epoch seconds (the reports read times as numbers)."""
    if not business_hours:
        return start + within_hours * 3600
    return (due_at(from_epoch(start), within_hours, calendar, True) - EPOCH).total_seconds()


@dataclass(frozen=True)
class Timer:
    """A service-level timer as reconstructed from history (``sla`` stores these as rows)."""

    level: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None  # the first stopping activity or stage after the start

    def breached(self, now: datetime) -> bool:
        return (self.stopped_at or now) > self.due_at

    def running(self, now: datetime) -> bool:
        return self.stopped_at is None or self.stopped_at > now


def timers(
    contract: Contract,
    stage: str,
    entered_at: datetime,
    first_activity: dict[str, datetime],
    left_at: datetime | None = None,
) -> list[Timer]:
    """The timers a lead's entry into ``stage`` at ``entered_at`` started. ``first_activity``:
    activity type -> its first time at or after the entry; ``left_at``: when it reached one of
    the level's stop stages (None: not yet)."""
    out = []
    for level in contract.service_levels:
        if level.starts_on_stage != stage:
            continue
        stops = [first_activity[t] for t in level.stops_on_activity if t in first_activity]
        if left_at is not None:
            stops.append(left_at)
        out.append(
            Timer(
                level=level.id,
                started_at=entered_at,
                due_at=due_at(
                    entered_at, level.within_hours, contract.calendar, level.business_hours
                ),
                stopped_at=min(stops) if stops else None,
            )
        )
    return out


def stop_activity_types(contract: Contract) -> list[str]:
    return sorted({t for level in contract.service_levels for t in level.stops_on_activity})


# --- the lead ledger -----------------------------------------------------------------------


class Bucket(StrEnum):
    open_within = "open_within_service_level"
    open_overdue = "open_overdue"
    accepted = "accepted_working"
    qualified = "qualified"
    converted = "converted"
    rejected = "rejected"
    recycled = "recycled_to_nurture"
    disqualified = "disqualified"
    merged = "merged"
    no_disposition = "no_disposition"


BUCKETS = list(Bucket)
REJECT_LIST = "reject"
MERGED_REASONS = ("duplicate",)  # a duplicate folded into its original (until merges are rows)


def settled_bucket(
    contract: Contract, stage: str, reason: str | None, reached_opportunity: bool
) -> Bucket | None:
    """The bucket of a handed lead that is decided by its stage and reason alone; None when it
    waits on sales (an open or accepted stage), whose bucket depends on its service levels."""
    s = contract.stage(stage)
    handed = handed_stages(contract)
    if s is None:
        return Bucket.no_disposition
    if reached_opportunity or s.category == StageCategory.won:
        return Bucket.converted
    if s.category == StageCategory.lost:
        return Bucket.merged if reason in MERGED_REASONS else Bucket.disqualified
    if s.category == StageCategory.parked:
        rejects = {r.code for r in contract.reasons.get(REJECT_LIST, ())}
        return Bucket.rejected if reason in rejects else Bucket.recycled
    if stage not in handed:
        return Bucket.recycled  # back on marketing's side (e.g. nurture -> lead)
    if s.milestone == Milestone.sql:
        return Bucket.qualified
    if s.milestone == Milestone.opportunity:
        return Bucket.converted
    return None


def disposition_deadline(contract: Contract, entered_at: datetime) -> datetime | None:
    """A lead waiting on sales has no disposition once the contract's longest service level has
    run out since it entered its stage; None when the contract has no service levels."""
    longest: dict[bool, float] = {}  # the longest level of each kind bounds the others
    for lv in contract.service_levels:
        longest[lv.business_hours] = max(longest.get(lv.business_hours, 0), lv.within_hours)
    dues = [due_at(entered_at, h, contract.calendar, b) for b, h in longest.items()]
    return max(dues) if dues else None


def waiting_bucket(
    contract: Contract,
    stage: str,
    entered_at: datetime,
    first_activity: dict[str, datetime],
    now: datetime,
) -> Bucket:
    """The bucket of a handed lead still in an open or accepted stage at ``now``."""
    longest = max((lv.within_hours for lv in contract.service_levels), default=0)
    # working hours run no faster than the clock: within the longest level's wall-clock hours
    # the deadline cannot have passed, and need not be computed
    if longest and now - entered_at >= timedelta(hours=longest):
        deadline = disposition_deadline(contract, entered_at)
        if deadline is not None and now >= deadline:
            return Bucket.no_disposition
    s = contract.stage(stage)
    if s is not None and s.category == StageCategory.working:
        return Bucket.accepted
    running = [t for t in timers(contract, stage, entered_at, first_activity) if t.running(now)]
    if any(t.breached(now) for t in running):
        return Bucket.open_overdue
    return Bucket.open_within


# --- money ---------------------------------------------------------------------------------


class CreditModel(StrEnum):
    first_touch = "first_touch"
    last_touch = "last_touch"
    even_split = "even_split"


def credit(touches: Sequence, amount: Decimal, model: CreditModel) -> dict:
    """Split a deal's ``amount`` over the programs that touched it (in time order, repeats
    allowed). Every model gives out exactly ``amount``: the even split's leftover cents go to
    the earliest programs. No touch at all credits ``NONE``."""
    amount = Decimal(amount)
    if not touches:
        return {NONE: amount}
    if model == CreditModel.first_touch:
        return {touches[0]: amount}
    if model == CreditModel.last_touch:
        return {touches[-1]: amount}
    programs = list(dict.fromkeys(touches))
    each = (amount / len(programs)).quantize(CENT, rounding=ROUND_DOWN)
    left = int((amount - each * len(programs)) / CENT)
    return {p: each + (CENT if i < left else 0) for i, p in enumerate(programs)}


def prorated_cost(rows: Iterable[tuple[date, date, Decimal]], period: Period) -> Decimal:
    """The part of each cost entry (``first``, ``last`` day inclusive, amount) that falls in
    ``period``, by days: a January entry counts whole in Q1, a yearly one a quarter."""
    total = Decimal(0)
    for first, last, amount in rows:
        days = (last - first).days + 1
        overlap = (min(last, period.last_day) - max(first, period.first_day)).days + 1
        if overlap > 0:
            total += Decimal(amount) * overlap / days
    return total.quantize(CENT)


def per(cost: Decimal, count: int) -> Decimal | None:
    return (Decimal(cost) / count).quantize(CENT) if count else None


# --- ownership -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Advice:
    qualification_owner: str  # the contract's
    suggested_owner: str | None  # the team creating most of the leads sales development qualifies
    qualified_by_team: dict[str, int]
    basis: str
    change: str | None  # the contract change the data suggests, or None


def advise(contract: Contract, qualified_by_team: Counter, basis: str) -> Advice:
    """The articles' rule: the team that creates most of the leads sales development qualifies
    should own qualification."""
    current = contract.ownership.qualification_owner.value
    ranked = sorted(
        ((t, n) for t, n in qualified_by_team.items() if t != NONE), key=lambda kv: (-kv[1], kv[0])
    )
    top = ranked[0][0] if ranked and ranked[0][1] > 0 else None
    change = None
    total = sum(n for _, n in ranked)
    if top and top != current:
        change = (
            f"ownership.qualification_owner: {current} -> {top} "
            f"({top} created {qualified_by_team[top]} of the {total} leads qualified; "
            f"{current} created {qualified_by_team.get(current, 0)})"
        )
    return Advice(current, top, dict(ranked), basis, change)


def resolve_period(
    period: str | None,
    first: date | None,
    last: date | None,
    *,
    default: Period | None,
    allow_all: bool = False,
) -> Period | None:
    """The period of a report from ``--period`` or ``--from``/``--to`` (one way, not both);
    ``all`` (where allowed) is the whole history, returned as None."""
    if period and (first or last):
        raise InvalidInput("period: give a period or from/to, not both", loc=["period"])
    if period:
        if allow_all and period.strip().lower() == "all":
            return None
        return parse_period(period)
    if first or last:
        if not (first and last):
            missing = "to" if first else "from"
            raise InvalidInput(f"{missing}: give both from and to", loc=[missing])
        return between(first, last)
    return default


# --- contract backtest ---------------------------------------------------------------------
# The contract's ``icp``, ``engagement`` and ``mql`` sections replayed over stored history,
# by the scoring domain's own rules (``scoring.rules``).

# a lead's creation counts as the activity its channel stands for
CHANNEL_ACTIVITY = {
    "web_form": "form_fill",
    "content_download": "content_download",
    "webinar": "webinar_registered",
    "event": "event_visit",
}


@dataclass(frozen=True)
class FitFacts:
    industry: str | None = None
    employees: int | None = None
    country: str | None = None
    title: str | None = None
    seniority: str | None = None
    source: str | None = None
    email_domain_kind: str | None = None  # business / free


def _facts(facts: FitFacts) -> dict:
    return {
        "industry": facts.industry,
        "employees": facts.employees,
        "country": facts.country,
        "title": facts.title,
        "seniority": facts.seniority or job_seniority(facts.title),
        "department": job_department(facts.title),
        "source": facts.source,
        "email_domain_kind": facts.email_domain_kind,
    }


def fit_grade(contract: Contract, facts: FitFacts) -> str:
    """The fit grade's letter (A-D) by scoring's rule; an exclusion is D."""
    return scoring_rules.fit_grade(contract.icp, _facts(facts)).grade[0]


def mql_moments(
    contract: Contract,
    facts: FitFacts,
    activities: Sequence[tuple[str, datetime]],
    grade: str | None = None,
) -> list[datetime]:
    """The times the contract's MQL rule becomes true over a lead's activities (in time
    order): a hand-off each time, so a lead that cools and warms again is handed over twice.
    ``grade``: the lead's fit grade when the caller has it already."""
    fit = scoring_rules.fit_grade(contract.icp, _facts(facts))
    if grade is not None:
        fit = scoring_rules.FitResult(grade, fit.points, fit.fired, fit.excluded_by)
    if fit.excluded_by:
        return []
    e = contract.engagement
    checks = contract.mql.all_rules(e)
    events = [scoring_rules.Event(kind, at) for kind, at in sorted(activities, key=lambda a: a[1])]
    was, out = False, []
    for i, event in enumerate(events):
        seen = events[: i + 1]
        score = scoring_rules.engagement(
            seen, e.points, e.half_life_days, event.at, daily_caps=e.daily_caps
        ).score
        # a hand-raise counts at the moment it happens, as the rule fires on the activity
        check = scoring_rules.check_rule
        now_true = any(
            check(r, fit, score, [event] if r.any_activity else seen, event.at).met for r in checks
        )
        if now_true and not was:
            out.append(event.at)
        was = now_true
    return out

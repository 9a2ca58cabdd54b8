"""Planning backwards from revenue, as pure maths: the customers, opportunities, SQLs, MQLs and
leads a revenue target needs, per month and per team, and the gap that outbound and new
programs must still fill. Worked by hand in docs/planning.md."""

import math
from dataclasses import asdict, dataclass, field

from leadledger.core.errors import InvalidInput
from leadledger.reports.rules import Period, months_of

STEPS = ("lead_to_mql", "mql_to_sql", "sql_to_opportunity", "opportunity_to_customer")
STAGES = ("leads", "mqls", "sqls", "opportunities", "customers")


@dataclass(frozen=True)
class Assumptions:
    rates: dict[str, float]
    deal_size: float
    cycle_days: float
    nurture_reactivation_rate: float
    inbound_leads_per_week: float
    open_pipeline: float
    nurture_pool: int
    split: dict[str, float] = field(default_factory=dict)  # team -> percent

    def as_dict(self) -> dict:
        return asdict(self)


def check(revenue: float, a: Assumptions) -> None:
    if not revenue > 0:
        raise InvalidInput(
            f"revenue: the target must be more than 0 (got {revenue})", loc=["revenue"]
        )
    if not a.deal_size > 0:
        raise InvalidInput(
            f"deal_size: the average deal must be more than 0 (got {a.deal_size})",
            loc=["deal_size"],
        )
    for step, to in zip(STEPS, STAGES[1:], strict=True):
        rate = a.rates.get(step)
        if rate is None or not 0 <= rate <= 1:
            raise InvalidInput(
                f"rates.{step}: must be between 0 and 1 (got {rate})", loc=["rates", step]
            )
        if rate == 0:
            frm = STAGES[STEPS.index(step)]
            raise InvalidInput(
                f"rates.{step}: the target is unreachable: no {frm} become {to} "
                f"(the {step} rate is 0)",
                loc=["rates", step],
            )


def _round(x: float) -> float:
    return round(x, 2)


def plan(revenue: float, period: Period, a: Assumptions) -> dict:
    """Each stage's need rounded up from the one after it: customers = target / deal size,
    opportunities = customers / win rate, and so on back to leads."""
    check(revenue, a)
    need = {"customers": math.ceil(round(revenue / a.deal_size, 9))}
    for step, stage, after in reversed(list(zip(STEPS, STAGES[:-1], STAGES[1:], strict=True))):
        need[stage] = math.ceil(round(need[after] / a.rates[step], 9))
    need = {s: need[s] for s in STAGES}
    months = [
        {"month": m.label, "days": m.days}
        | {s: _round(need[s] * m.days / period.days) for s in STAGES}
        for m in months_of(period)
    ]
    teams = [
        {"team": team, "share_pct": pct} | {s: _round(need[s] * pct / 100) for s in STAGES}
        for team, pct in a.split.items()
    ]
    lead_to_customer = math.prod(a.rates[s] for s in STEPS)
    mql_to_customer = math.prod(a.rates[s] for s in STEPS[1:])
    weeks = period.days / 7
    usable_weeks = max(0.0, (period.days - a.cycle_days) / 7)
    from_pipeline = a.open_pipeline * a.rates["opportunity_to_customer"]
    inbound_leads = a.inbound_leads_per_week * usable_weeks
    from_inbound = inbound_leads * lead_to_customer * a.deal_size
    reactivated = a.nurture_pool * a.nurture_reactivation_rate
    from_nurture = reactivated * mql_to_customer * a.deal_size
    gap = max(0.0, revenue - from_pipeline - from_inbound - from_nurture)
    gap_leads = gap / a.deal_size / lead_to_customer
    per_week = gap_leads / weeks
    return {
        "revenue": revenue,
        "deal_size": a.deal_size,
        "needed": need,
        "per_month": months,
        "per_team": teams,
        "gap": {
            "weeks": _round(weeks),
            "usable_weeks_for_inbound": _round(usable_weeks),
            "lead_to_customer_rate": round(lead_to_customer, 6),
            "expected_from_open_pipeline": _round(from_pipeline),
            "expected_inbound_leads": _round(inbound_leads),
            "expected_from_inbound": _round(from_inbound),
            "expected_reactivated_mqls": _round(reactivated),
            "expected_from_nurture": _round(from_nurture),
            "gap_revenue": _round(gap),
            "gap_customers": _round(gap / a.deal_size),
            "gap_leads": _round(gap_leads),
            "gap_leads_per_week": _round(per_week),
            "gap_leads_per_team_per_week": {
                team: _round(per_week * pct / 100) for team, pct in a.split.items()
            },
        },
    }


def versus(planned: dict[str, float], actual: dict[str, float], elapsed: float) -> list[list]:
    """Rows (measure, planned, planned to date, actual, actual - planned to date, % of plan to
    date) with ``elapsed`` the share of the period gone, 0..1."""
    rows = []
    for measure, total in planned.items():
        to_date = total * elapsed
        got = actual.get(measure, 0)
        rows.append(
            [
                measure,
                _round(total),
                _round(to_date),
                _round(got),
                _round(got - to_date),
                _round(100 * got / to_date) if to_date else None,
            ]
        )
    return rows

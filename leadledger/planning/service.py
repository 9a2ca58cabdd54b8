"""Plans backwards from revenue: gather the assumptions (measured, the contract's, or given),
let ``planning.rules`` do the maths, store the plan with what it assumed, and compare it with
the actuals as the period runs."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadledger.contract import service as contract_service
from leadledger.core.actor import Actor
from leadledger.core.errors import InvalidInput, NotFound
from leadledger.planning import rules
from leadledger.planning.models import Plan
from leadledger.planning.schemas import AssumptionsIn, PlanCreate, PlanRead
from leadledger.reports import service as report_service
from leadledger.reports.rules import Period, parse_period
from leadledger.reports.schemas import Report, ReportTable
from leadledger.users.rules import Principal


def measure_window(period: Period, now: datetime, days: int) -> Period:
    end = min(now, period.start)
    return Period(end - timedelta(days=days), end, f"the {days} days before {end.date()}")


def assumptions(
    session: Session,
    *,
    period: Period,
    deal_size: float | None,
    rates: str | AssumptionsIn,
    now: datetime,
    viewer: Principal | None = None,
) -> tuple[rules.Assumptions, str]:
    """The assumptions of a plan and where they came from. Given values win; then the
    contract's (``contract``) or the measured rates; facts (open pipeline, nurture pool,
    inbound flow) are measured unless a rates file gives them."""
    contract = contract_service.active(session).contract
    p = contract.planning
    window = measure_window(period, now, p.measure_days)
    facts = report_service.measured(session, window, viewer=viewer)
    given = rates if isinstance(rates, AssumptionsIn) else AssumptionsIn()
    if rates == "contract":
        base = p.rates.model_dump()
        source = f"contract v{contract_service.active(session).version}"
    else:
        base = {k: facts[k] for k in rules.STEPS}
        source = f"measured over {window.label}"
    if isinstance(rates, AssumptionsIn):
        source = "file, the rest measured over " + window.label
    chosen = {k: v for k, v in (base | given.rates.model_dump(exclude_none=True)).items()}
    for step in rules.STEPS:
        if chosen.get(step) is None:
            raise InvalidInput(
                f"rates.{step}: nothing to measure it from in {window.label}; "
                "give --rates contract or a rates file",
                loc=["rates", step],
            )
    size = next(
        (v for v in (deal_size, given.deal_size, p.deal_size, facts["deal_size"]) if v is not None),
        None,
    )
    if size is None:
        raise InvalidInput(
            f"deal_size: no won deal in {window.label} to measure it from; give --deal-size",
            loc=["deal_size"],
        )

    def pick(name: str, fallback: float) -> float:
        value = getattr(given, name)
        return value if value is not None else fallback

    cycle = facts["cycle_days"] if rates == "measured" and facts["cycle_days"] is not None else None
    return (
        rules.Assumptions(
            rates=chosen,
            deal_size=float(size),
            cycle_days=pick("cycle_days", cycle if cycle is not None else p.cycle_days),
            nurture_reactivation_rate=pick(
                "nurture_reactivation_rate", p.nurture_reactivation_rate
            ),
            inbound_leads_per_week=pick("inbound_leads_per_week", facts["inbound_leads_per_week"]),
            open_pipeline=pick("open_pipeline", facts["open_pipeline"]),
            nurture_pool=pick("nurture_pool", facts["nurture_pool"]),
            split={t.value: pct for t, pct in contract.ownership.split.items()},
        ),
        source,
    )


def create_plan(
    session: Session,
    data: PlanCreate,
    *,
    actor: Actor,
    now: datetime,
    viewer: Principal | None = None,
) -> PlanRead:
    """Compute a plan; store it unless ``data.save`` is false."""
    period = parse_period(data.period)
    if not data.revenue > 0:  # before measuring anything
        rules.check(data.revenue, rules.Assumptions({}, 1, 0, 0, 0, 0, 0))
    a, source = assumptions(
        session, period=period, deal_size=data.deal_size, rates=data.rates, now=now, viewer=viewer
    )
    result = rules.plan(data.revenue, period, a)
    row = Plan(
        name=data.name or f"{period.label} revenue {data.revenue:,.0f}",
        period=period.label,
        starts_on=period.first_day,
        ends_on=period.last_day,
        revenue=data.revenue,
        deal_size=a.deal_size,
        rates_source=source,
        assumptions=a.as_dict(),
        result=result,
        contract_version=contract_service.active(session).version,
        created_by=actor.label,
        created_at=now,
    )
    if data.save:
        session.add(row)
        session.flush()
    return PlanRead.model_validate(row)


def get_plan(session: Session, plan_id: int) -> Plan:
    row = session.get(Plan, plan_id)
    if row is None:
        raise NotFound(f"no plan {plan_id}", loc=["plan_id"])
    return row


def list_plans(session: Session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.id.desc())))


def plan_vs_actual(
    session: Session, plan_id: int, *, now: datetime, viewer: Principal | None = None
) -> Report:
    """A stored plan against what happened so far in its period (planned to date: the plan
    times the share of the period gone)."""
    plan = get_plan(session, plan_id)
    period = parse_period(f"{plan.starts_on}..{plan.ends_on}")
    elapsed = (min(max(now, period.start), period.end) - period.start) / (period.end - period.start)
    needed = plan.result["needed"]
    planned = {
        "leads": needed["leads"],
        "mqls": needed["mqls"],
        "sqls": needed["sqls"],
        "opportunities": needed["opportunities"],
        "customers": needed["customers"],
        "revenue": float(plan.revenue),
    }
    actual = report_service.actuals(session, period, viewer=viewer)
    rows = rules.versus(planned, actual, elapsed)
    return Report(
        report="plan-vs-actual",
        period=period.as_dict() | {"label": plan.period},
        filters={"plan_id": plan.id, "plan": plan.name, "records": "leads the reader may read"},
        contract_versions=sorted(
            {plan.contract_version, *report_service.versions(session, period)}
        ),
        generated_at=now,
        headline={"elapsed_share": round(elapsed, 4), "rates": plan.rates_source},
        tables=[
            ReportTable(
                name="plan_vs_actual",
                columns=[
                    "measure",
                    "planned",
                    "planned_to_date",
                    "actual",
                    "actual_minus_planned_to_date",
                    "pct_of_plan_to_date",
                ],
                rows=rows,
            )
        ],
        notes=["actual: leads created and leads entering each stage during the period"],
    )

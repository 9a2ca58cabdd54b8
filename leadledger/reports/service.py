"""The reports: each gathers with ``queries``, decides with ``rules`` and returns a ``Report``
stating its period, filters and the contract versions its moves were judged by. Every count
covers only the leads ``viewer`` may read."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Contract, Milestone, StageCategory
from leadledger.programs import service as program_service
from leadledger.reports import queries, rules
from leadledger.reports.rules import NONE, Bucket, CreditModel, Period
from leadledger.reports.schemas import LeakageLead, LeakagePage, Report, ReportTable
from leadledger.users.rules import Principal

MILESTONE_COLUMNS = ("mql", "sql", "opportunity", "customer")


def _filters(viewer: Principal | None, **more) -> dict:
    seen = "every lead" if viewer is None or viewer.reach == "all" else "leads the reader may read"
    return {k: v for k, v in more.items() if v is not None} | {"records": seen}


def _report(
    session: Session,
    name: str,
    period: Period | None,
    filters: dict,
    headline: dict,
    tables: list[ReportTable],
    *,
    now: datetime,
    notes: Sequence[str] = (),
) -> Report:
    return Report(
        report=name,
        period=period.as_dict() if period else {"label": "all time"},
        filters=filters,
        contract_versions=queries.contract_versions(session, period),
        generated_at=now,
        headline=headline,
        tables=tables,
        notes=list(notes),
    )


def _table(name: str, columns: list[str], rows: list[list]) -> ReportTable:
    return ReportTable(name=name, columns=columns, rows=rows)


def _money(value: Decimal | float | None) -> float | None:
    return None if value is None else float(Decimal(value).quantize(rules.CENT))


def _contract(session: Session) -> Contract:
    return contract_service.active(session).contract


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


# --- funnel --------------------------------------------------------------------------------


def cohort(
    session: Session, contract: Contract, period: Period, grouping: str | None, viewer
) -> dict[str, rules.FunnelGroup]:
    stages = [s.name for s in rules.funnel_stages(contract)]
    by_group: dict[str, list] = defaultdict(list)
    for group, *times in queries.funnel_cohort(session, stages, period, grouping, viewer):
        by_group[group].append(times)
    return {g: rules.funnel_of(rows, len(stages)) for g, rows in sorted(by_group.items())}


def funnel(
    session: Session,
    *,
    period: Period,
    grouping: str | None = None,
    now: datetime,
    viewer: Principal | None = None,
) -> Report:
    """Cohort (leads created in the period, the furthest stage each reached by now) and flow
    (leads entering each stage in the period), conversion, and median / p90 time between
    consecutive stages."""
    grouping = rules.check_grouping(grouping)
    contract = _contract(session)
    stages = [s.name for s in rules.funnel_stages(contract)]
    groups = cohort(session, contract, period, grouping, viewer)
    rows = []
    for group, g in groups.items():
        for i, stage in enumerate(stages):
            last = i == len(stages) - 1
            rows.append(
                [
                    group,
                    stage,
                    g.reached[i],
                    None if last else g.conversion(i),
                    None if last else rules.hours(rules.percentile(g.durations[i], 0.5)),
                    None if last else rules.hours(rules.percentile(g.durations[i], 0.9)),
                ]
            )
    flow = sorted(
        queries.funnel_flow(session, period, grouping, viewer),
        key=lambda r: (r[0], contract.stage(r[1]).order if contract.stage(r[1]) else 0),
    )
    total = Counter()
    for g in groups.values():
        for i, stage in enumerate(stages):
            total[stage] += g.reached[i]
    return _report(
        session,
        "funnel",
        period,
        _filters(viewer, group_by=grouping),
        {"cohort_leads": sum(g.leads for g in groups.values()), "reached": dict(total)},
        [
            _table(
                "cohort",
                [
                    "group",
                    "stage",
                    "reached",
                    "conversion_to_next",
                    "median_hours_to_next",
                    "p90_hours_to_next",
                ],
                rows,
            ),
            _table("flow", ["group", "stage", "entered"], [list(r) for r in flow]),
        ],
        now=now,
        notes=[
            "cohort: leads created in the period, counted at every stage up to the furthest "
            "they reached by now (a lead lost after SQL counts at lead, MQL and SQL)",
            "flow: distinct leads that entered each stage during the period",
        ],
    )


# --- the lead ledger -----------------------------------------------------------------------


def _waiting_stages(contract: Contract) -> list[str]:
    return [
        name
        for name in rules.handed_stages(contract)
        if rules.settled_bucket(contract, name, None, False) is None
    ]


def _handed_stamps(contract: Contract) -> list[str]:
    """The lead's milestone columns of the handed stages (their first times reached)."""
    handed = set(rules.handed_stages(contract))
    return [
        f"{s.milestone.value}_at"
        for s in contract.stages
        if s.name in handed and s.milestone is not None
    ]


def service_level_buckets(
    session: Session,
    contract: Contract,
    period: Period | None,
    viewer: Principal | None,
    now: datetime,
) -> list[tuple[tuple, Bucket]]:
    """The handed leads still waiting on sales, each with its bucket from its service-level
    timers. The timers are rebuilt here from the stage-entry times and the first stopping
    activity; once ``sla`` stores timer rows, this is the one function that reads them."""
    leads, firsts = queries.ledger_waiting(
        session,
        _handed_stamps(contract),
        _waiting_stages(contract),
        rules.stop_activity_types(contract),
        period,
        viewer,
    )
    return [
        (row, rules.waiting_bucket(contract, row[3], row[4], firsts.get(row[0], {}), now))
        for row in leads
    ]


def leakage(
    session: Session,
    *,
    period: Period | None,
    now: datetime,
    viewer: Principal | None = None,
) -> Report:
    """Every lead first handed to sales in the period (None: ever) in exactly one bucket, by
    owner and the owner's team; the headline is the share with no disposition."""
    contract = _contract(session)
    handed = rules.handed_stages(contract)
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for owner, team, stage, reason, opp, n in queries.ledger_groups(
        session, handed, period, viewer
    ):
        bucket = rules.settled_bucket(contract, stage, reason, bool(opp))
        if bucket is not None:
            counts[(owner, team)][bucket] += n
    for row, bucket in service_level_buckets(session, contract, period, viewer, now):
        counts[(row[1], row[2])][bucket] += 1
    totals = Counter()
    for c in counts.values():
        totals.update(c)
    handed_total = sum(totals.values())
    by_owner = [
        [owner, team, *(c[b] for b in rules.BUCKETS), sum(c.values())]
        for (owner, team), c in sorted(counts.items())
    ]
    by_team: dict[str, Counter] = defaultdict(Counter)
    for (_, team), c in counts.items():
        by_team[team].update(c)
    buckets = [[b.value, totals[b], rules.share(totals[b], handed_total)] for b in rules.BUCKETS]
    return _report(
        session,
        "leakage",
        period,
        _filters(viewer),
        {
            "handed_to_sales": handed_total,
            "no_disposition": totals[Bucket.no_disposition],
            "no_disposition_share": rules.share(totals[Bucket.no_disposition], handed_total),
        },
        [
            _table("buckets", ["bucket", "leads", "share"], buckets),
            _table(
                "by_owner", ["owner", "team", *(b.value for b in rules.BUCKETS), "total"], by_owner
            ),
            _table(
                "by_team",
                ["team", *(b.value for b in rules.BUCKETS), "total"],
                [
                    [team, *(c[b] for b in rules.BUCKETS), sum(c.values())]
                    for team, c in sorted(by_team.items())
                ],
            ),
        ],
        now=now,
        notes=[
            "handed to sales: the lead's first move into "
            + ", ".join(handed)
            + " falls in the period",
            "no disposition: still waiting on sales after the contract's longest service level",
            "merged: disqualified as a duplicate",
        ],
    )


def leakage_leads(
    session: Session,
    *,
    bucket: Bucket,
    period: Period | None,
    now: datetime,
    viewer: Principal | None = None,
    limit: int = 100,
    after: int = 0,
) -> LeakagePage:
    """The leads behind one waiting bucket (``no_disposition``, ``open_overdue`` ...), by id."""
    contract = _contract(session)
    rows = sorted(
        (
            row
            for row, b in service_level_buckets(session, contract, period, viewer, now)
            if b == bucket
        ),
        key=lambda r: r[0],
    )
    rows = [r for r in rows if r[0] > after]
    page, more = rows[:limit], len(rows) > limit
    people = {r[0]: r for r in queries.leads_by_id(session, [r[0] for r in page], viewer)}
    items = [
        LeakageLead(
            id=r[0],
            name=" ".join(p for p in people[r[0]][1:3] if p) or "",
            email=people[r[0]][3],
            company_name=people[r[0]][4],
            owner=r[1],
            team=r[2],
            stage=r[3],
            handed_at=r[5],
            in_stage_since=r[4],
        )
        for r in page
        if r[0] in people
    ]
    return LeakagePage(
        bucket=bucket.value,
        period=period.as_dict() if period else {"label": "all time"},
        items=items,
        next_cursor=str(page[-1][0]) if more and page else None,
    )


# --- service levels ------------------------------------------------------------------------


def sla(
    session: Session,
    *,
    period: Period,
    now: datetime,
    viewer: Principal | None = None,
) -> Report:
    """Per service level, by owner and team and by week: timers started in the period, the
    share stopped within target, median and p90 time to the stop (speed to lead for a first
    touch), breaches and reassignments."""
    contract = _contract(session)
    overall: list[list] = []
    weekly: dict[tuple, _SlaAcc] = {}
    for level in contract.service_levels:
        starts = queries.sla_starts(
            session,
            level.starts_on_stage,
            list(level.stops_on_stages),
            list(level.stops_on_activity),
            period,
            viewer,
        )
        moves = {
            lead_id: [m.timestamp() for m in at]
            for lead_id, at in queries.assignments(
                session, sorted({s[1] for s in starts}), period.start
            ).items()
        }
        acc, now_s = _SlaAcc(), now.timestamp()
        weeks: dict[int, str] = {}  # day number -> ISO week, computed once a day
        for _, lead_id, owner, team, at, by_activity, by_stage in starts:
            stops = [t for t in (by_activity, by_stage) if t is not None]
            stopped = min(stops) if stops else None
            due = rules.due_epoch(at, level.within_hours, contract.calendar, level.business_hours)
            until = stopped or now_s
            reassigned = sum(1 for m in moves.get(lead_id, ()) if at < m <= until)
            day = int(at // 86400)
            week = weeks.get(day) or weeks.setdefault(day, rules.week_of(rules.from_epoch(at)))
            key = (week, owner, team, level.id)
            cell = weekly.get(key)
            if cell is None:
                cell = weekly[key] = _SlaAcc()
            acc.add(at, stopped, due, now_s, reassigned)
            cell.add(at, stopped, due, now_s, reassigned)
        overall.append([level.id, *acc.row()])
    columns = [
        "started",
        "within_target",
        "share_within",
        "breaches",
        "median_hours",
        "p90_hours",
        "reassignments",
    ]
    first = overall[0] if overall else None
    return _report(
        session,
        "sla",
        period,
        _filters(viewer),
        {
            "level": first[0] if first else None,
            "share_within": first[3] if first else None,
            "median_hours": first[5] if first else None,
        },
        [
            _table("levels", ["level", *columns], overall),
            _table(
                "by_owner_week",
                ["week", "owner", "team", "level", *columns],
                [[*k, *v.row()] for k, v in sorted(weekly.items())],
            ),
        ],
        now=now,
        notes=[
            "a timer starts on each entry into the level's stage and stops at the first "
            "stopping activity or stage; within target: stopped by its due time "
            "(business hours by the contract's calendar where the level says so)",
        ],
    )


class _SlaAcc:
    def __init__(self) -> None:
        self.started = self.within = self.breaches = self.reassigned = 0
        self.speeds: list[float] = []

    def add(self, at: float, stopped: float | None, due: float, now: float, moves: int) -> None:
        """Times in epoch seconds."""
        self.started += 1
        self.reassigned += moves
        if stopped is not None and stopped <= now:
            self.speeds.append(stopped - at)
            if stopped <= due:
                self.within += 1
        if (stopped if stopped is not None and stopped <= now else now) > due:
            self.breaches += 1

    def row(self) -> list:
        return [
            self.started,
            self.within,
            rules.share(self.within, self.started),
            self.breaches,
            rules.hours(rules.percentile(self.speeds, 0.5)),
            rules.hours(rules.percentile(self.speeds, 0.9)),
            self.reassigned,
        ]


# --- money ---------------------------------------------------------------------------------


def milestone_index(contract: Contract) -> dict[str, int]:
    stages = rules.funnel_stages(contract)
    out = {}
    for i, s in enumerate(stages):
        if s.milestone in (Milestone.mql, Milestone.sql, Milestone.opportunity):
            out.setdefault(s.milestone.value, i)
        if s.category == StageCategory.won:
            out.setdefault("customer", i)
    return out


def reached_counts(g: rules.FunnelGroup, index: dict[str, int]) -> list[int]:
    return [g.leads, *(g.reached[index[m]] if m in index else 0 for m in MILESTONE_COLUMNS)]


def credited(
    session: Session, period: Period, viewer: Principal | None
) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal], dict[str, Decimal], int]:
    """Pipeline (opportunities opened in the period) and revenue (won in the period) per
    program under each credit model, and per sourcing team; and how many of those deals have
    no amount recorded."""
    names = {p.id: p.name for p in program_service.all_programs(session)}
    deals = queries.deals(session, period, viewer)
    later: dict[int, list] = defaultdict(list)
    for lead_id, name, at in queries.touches(session, [d[0] for d in deals]):
        later[lead_id].append((at, name))
    by_program: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    pipeline_by_team: dict[str, Decimal] = defaultdict(Decimal)
    revenue_by_team: dict[str, Decimal] = defaultdict(Decimal)
    missing = 0
    for lead_id, program_id, created, opened, won, amount, team in deals:
        if amount is None:
            missing += 1
            amount = Decimal(0)
        cutoff = opened or won
        path = [(created, names[program_id])] if program_id in names else []
        path += sorted(t for t in later[lead_id] if t[0] <= cutoff)
        programs = [name for _, name in sorted(path, key=lambda t: t[0])]
        for kind, moment, by_team in (
            ("pipeline", opened, pipeline_by_team),
            ("revenue", won, revenue_by_team),
        ):
            if moment is None or not (period.start <= moment < period.end):
                continue
            by_team[team] += amount
            for model in CreditModel:
                for program, part in rules.credit(programs, amount, model).items():
                    by_program[program][f"{kind}_{model.value}"] += part
    return by_program, pipeline_by_team, revenue_by_team, missing


def programs(
    session: Session, *, period: Period, now: datetime, viewer: Principal | None = None
) -> Report:
    """Cost per lead, MQL, SQL, opportunity and customer per program and per channel (leads
    by first touch, created in the period), and pipeline and revenue per program under
    first-touch, last-touch and even-split credit."""
    contract = _contract(session)
    index = milestone_index(contract)
    all_programs = program_service.all_programs(session)
    costs: dict[int, list] = defaultdict(list)
    for c in program_service.all_costs(session):
        costs[c.program_id].append((c.period_start, c.period_end, c.amount))
    cost_of = {p.name: rules.prorated_cost(costs[p.id], period) for p in all_programs}
    channel_of = {p.name: p.channel or NONE for p in all_programs}
    money_cols = ["cost", "leads", *MILESTONE_COLUMNS] + [
        f"cost_per_{m}" for m in ("lead", *MILESTONE_COLUMNS)
    ]

    def row(cost: Decimal, counts: list[int]) -> list:
        return [_money(cost), *counts, *(_money(rules.per(cost, n)) for n in counts)]

    by_program = cohort(session, contract, period, "program", viewer)
    program_rows = []
    for name in sorted(set(cost_of) | set(by_program)):
        counts = reached_counts(by_program[name], index) if name in by_program else [0] * 5
        program_rows.append(
            [name, channel_of.get(name, NONE), *row(cost_of.get(name, Decimal(0)), counts)]
        )
    # a lead's channel is its first-touch program's: the program groups add up to them
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for name, group in by_program.items():
        counts = reached_counts(group, index)
        channel = channel_of.get(name, NONE)
        by_channel[channel] = [a + b for a, b in zip(by_channel[channel], counts, strict=True)]
    channel_cost: dict[str, Decimal] = defaultdict(Decimal)
    for name, cost in cost_of.items():
        channel_cost[channel_of[name]] += cost
    channel_rows = [
        [channel, *row(channel_cost.get(channel, Decimal(0)), by_channel.get(channel, [0] * 5))]
        for channel in sorted(set(channel_cost) | set(by_channel))
    ]
    credit, pipeline_team, revenue_team, missing = credited(session, period, viewer)
    credit_cols = [f"{k}_{m.value}" for k in ("pipeline", "revenue") for m in CreditModel]
    credit_rows = [
        [name, *(_money(credit[name].get(c, Decimal(0))) for c in credit_cols)]
        for name in sorted(credit)
    ]
    total_cost = sum(cost_of.values(), Decimal(0))
    mqls = sum(r[4] for r in program_rows if r[0] != NONE)
    return _report(
        session,
        "programs",
        period,
        _filters(viewer),
        {
            "cost": _money(total_cost),
            "cost_per_mql": _money(rules.per(total_cost, mqls)),
            "pipeline": _money(sum(pipeline_team.values(), Decimal(0))),
            "revenue": _money(sum(revenue_team.values(), Decimal(0))),
            "deals_without_amount": missing,
        },
        [
            _table("programs", ["program", "channel", *money_cols], program_rows),
            _table("channels", ["channel", *money_cols], channel_rows),
            _table("credit", ["program", *credit_cols], credit_rows),
        ],
        now=now,
        notes=[
            "cost: each cost entry prorated by the days it shares with the period",
            "leads and stages: leads created in the period, by first-touch program",
            "credit: programs touching a deal up to its opportunity; even split over the "
            "distinct programs, leftover cents to the earliest",
        ],
    )


def sources(
    session: Session, *, period: Period, now: datetime, viewer: Principal | None = None
) -> Report:
    """Per source: the cohort's stages, the close rate of SQLs reached in the period, and the
    reject and disqualify reasons sales gave back (the closed loop)."""
    contract = _contract(session)
    index = milestone_index(contract)
    by_source = cohort(session, contract, period, "source", viewer)
    sql_stage = next((s.name for s in contract.stages if s.milestone == Milestone.sql), None)
    closes = {
        g: (n, won)
        for g, n, won in (
            queries.first_entries(session, sql_stage, period, "source", viewer) if sql_stage else []
        )
    }
    rows = []
    for source in sorted(set(by_source) | set(closes)):
        counts = reached_counts(by_source[source], index) if source in by_source else [0] * 5
        n, won = closes.get(source, (0, 0))
        rows.append([source, *counts, n, won, rules.share(won, n)])
    back = [
        s.name
        for s in contract.stages
        if s.category in (StageCategory.parked, StageCategory.lost) and s.reason_required
    ]
    reasons = sorted(
        (
            [s, st, r or NONE, n]
            for s, st, r, n in queries.reasons_by_source(session, back, period, viewer)
        ),
        key=lambda r: (r[0], r[1], -r[3], r[2]),
    )
    return _report(
        session,
        "sources",
        period,
        _filters(viewer),
        {"sources": len(rows)},
        [
            _table(
                "sources",
                [
                    "source",
                    "leads",
                    *MILESTONE_COLUMNS,
                    "sqls_in_period",
                    "of_those_won",
                    "sql_close_rate",
                ],
                rows,
            ),
            _table("reasons", ["source", "stage", "reason", "moves"], reasons),
        ],
        now=now,
    )


# --- ownership -----------------------------------------------------------------------------


def owners(
    session: Session, *, period: Period, now: datetime, viewer: Principal | None = None
) -> Report:
    """Share of leads, SQLs, pipeline and revenue created by each sourcing team against the
    contract's agreed split, and the ownership advisor."""
    contract = _contract(session)
    agreed = {team.value: pct for team, pct in contract.ownership.split.items()}
    sql_stage = next((s.name for s in contract.stages if s.milestone == Milestone.sql), None)
    leads = dict(queries.created_by_team_kind(session, period, viewer))
    sqls = {
        g: n
        for g, n, _ in (
            queries.first_entries(session, sql_stage, period, "team_kind", viewer)
            if sql_stage
            else []
        )
    }
    _, pipeline, revenue, _ = credited(session, period, viewer)
    teams = sorted(set(agreed) | set(leads) | set(sqls) | set(pipeline) | set(revenue))
    totals = [
        sum(leads.values()),
        sum(sqls.values()),
        sum(pipeline.values(), Decimal(0)),
        sum(revenue.values(), Decimal(0)),
    ]
    rows = []
    for team in teams:
        values = [
            leads.get(team, 0),
            sqls.get(team, 0),
            pipeline.get(team, Decimal(0)),
            revenue.get(team, Decimal(0)),
        ]
        pipeline_share = rules.share(float(values[2]), float(totals[2]))
        row = [team, agreed.get(team, 0.0)]
        for value, total in zip(values, totals, strict=True):
            row += [_money(value) if isinstance(value, Decimal) else value]
            row += [rules.share(float(value), float(total))]
        gap = (
            None if pipeline_share is None else round(pipeline_share * 100 - agreed.get(team, 0), 2)
        )
        rows.append([*row, gap])
    qualified = Counter(
        dict(queries.qualified_by_sdr(session, sql_stage, period, viewer)) if sql_stage else {}
    )
    basis = "leads moved to SQL by sales-development users"
    if not qualified:
        qualified = Counter(sqls)
        basis = "every lead that reached SQL (no SQL in the period was recorded by an SDR)"
    advice = rules.advise(contract, qualified, basis)
    return _report(
        session,
        "owners",
        period,
        _filters(viewer),
        {
            "qualification_owner": advice.qualification_owner,
            "suggested_qualification_owner": advice.suggested_owner,
            "suggested_change": advice.change,
            "advisor_basis": advice.basis,
        },
        [
            _table(
                "ownership",
                [
                    "team",
                    "agreed_pipeline_pct",
                    "leads",
                    "leads_share",
                    "sqls",
                    "sqls_share",
                    "pipeline",
                    "pipeline_share",
                    "revenue",
                    "revenue_share",
                    "pipeline_pct_minus_agreed",
                ],
                rows,
            ),
            _table(
                "advisor",
                ["team", "qualified_leads_created"],
                [[t, n] for t, n in advice.qualified_by_team.items()],
            ),
        ],
        now=now,
        notes=["teams are the sourcing kinds of the team that created each lead"],
    )


# --- what planning measures ----------------------------------------------------------------


def rates_of(counts: list[int]) -> dict[str, float | None]:
    """Conversion between consecutive milestones from (leads, mql, sql, opportunity, customer)."""
    names = ("lead_to_mql", "mql_to_sql", "sql_to_opportunity", "opportunity_to_customer")
    return {n: rules.share(counts[i + 1], counts[i]) for i, n in enumerate(names)}


def measured(
    session: Session, window: Period, *, viewer: Principal | None = None
) -> dict[str, float | int | None]:
    """What ``--rates measured`` reads: conversion rates of the leads created in ``window``,
    their average won amount and median days to won, the inbound leads per week (created by
    marketing, partners or no team), and today's open pipeline and nurture pool."""
    contract = _contract(session)
    group = cohort(session, contract, window, None, viewer).get("all")
    counts = reached_counts(group, milestone_index(contract)) if group else [0] * 5
    won = queries.won_amounts(session, window, viewer)
    cycles = queries.won_cycles(session, window, viewer)
    inbound = queries.created_count(session, window, viewer, ["marketing", "partner", NONE])
    parked = [s.name for s in contract.stages if s.category == StageCategory.parked]
    _, pipeline = queries.open_pipeline(session, viewer)
    median = rules.percentile(cycles, 0.5)
    return rates_of(counts) | {
        "deal_size": round(sum(won) / len(won), 2) if won else None,
        "cycle_days": round(median / 86400, 2) if median is not None else None,
        "inbound_leads_per_week": round(inbound / (window.days / 7), 2),
        "open_pipeline": pipeline,
        "nurture_pool": queries.count_in_stage(session, parked, viewer),
    }


def actuals(
    session: Session, period: Period, *, viewer: Principal | None = None
) -> dict[str, float]:
    """Leads created, leads entering each milestone stage, and revenue won in ``period``."""
    contract = _contract(session)
    entered = Counter()
    for _, stage, n in queries.funnel_flow(session, period, None, viewer):
        entered[stage] += n
    by_milestone: dict[str, int] = {}
    for s in contract.stages:
        key = s.milestone.value if s.milestone else None
        if s.category == StageCategory.won:
            key = "customer"
        if key in MILESTONE_COLUMNS:
            by_milestone[key] = by_milestone.get(key, 0) + entered[s.name]
    return {
        "leads": queries.created_count(session, period, viewer),
        "mqls": by_milestone.get("mql", 0),
        "sqls": by_milestone.get("sql", 0),
        "opportunities": by_milestone.get("opportunity", 0),
        "customers": by_milestone.get("customer", 0),
        "revenue": sum(queries.won_amounts(session, period, viewer)),
    }


def versions(session: Session, period: Period | None) -> list[int]:
    return queries.contract_versions(session, period)


def default_period(now: datetime) -> Period:
    return rules.quarter_of(now.astimezone(UTC))


# --- contract backtest ---------------------------------------------------------------------


def _replay(contract: Contract, leads: list[tuple], acts: dict[int, list]) -> dict[int, list]:
    out, grades = {}, {}
    for row in leads:
        lead_id, title, seniority, country, source, email, domain, industry, employees = row[:9]
        created = row[9]
        try:
            size = int(float(employees)) if employees not in (None, "") else None
        except ValueError:
            size = None
        facts = rules.FitFacts(
            industry=industry,
            employees=size,
            country=country,
            title=title,
            seniority=seniority,
            source=source,
            email_domain_kind=("free" if email and not domain else "business") if email else None,
        )
        history = list(acts.get(lead_id, []))
        first = rules.CHANNEL_ACTIVITY.get(source or "")
        if first:
            history.append((first, created))
        grade = grades.get(facts)
        if grade is None:
            grade = grades[facts] = rules.fit_grade(contract, facts)
        out[lead_id] = rules.mql_moments(contract, facts, history, grade)
    return out


def backtest(
    session: Session,
    proposed: Contract,
    *,
    since: datetime,
    now: datetime,
    viewer: Principal | None = None,
) -> Report:
    """Replay the active and a proposed contract's MQL rule over the leads created since
    ``since``: MQLs, hand-offs and SQLs under each, and how the leads that change side actually
    converted. Reads only; nothing is written."""
    current = contract_service.active(session)
    leads = queries.backtest_leads(session, since, viewer)
    acts: dict[int, list] = defaultdict(list)
    for lead_id, kind, channel, at in queries.backtest_activities(session, since, viewer):
        if kind == queries.TOUCH:
            kind = rules.CHANNEL_ACTIVITY.get(channel or "", kind)
        acts[lead_id].append((kind, at))
    old = _replay(current.contract, leads, acts)
    new = _replay(proposed, leads, acts)
    outcome = {r[0]: r for r in leads}

    def summary(moments: dict[int, list]) -> list:
        mqls = [i for i, m in moments.items() if m]
        sqls = [i for i in mqls if outcome[i][11] is not None]
        won = [i for i in mqls if outcome[i][12] is not None]
        return [len(mqls), sum(len(m) for m in moments.values()), len(sqls), len(won)]

    before, after = summary(old), summary(new)
    changed = []
    for lead_id in sorted(outcome):
        was, now_is = bool(old[lead_id]), bool(new[lead_id])
        if was != now_is:
            r = outcome[lead_id]
            changed.append(
                [
                    lead_id,
                    "no longer MQL" if was else "newly MQL",
                    r[14],
                    r[11] is not None,
                    r[12] is not None,
                    _money(r[13]),
                ]
            )
    won_total = sum(1 for r in leads if r[12] is not None)
    lost_won = sum(1 for c in changed if c[1] == "no longer MQL" and c[4])
    delta = rules.share(after[0] - before[0], before[0])
    sentence = (
        f"under the proposed contract {after[0]} leads would have been MQLs instead of "
        f"{before[0]}"
        + (f" ({delta:+.0%})" if delta is not None else "")
        + f"; {lost_won} of the {won_total} won deals would not have been passed"
        + (f" ({lost_won / won_total:.0%})" if won_total else "")
    )
    return Report(
        report="contract-backtest",
        period={"label": f"leads created since {since.date()}", "start": since.isoformat()},
        filters=_filters(viewer, since=since.date().isoformat()),
        contract_versions=[current.version],
        generated_at=now,
        headline={
            "summary": sentence,
            "leads": len(leads),
            "mqls_current": before[0],
            "mqls_proposed": after[0],
            "changed_side": len(changed),
        },
        tables=[
            _table(
                "compare",
                ["measure", "current", "proposed", "difference"],
                [
                    [name, b, a, a - b]
                    for name, b, a in zip(
                        ("mqls", "hand_offs", "sqls", "won"), before, after, strict=True
                    )
                ],
            ),
            _table(
                "changed",
                ["lead_id", "change", "stage_now", "reached_sql", "won", "amount"],
                changed,
            ),
        ],
        notes=[
            f"current: contract v{current.version}; proposed: the file given",
            "the MQL rule replayed: fit grade from the icp rules, engagement decayed by "
            "half_life_days, hand-raises; sqls and won: what those leads actually did",
        ],
    )

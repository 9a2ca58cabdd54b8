import csv
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from leadledger.contract.cli import read_file
from leadledger.contract.rules import parse_contract
from leadledger.core.clock import get_clock
from leadledger.core.console import new_app, print_json
from leadledger.core.db import get_engine, session_scope
from leadledger.reports import rules, service
from leadledger.reports.output import Format, render

app = new_app("Reports: funnel, leakage, sla, programs, sources, owners, plan-vs-actual.")

PeriodOpt = Annotated[
    str | None,
    typer.Option(help="2027, 2027-Q1, 2027-03, 2027-W05 or 2027-01-01..2027-03-31"),
]
FromOpt = Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="first day")]
ToOpt = Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="last day")]
FormatOpt = Annotated[Format, typer.Option("--format", help="table, csv or json")]


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _run(fn, period, first, last, fmt, *, allow_all=False, **kwargs) -> None:  # noqa: ANN001
    now = get_clock().now()
    resolved = rules.resolve_period(
        period,
        _day(first),
        _day(last),
        default=service.default_period(now),
        allow_all=allow_all,
    )
    # reports only read: they run beside writers on SQLite without taking the write lock
    with session_scope(get_engine().execution_options(sqlite_deferred=True)) as session:
        report = fn(session, period=resolved, now=now, **kwargs)
    render(report, fmt)


@app.command("funnel")
def funnel(
    period: PeriodOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    group_by: Annotated[
        str | None, typer.Option(help="source, channel, program, team, owner, region or grade")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """How many leads reached each stage (cohort) and entered it (flow), conversion and
    median / p90 time between stages."""
    _run(service.funnel, period, first, last, fmt, grouping=group_by)


@app.command("leakage")
def leakage(
    period: Annotated[
        str | None, typer.Option(help="as for funnel, or 'all' for the whole history")
    ] = None,
    first: FromOpt = None,
    last: ToOpt = None,
    list_bucket: Annotated[
        rules.Bucket | None,
        typer.Option("--list", help="list the leads of one bucket, e.g. no_disposition"),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The lead ledger: every lead handed to sales in exactly one bucket; the headline is the
    share with no disposition."""
    if list_bucket is None:
        _run(service.leakage, period, first, last, fmt, allow_all=True)
        return
    now = get_clock().now()
    resolved = rules.resolve_period(
        period, _day(first), _day(last), default=service.default_period(now), allow_all=True
    )
    items, cursor = [], 0
    with session_scope(get_engine().execution_options(sqlite_deferred=True)) as session:
        while True:
            page = service.leakage_leads(
                session, bucket=list_bucket, period=resolved, now=now, after=cursor, limit=1000
            )
            items += page.items
            if not page.next_cursor:
                break
            cursor = int(page.next_cursor)
    if fmt == Format.json:
        print_json([i.model_dump(mode="json") for i in items])
        return
    columns = ["id", "name", "email", "company_name", "owner", "team", "stage", "handed_at"]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(columns)
    out.writerows([i.model_dump(mode="json")[c] for c in columns] for i in items)


@app.command("sla")
def sla(
    period: PeriodOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Share touched within target, median and p90 speed, breaches and reassignments by owner,
    team and week."""
    _run(service.sla, period, first, last, fmt)


@app.command("programs")
def programs(
    period: PeriodOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Cost per lead, MQL, SQL, opportunity and customer per program and channel; pipeline and
    revenue per program under first-touch, last-touch and even-split credit."""
    _run(service.programs, period, first, last, fmt)


@app.command("sources")
def sources(
    period: PeriodOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Per source: the funnel, the close rate of SQLs and the reject / disqualify reasons."""
    _run(service.sources, period, first, last, fmt)


@app.command("owners")
def owners(
    period: PeriodOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Ownership agreed vs actual per team, and the ownership advisor."""
    _run(service.owners, period, first, last, fmt)


def backtest(
    file: Path,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="leads created since (default: a year ago)"),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Replay a proposed contract over past leads (MQLs, hand-offs, SQLs under the current and
    the proposed one, and the leads that change side). Writes nothing."""
    proposed = parse_contract(read_file(file))
    now = get_clock().now()
    start = since.replace(tzinfo=UTC) if since else now - timedelta(days=365)
    with session_scope(get_engine().execution_options(sqlite_deferred=True)) as session:
        report = service.backtest(session, proposed, since=start, now=now)
        session.rollback()  # nothing to keep, by construction
    render(report, fmt)

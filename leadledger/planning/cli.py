from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.console import console, print_json
from leadledger.core.db import session_scope
from leadledger.core.errors import InvalidInput
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input
from leadledger.planning import service
from leadledger.planning.schemas import AssumptionsIn, PlanCreate, PlanRead
from leadledger.reports.output import Format, render


def _rates(value: str) -> str | AssumptionsIn:
    if value in ("measured", "contract"):
        return value
    path = Path(value)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput(
            f"rates: '{value}' is not measured, contract or a readable file ({exc.strerror})",
            loc=["rates"],
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"rates: {value} is not YAML or JSON: {exc}", loc=["rates"]) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"rates: {value} must hold a mapping of assumptions", loc=["rates"])
    return parse_input(AssumptionsIn, data, prefix="rates")


def plan(
    revenue: Annotated[float, typer.Option(help="the revenue target")],
    period: Annotated[str, typer.Option(help="2027-Q1, 2027-03, 2027 or FIRST..LAST")],
    deal_size: Annotated[float | None, typer.Option(help="average won amount")] = None,
    rates: Annotated[
        str, typer.Option(help="measured (default), contract, or a YAML/JSON file")
    ] = "measured",
    name: Annotated[str, typer.Option(help="a name for the stored plan")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="compute, store nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Plan backwards from a revenue target: customers, opportunities, SQLs, MQLs and leads
    needed per month and team, and the gap outbound and new programs must fill."""
    data = parse_input(
        PlanCreate,
        {
            "name": name,
            "revenue": revenue,
            "period": period,
            "deal_size": deal_size,
            "rates": _rates(rates),
            "save": not dry_run,
        },
    )
    with session_scope() as session:
        result = service.create_plan(
            session, data, actor=Actor.system("cli"), now=get_clock().now()
        )
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    _show(result)


def _show(p: PlanRead) -> None:
    r = p.result
    console.print(
        f"plan {p.id if p.id else '(not stored)'}: {p.name}; period {p.period} "
        f"({p.starts_on} to {p.ends_on}); rates: {p.rates_source}",
        soft_wrap=True,
        highlight=False,
    )
    stages = ["leads", "mqls", "sqls", "opportunities", "customers"]
    need = Table("", *stages, title="needed")
    need.add_row("total", *(str(r["needed"][s]) for s in stages))
    for m in r["per_month"]:
        need.add_row(m["month"], *(f"{m[s]:,.2f}" for s in stages))
    for t in r["per_team"]:
        need.add_row(f"{t['team']} ({t['share_pct']}%)", *(f"{t[s]:,.2f}" for s in stages))
    console.print(need)
    gap = Table("gap", "value", title="the gap")
    for key, value in r["gap"].items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:,.2f}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:,.2f}"
        gap.add_row(key, str(value))
    console.print(gap)


def plan_vs_actual(
    plan_id: Annotated[int, typer.Argument(min=1, max=MAX_ID)],
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
) -> None:
    """A stored plan against the actuals of its period so far."""
    with session_scope() as session:
        report = service.plan_vs_actual(session, plan_id, now=get_clock().now())
    render(report, fmt)

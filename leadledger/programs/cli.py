from datetime import date
from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.schemas import parse_input
from leadledger.leads.schemas import Channel
from leadledger.programs import service
from leadledger.programs.schemas import CostCreate, CostRead, ProgramCreate, ProgramRead

app = new_app("Programs (campaigns): their channel, owner team, dates and costs.")


@app.command("add")
def add(
    name: str,
    channel: Annotated[Channel | None, typer.Option(help="the channel its leads come by")] = None,
    owner_team: Annotated[str | None, typer.Option(help="key of the team that runs it")] = None,
    starts: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD")] = None,
    ends: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD")] = None,
    description: str = "",
) -> None:
    """Create a program (leads and forms name it by NAME)."""
    data = parse_input(
        ProgramCreate,
        {
            "name": name,
            "channel": channel,
            "owner_team": owner_team,
            "starts_on": starts,
            "ends_on": ends,
            "description": description,
        },
    )
    with session_scope() as session:
        row = service.add_program(session, data, now=get_clock().now())
        console.print(f"program {row.id} [bold]{row.name}[/bold] added")


@app.command("cost")
def cost(
    name: str,
    amount: Annotated[Decimal, typer.Argument(help="the cost, e.g. 12500.00")],
    period_start: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    period_end: Annotated[str, typer.Option("--to", help="last day (inclusive), YYYY-MM-DD")],
    note: str = "",
) -> None:
    """Add a cost entry to program NAME for a period (each entry is kept as its own row)."""
    data = parse_input(
        CostCreate,
        {
            "period_start": period_start,
            "period_end": period_end,
            "amount": str(amount),
            "note": note,
        },
    )
    with session_scope() as session:
        row = service.add_cost(session, name, data, now=get_clock().now())
        console.print(f"cost {row.amount} for {row.period_start}..{row.period_end} added to {name}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Programs by name with their total cost and first-touch leads."""
    with session_scope() as session:
        programs = service.list_programs(session)
        costs = {
            p.id: [CostRead.model_validate(c) for c in service.costs_of(session, p.id)]
            for p in programs
        }
    if as_json:
        print_json([p.model_dump(mode="json") | {"costs": costs[p.id]} for p in programs])
        return
    table = Table("id", "name", "channel", "starts", "ends", "cost entries", "total cost", "leads")
    for p in programs:
        table.add_row(*_cells(p, len(costs[p.id])))
    console.print(table)


def _cells(p: ProgramRead, entries: int) -> list[str]:
    return [
        str(p.id),
        p.name,
        p.channel or "",
        _day(p.starts_on),
        _day(p.ends_on),
        str(entries),
        f"{p.total_cost:,.2f}",
        str(p.leads),
    ]


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""

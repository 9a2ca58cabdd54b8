from datetime import date
from decimal import Decimal
from typing import Annotated

import typer

from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app
from leadledger.core.db import session_scope
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input
from leadledger.opportunities import service
from leadledger.opportunities.schemas import OpportunityRecord

app = new_app("Opportunities: the amount and close date of a lead's pipeline.")


@app.command("record")
def record(
    lead_id: Annotated[int, typer.Argument(min=1, max=MAX_ID)],
    amount: Annotated[Decimal, typer.Option(help="pipeline value, e.g. 25000")],
    close_on: Annotated[str | None, typer.Option(help="expected close date, YYYY-MM-DD")] = None,
    won: Annotated[bool, typer.Option("--won", help="close it won (customer)")] = False,
    lost: Annotated[str | None, typer.Option(help="close it lost, with this reason code")] = None,
) -> None:
    """Open or re-price LEAD_ID's opportunity (moving it to the opportunity stage), and
    optionally close it."""
    if won and lost:
        raise typer.BadParameter("give --won or --lost, not both")
    data = parse_input(
        OpportunityRecord,
        {
            "amount": str(amount),
            "expected_close_on": close_on,
            "outcome": "won" if won else ("lost" if lost else None),
            "reason": lost,
        },
    )
    with session_scope() as session:
        row = service.record(
            session, lead_id, data, actor=Actor.system("cli"), now=get_clock().now()
        )
        state = row.outcome or "open"
        close = (
            row.expected_close_on.isoformat() if isinstance(row.expected_close_on, date) else "-"
        )
        console.print(f"lead {lead_id}: opportunity {row.amount} ({state}), closes {close}")

from typing import Annotated

import typer
from rich.table import Table

from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input
from leadledger.leads import service
from leadledger.leads.schemas import Channel, LeadCreate, LeadFilters, LeadPage, LeadRead
from leadledger.lifecycle import service as lifecycle
from leadledger.lifecycle.schemas import TransitionCreate, TransitionRead

app = new_app("Leads: add, list, show, move between stages.")
CLI_ACTOR = Actor.system("cli")
LeadId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="the lead's id")]


@app.command("add")
def add(
    email: Annotated[str, typer.Option(help="the person's e-mail")],
    first_name: str | None = None,
    last_name: str | None = None,
    company: str | None = None,
    title: str | None = None,
    phone: str | None = None,
    country: Annotated[str | None, typer.Option(help="ISO code, e.g. GB")] = None,
    program: Annotated[str | None, typer.Option(help="the program or campaign")] = None,
    source: Annotated[Channel, typer.Option(help="channel of the first touch")] = Channel.other,
    stage: Annotated[
        str | None, typer.Option(help="an entry stage (default: the contract's)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a lead."""
    data = parse_input(
        LeadCreate,
        {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "company_name": company,
            "title": title,
            "phone": phone,
            "country": country,
            "program": program,
            "source": source,
            "stage": stage,
        },
    )
    with session_scope() as session:
        lead = LeadRead.model_validate(
            service.create_lead(session, data, actor=CLI_ACTOR, now=get_clock().now())
        )
    if as_json:
        print_json(lead)
    else:
        console.print(f"lead {lead.id} {lead.email} created in stage {lead.stage}")


@app.command("list")
def list_(
    stage: Annotated[list[str] | None, typer.Option(help="repeat for several stages")] = None,
    owner: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="owner user id")] = None,
    team: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="creating team id")] = None,
    source: Channel | None = None,
    q: Annotated[str | None, typer.Option(help="text in name, email or company")] = None,
    sort: str = "-created_at",
    limit: Annotated[int, typer.Option(min=1, help="page size")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List leads, newest first."""
    filters = parse_input(
        LeadFilters,
        {"stage": stage or [], "owner_id": owner, "team_id": team, "source": source, "q": q},
    )
    with session_scope() as session:
        rows, next_cursor = service.list_leads(
            session, filters, sort=sort, cursor=cursor, limit=limit
        )
        leads = [LeadRead.model_validate(r) for r in rows]
    if as_json:
        print_json(LeadPage(items=leads, next_cursor=next_cursor))
        return
    table = Table("id", "email", "name", "company", "stage", "source", "owner", "created")
    for lead in leads:
        name = " ".join(p for p in (lead.first_name, lead.last_name) if p)
        table.add_row(
            str(lead.id),
            lead.email or "",
            name,
            lead.company_name or "",
            lead.stage,
            lead.source or "",
            str(lead.owner_id or ""),
            f"{lead.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    if next_cursor:
        console.print(f"more: --cursor {next_cursor}")


@app.command("show")
def show(lead_id: LeadId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a lead and its history."""
    with session_scope() as session:
        lead = LeadRead.model_validate(service.get_lead(session, lead_id))
        story = lifecycle.history(session, lead_id)
    if as_json:
        print_json({"lead": lead, "history": story})
        return
    table = Table(show_header=False, box=None)
    for key, value in lead.model_dump().items():
        if value not in (None, {}, ""):
            table.add_row(f"[bold]{key}", str(value))
    console.print(table)
    hist = Table("at", "kind", "what")
    for e in story:
        hist.add_row(f"{e.at:%Y-%m-%d %H:%M}", e.kind, e.summary)
    console.print(hist)


@app.command("move")
def move(
    lead_id: LeadId,
    to: Annotated[str, typer.Option(help="the target stage")],
    reason: Annotated[
        str | None, typer.Option(help="reason code (required for some stages)")
    ] = None,
    note: str | None = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Move a lead to another stage, as the contract allows."""
    data = parse_input(TransitionCreate, {"to": to, "reason": reason, "note": note})
    with session_scope() as session:
        row = TransitionRead.model_validate(
            lifecycle.transition(
                session,
                lead_id,
                data.to,
                reason=data.reason,
                note=data.note,
                actor=CLI_ACTOR,
                now=get_clock().now(),
            )
        )
    if as_json:
        print_json(row)
    else:
        console.print(
            f"lead {lead_id}: {row.from_stage} -> {row.to_stage} (contract v{row.contract_version})"
        )

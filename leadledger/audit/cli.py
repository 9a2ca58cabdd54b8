from typing import Annotated

import typer
from rich.table import Table

from leadledger.audit import service
from leadledger.audit.schemas import AuditEventRead, AuditFilters
from leadledger.core.console import console, print_json
from leadledger.core.db import session_scope
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input
from leadledger.users import service as user_service


def _change(value: object) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{value[0]!r} -> {value[1]!r}"
    return repr(value)


def audit(
    lead: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="only this lead")] = None,
    user: Annotated[
        str | None, typer.Option(help="only changes made by this user (e-mail)")
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="an action (lead.update) or an entity (lead)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the audit trail: who changed what, when, from where (newest first)."""
    with session_scope() as session:
        actor_id = user_service.get_user_by_email(session, user).id if user else None
        filters = parse_input(
            AuditFilters, {"lead_id": lead, "actor_id": actor_id, "action": action}
        )
        rows, _ = service.list_events(session, filters, limit=limit)
        events = [AuditEventRead.model_validate(r) for r in rows]
    if as_json:
        print_json(events)
        return
    table = Table("id", "at", "action", "record", "actor", "source", "changes")
    for e in events:
        record = f"{e.entity} {e.entity_id}" if e.entity else ""
        changes = ", ".join(f"{k}: {_change(v)}" for k, v in e.changes.items())
        table.add_row(
            str(e.id), f"{e.at:%Y-%m-%d %H:%M:%S}", e.action, record, e.actor, e.source, changes
        )
    console.print(table)

from typing import Annotated

import typer
from rich.table import Table

from leadledger.capture import service
from leadledger.capture.schemas import IntakeErrorRead
from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.errors import InvalidInput
from leadledger.core.pagination import MAX_ID

app = new_app("The intake log: captures that failed, kept for fixing and replay.")


@app.command("errors")
def errors(
    channel: Annotated[str | None, typer.Option(help="api, batch, form or import")] = None,
    include_replayed: Annotated[
        bool, typer.Option("--all", help="also those already replayed")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List failed captures (bad payloads, rate-limited posts, rejected rows, spam)."""
    with session_scope() as session:
        rows, _ = service.list_failures(
            session, channel=channel, include_replayed=include_replayed, limit=limit
        )
        items = [IntakeErrorRead.model_validate(r) for r in rows]
    if as_json:
        print_json(items)
        return
    table = Table("id", "at", "channel", "via", "client", "reason", "replayed")
    for e in items:
        table.add_row(
            str(e.id),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.channel,
            e.via or "",
            e.client or "",
            e.reason,
            f"lead {e.lead_id}" if e.replayed_at else "",
        )
    console.print(table)


def _changes(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--set '{pair}': write FIELD=VALUE", loc=["set"])
        out[name.strip()] = value
    return out


@app.command("replay")
def replay(
    error_id: Annotated[int, typer.Argument(min=1, max=MAX_ID, help="the intake error's id")],
    set_: Annotated[
        list[str], typer.Option("--set", help="FIELD=VALUE to fix before replaying; repeatable")
    ] = [],  # noqa: B006
) -> None:
    """Capture a failed payload again, after fixing fields with --set."""
    with session_scope() as session:
        result = service.replay(
            session,
            error_id,
            actor=Actor.system("cli"),
            now=get_clock().now(),
            changes=_changes(set_),
        )
    console.print(f"intake error {error_id}: {result.outcome} lead {result.lead_id}")


@app.command("purge")
def purge() -> None:
    """Delete failed captures and raw payloads older than LEADLEDGER_INTAKE_RETENTION_DAYS,
    and idempotency keys older than a day."""
    with session_scope() as session:
        removed = service.purge(session, now=get_clock().now())
    console.print(", ".join(f"{n} {what.replace('_', ' ')}" for what, n in removed.items()))

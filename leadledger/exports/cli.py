import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from leadledger.core.clock import get_clock
from leadledger.core.console import console
from leadledger.core.db import session_scope
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input
from leadledger.exports import service
from leadledger.exports.rules import Format, Preset
from leadledger.leads.schemas import Channel, LeadFilters
from leadledger.users.rules import Principal

CLI_VIEWER = Principal.system("cli")  # whoever runs the CLI reaches every lead


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _to_stdout(chunks: Iterator[bytes]) -> None:
    try:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def export(
    format_: Annotated[Format, typer.Option("--format", help="the file format")] = Format.csv,
    output: Annotated[
        Path | None, typer.Option(help="write to this file, not standard output")
    ] = None,
    preset: Annotated[
        Preset, typer.Option(help="the header set: leadledger, hubspot or salesforce")
    ] = Preset.leadledger,
    stage: Annotated[list[str] | None, typer.Option(help="repeat for several stages")] = None,
    owner: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="owner user id")] = None,
    team: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="creating team id")] = None,
    source: Channel | None = None,
    q: Annotated[str | None, typer.Option(help="text in name, email or company")] = None,
    created_from: Annotated[
        str | None, typer.Option(help="created at or after, ISO 8601 with a time zone")
    ] = None,
    created_to: Annotated[
        str | None, typer.Option(help="created before, ISO 8601 with a time zone")
    ] = None,
) -> None:
    """Export leads as CSV, XLSX or JSON lines (every lead the filters match; audited)."""
    if format_ is Format.xlsx and output is None and _is_terminal():
        raise typer.BadParameter(
            "an XLSX file is binary: give --output FILE or redirect standard output",
            param_hint="--output",
        )
    filters = parse_input(
        LeadFilters,
        {
            "stage": stage or [],
            "owner_id": owner,
            "team_id": team,
            "source": source,
            "created_from": created_from,
            "created_to": created_to,
            "q": q,
        },
    )
    with session_scope() as session:
        result = service.start_export(
            session, filters, viewer=CLI_VIEWER, fmt=format_, preset=preset, now=get_clock().now()
        )
    if output is None:
        _to_stdout(result.chunks)
        return
    partial = output.with_name(output.name + ".part")  # the file appears only when complete
    try:
        with partial.open("wb") as file:
            for chunk in result.chunks:
                file.write(chunk)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"exported {result.rows} leads to {output}")

from pathlib import Path
from typing import Annotated

import typer

from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.schemas import parse_input
from leadledger.privacy import service
from leadledger.privacy.schemas import PrivacyRequest

app = new_app("Requests from the people leads are about: export their data, forget them.")


@app.command("export")
def export(
    email: str,
    output: Annotated[Path | None, typer.Option(help="write to this file, not stdout")] = None,
) -> None:
    """Everything stored about EMAIL (leads, activities, moves, audit), as JSON."""
    data = parse_input(PrivacyRequest, {"email": email})
    with session_scope() as session:
        result = service.export(session, data.email, now=get_clock().now())
    text = result.model_dump_json(indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {output}")
    else:
        typer.echo(text)


@app.command("erase")
def erase(
    email: str,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask; this cannot be undone")] = False,
) -> None:
    """Forget EMAIL: blank their personal data in every table, keep the counts, and refuse to
    capture them again until they opt in anew."""
    data = parse_input(PrivacyRequest, {"email": email})
    if not yes and not typer.confirm(f"erase everything that names {data.email}? no undo"):
        raise typer.Exit(1)
    with session_scope() as session:
        result = service.erase(session, data.email, now=get_clock().now())
    print_json(result)

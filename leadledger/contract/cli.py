from pathlib import Path
from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table

from leadledger.contract import service
from leadledger.contract.rules import parse_contract
from leadledger.contract.schemas import ContractApply
from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app
from leadledger.core.db import session_scope
from leadledger.core.errors import InvalidInput
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input

app = new_app("The lead contract: show, check, apply, history, diff.")
Version = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="a contract version")]


def read_file(file: Path) -> str:
    try:
        return file.read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", loc=["file"]) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{file} is not UTF-8 text (byte {exc.start} cannot be read)", loc=["file"]
        ) from exc


@app.command("show")
def show(
    version: Annotated[
        int | None, typer.Option(min=1, max=MAX_ID, help="a past version; default: the active one")
    ] = None,
) -> None:
    """Print a contract version's YAML."""
    with session_scope() as session:
        row = service.get_version(session, version)
        typer.echo(row.yaml_text, nl=not row.yaml_text.endswith("\n"))


@app.command("check")
def check(file: Path) -> None:
    """Validate a contract file without applying it."""
    contract = parse_contract(read_file(file))
    console.print(f"[green]ok[/]: {file} is a valid contract ({len(contract.stages)} stages)")


@app.command("apply")
def apply(
    file: Path,
    reason: Annotated[str, typer.Option(help="why the contract changes (kept with the version)")],
    author: Annotated[str, typer.Option(help="who agreed the change")] = "cli",
) -> None:
    """Make FILE the new active contract version."""
    text = read_file(file)
    given = parse_input(ContractApply, {"reason": reason, "author": author})
    with session_scope() as session:
        row = service.apply(
            session,
            text,
            actor=Actor(label=given.author),
            reason=given.reason,
            now=get_clock().now(),
        )
        console.print(f"contract version [bold]{row.version}[/] is now active")


@app.command("history")
def history() -> None:
    """List every contract version with its author and reason."""
    with session_scope() as session:
        table = Table("version", "active", "created", "author", "reason")
        for row in service.history(session):
            table.add_row(
                str(row.version),
                "yes" if row.active else "",
                row.created_at.strftime("%Y-%m-%d %H:%M"),
                row.author,
                row.reason,
            )
        console.print(table)


@app.command("diff")
def diff(a: Version, b: Version) -> None:
    """Show what changed between versions A and B, section by section."""
    with session_scope() as session:
        sections = service.diff(session, a, b)
    if not sections:
        console.print(f"versions {a} and {b} are the same")
        return
    for section, lines in sections.items():
        console.rule(f"[bold]{section}")
        console.print(
            Syntax("\n".join(lines), "diff", theme="ansi_dark", background_color="default")
        )

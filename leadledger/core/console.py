"""What every CLI command shares: Rich consoles, JSON output, and the error rule (message on
stderr; exit 1 for a refused or invalid request, 2 for a usage error)."""

import json
from typing import Any

import typer
from alembic.util import CommandError as AlembicError
from pydantic import BaseModel
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from leadledger.core.errors import LeadLedgerError

console = Console()
err_console = Console(stderr=True)


class ErrorHandlingGroup(TyperGroup):
    def invoke(self, ctx):  # noqa: ANN001, ANN201
        try:
            return super().invoke(ctx)
        except LeadLedgerError as exc:
            issues = getattr(exc, "issues", None)
            for line in [str(i) for i in issues] if issues else [exc.message]:
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(1) from exc
        except AlembicError as exc:
            typer.echo(f"error: migrations: {exc}", err=True)
            raise typer.Exit(1) from exc
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            typer.echo(f"error: database: {reason}", err=True)
            if "no such table" in reason or "does not exist" in reason:
                typer.echo("hint: run 'leadledger init' to create or upgrade the schema", err=True)
            raise typer.Exit(1) from exc


def new_app(help: str) -> typer.Typer:
    return typer.Typer(
        help=help, no_args_is_help=True, cls=ErrorHandlingGroup, add_completion=False
    )


def print_json(value: Any) -> None:
    """``value`` as indented JSON; Pydantic models anywhere inside are dumped as JSON."""

    def default(o: Any) -> Any:
        if isinstance(o, BaseModel):
            return o.model_dump(mode="json")
        raise TypeError(f"cannot write {type(o).__name__} as JSON")

    typer.echo(json.dumps(value, indent=2, default=default))

"""The ``leadledger`` command: one Typer app with a sub-app per area."""

import os
from typing import Annotated

import typer

from leadledger.audit.cli import audit
from leadledger.capture.cli import app as intake_app
from leadledger.contract import service as contract_service
from leadledger.contract.cli import app as contract_app
from leadledger.core import audit as audit_trail
from leadledger.core import migrate
from leadledger.core.clock import get_clock
from leadledger.core.config import get_settings
from leadledger.core.console import console, new_app
from leadledger.core.db import dispose_engines, session_scope
from leadledger.demo.cli import demo
from leadledger.exports.cli import export
from leadledger.forms.cli import app as forms_app
from leadledger.imports.cli import import_file
from leadledger.leads.cli import app as leads_app
from leadledger.opportunities.cli import app as opportunities_app
from leadledger.planning.cli import plan, plan_vs_actual
from leadledger.privacy.cli import app as privacy_app
from leadledger.programs.cli import app as programs_app
from leadledger.reports.cli import app as report_app
from leadledger.reports.cli import backtest
from leadledger.scoring.cli import app as score_app
from leadledger.scoring.cli import qualify
from leadledger.users.cli import permissions, teams_app, users_app

app = new_app("leadledger: every lead accounted for, from first touch to revenue.")
db_app = new_app("The database schema (Alembic migrations).")
app.add_typer(db_app, name="db")
app.add_typer(contract_app, name="contract")
app.add_typer(leads_app, name="leads")
app.add_typer(users_app, name="users")
app.add_typer(teams_app, name="teams")
app.add_typer(privacy_app, name="privacy")
app.add_typer(forms_app, name="forms")
app.add_typer(intake_app, name="intake")
app.add_typer(programs_app, name="programs")
app.add_typer(opportunities_app, name="opportunities")
app.add_typer(report_app, name="report")
report_app.command("plan-vs-actual")(plan_vs_actual)
contract_app.command("backtest")(backtest)
app.command("plan")(plan)
app.add_typer(score_app, name="score")
leads_app.command("qualify")(qualify)
app.command("demo")(demo)
app.command("audit")(audit)
app.command("import")(import_file)
app.command("export")(export)
app.command("permissions")(permissions)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Whoever runs the CLI can reach the database, so commands run with every permission
    and are recorded in the audit trail as the CLI."""
    ctx.with_resource(audit_trail.acting_as(audit_trail.CLI))


def use_database(url: str) -> None:
    """Point this process (and a server it starts) at ``url``."""
    os.environ["LEADLEDGER_DATABASE_URL"] = url
    get_settings.cache_clear()
    dispose_engines()


def init_database(*, quiet: bool = False) -> None:
    migrate.upgrade("head")
    with session_scope() as session:
        loaded = contract_service.ensure_default(session, now=get_clock().now())
        version = contract_service.active(session).version
    if not quiet:
        console.print(f"schema at {migrate.current_revision()}")
        console.print(
            f"default contract loaded as version {loaded.version}"
            if loaded
            else f"contract version {version} is active"
        )


def run_server(*, host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run("leadledger.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command("init")
def init() -> None:
    """Create or upgrade the schema and load the default contract. Safe to run again."""
    init_database()


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    run_server(host=host, port=port, workers=workers)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    migrate.upgrade(revision)
    console.print(f"schema at {migrate.current_revision()}")


@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="target, e.g. -1 or base")],
    yes: Annotated[
        bool, typer.Option("--yes", help="do not ask; data in dropped tables is lost")
    ] = False,
) -> None:
    """Migrate the schema down to REVISION (dropping what later migrations added)."""
    if not yes and not typer.confirm(
        f"downgrade to {revision}? tables and columns added since are dropped with their data"
    ):
        raise typer.Exit(1)
    migrate.downgrade(revision)
    console.print(f"schema at {migrate.current_revision() or 'base (empty)'}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema's current revision and the newest one."""
    console.print(
        f"current: {migrate.current_revision() or 'none'}  head: {migrate.head_revision()}"
    )

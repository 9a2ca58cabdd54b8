import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from leadledger.core.audit import AuditContext, acting_as
from leadledger.core.clock import get_clock
from leadledger.core.config import get_settings
from leadledger.core.db import session_scope
from leadledger.core.errors import InvalidInput
from leadledger.demo.service import DEMO_ADMIN, seed
from leadledger.users import service as user_service
from leadledger.users.models import TokenScope


def demo(
    db_file: Annotated[
        Path, typer.Option(help="the demo's own SQLite file; replaced on every run")
    ] = Path("demo.db"),
    host: str = "127.0.0.1",
    port: int = 8000,
    leads: Annotated[int, typer.Option(min=1, help="how many leads to create")] = 100,
    seed_value: Annotated[
        int, typer.Option("--seed", help="random seed: same seed, same demo")
    ] = 7,
    serve: Annotated[bool, typer.Option(help="serve the API after building the demo")] = True,
) -> None:
    """Build a fresh demo database (never another one), print an admin token and serve it."""
    from leadledger import cli  # the runtime switch of database lives with the CLI

    _refuse_foreign(db_file)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_file.resolve()}"
    cli.use_database(url)
    cli.init_database(quiet=True)
    with acting_as(AuditContext(actor="system:demo", source="demo")), session_scope() as session:
        result = seed(session, now=get_clock().now(), rng=random.Random(seed_value), leads=leads)
        _row, token = user_service.create_token(
            session, result.admin, name="demo", now=get_clock().now(), scope=TokenScope.admin
        )
    base = f"http://{host}:{port}"
    # plain echo: a terminal must not wrap the token
    typer.echo(f"demo database: {db_file} ({result.leads} leads, {result.transitions} stage moves)")
    typer.echo(f"admin token:   {token}")
    typer.echo(f"API docs:      {base}/docs")
    typer.echo(f"web form:      {base}/f/{result.form_key} (leadledger forms snippet contact-us)")
    typer.echo(f"try:           curl -H 'Authorization: Bearer {token}' {base}/api/v1/leads")
    if serve:
        cli.run_server(host=host, port=port, workers=1)


def _refuse_foreign(db_file: Path) -> None:
    """The demo replaces only a file that is a demo database, never a real one."""
    if not db_file.exists():
        return
    configured = make_url(get_settings().database_url)
    same_file = (
        configured.get_backend_name() == "sqlite"
        and configured.database
        and Path(configured.database).resolve() == db_file.resolve()
    )
    if same_file:
        raise InvalidInput(
            f"{db_file} is the database LEADLEDGER_DATABASE_URL names; the demo never "
            "replaces it. Choose another --db-file.",
            loc=["db_file"],
        )
    try:
        with closing(sqlite3.connect(f"file:{db_file.resolve()}?mode=ro", uri=True)) as conn:
            is_demo = conn.execute('SELECT 1 FROM "user" WHERE email = ?', (DEMO_ADMIN,)).fetchone()
    except sqlite3.DatabaseError:
        is_demo = None
    if not is_demo:
        raise InvalidInput(
            f"{db_file} is not a leadledger demo database; the demo replaces only its own file. "
            "Choose another --db-file.",
            loc=["db_file"],
        )

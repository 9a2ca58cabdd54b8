"""Alembic environment: the URL and the connection come from leadledger, never from a file."""

from alembic import context

from leadledger.core.db import make_engine
from leadledger.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # a throw-away engine: on SQLite, foreign keys are off while tables are rebuilt
    engine = make_engine(config.get_main_option("sqlalchemy.url"), for_migrations=True)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        # SQLite's DDL is transactional too: one transaction (BEGIN IMMEDIATE, the write lock)
        # reads the current revision and runs every step, so processes migrating at once take
        # turns, and a failed step leaves nothing half done
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from leadledger.core import migrate
from leadledger.core.db import get_engine
from leadledger.models import Base


def test_models_and_migrations_agree(database_url):
    with get_engine(database_url).connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_downgrade_to_base_and_up_again(empty_database_url):
    migrate.upgrade("head")
    tables = set(inspect(get_engine(empty_database_url)).get_table_names())
    assert {"lead", "lead_transition", "contract_version", "api_token"} <= tables
    migrate.downgrade("base")
    assert migrate.current_revision() is None
    assert set(inspect(get_engine(empty_database_url)).get_table_names()) <= {"alembic_version"}
    migrate.upgrade("head")
    assert migrate.current_revision() == migrate.head_revision()

"""Alembic, configured from settings: ``leadledger db upgrade|downgrade|current`` and ``init``."""

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from leadledger.core.db import advisory_lock, get_engine


def alembic_config(url: str | None = None) -> Config:
    engine = get_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("leadledger") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    return cfg


def upgrade(revision: str = "head", url: str | None = None) -> None:
    """Migrate up; several processes doing so at once take turns."""
    with advisory_lock(get_engine(url), "leadledger_migrations"):
        command.upgrade(alembic_config(url), revision)


def downgrade(revision: str, url: str | None = None) -> None:
    with advisory_lock(get_engine(url), "leadledger_migrations"):
        command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()

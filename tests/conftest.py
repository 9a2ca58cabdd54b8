"""Every test that touches a database runs on SQLite, and again on PostgreSQL when
LEADLEDGER_TEST_PG_URL is set. Each run makes its own databases (never the server's ``test``
database itself), builds the schema with the migrations, and empties the tables after each test."""

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from leadledger.app import create_app
from leadledger.contract import service as contract_service
from leadledger.core import migrate
from leadledger.core.audit import AuditEvent
from leadledger.core.clock import FrozenClock, set_clock
from leadledger.core.config import get_settings
from leadledger.core.db import dispose_engines, get_engine, session_factory
from leadledger.models import Base
from tests import factories

PG_URL = os.environ.get("LEADLEDGER_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


def _use(url: str) -> None:
    os.environ["LEADLEDGER_DATABASE_URL"] = url
    get_settings.cache_clear()


class EmptyDatabases:
    """Makes empty databases of one backend and drops them at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend, self.folder, self.made = backend, folder, []

    def new(self) -> str:
        name = f"leadledger_test_{os.getpid()}_{secrets.token_hex(4)}"
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / name}.db"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.made.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.made:
            return
        dispose_engines()
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def databases(request, tmp_path_factory) -> Iterator[EmptyDatabases]:
    made = EmptyDatabases(request.param, tmp_path_factory.mktemp(request.param))
    yield made
    made.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: EmptyDatabases) -> str:
    """The run's main test database of this backend, built by the migrations."""
    url = databases.new()
    _use(url)
    migrate.upgrade("head")
    return url


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _empty(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def engine(database_url: str, clock: FrozenClock) -> Iterator[Engine]:
    """The test database with the default contract as version 1; emptied after the test."""
    _use(database_url)
    engine = get_engine(database_url)
    with session_factory(engine).begin() as session:
        contract_service.ensure_default(session, now=clock.now())
    yield engine
    _empty(engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging and asserting; the code under test commits on its own. Its
    SQLite transactions are deferred, so a read it leaves open does not block the app's writes."""
    with session_factory(engine.execution_options(sqlite_deferred=True))() as session:
        yield session


MUTATIONS = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The app in-process. Every successful mutation a test makes through it must leave at
    least one audit row with its request id: checked after each test of the API suite."""
    mutations: list[str] = []

    def remember(response) -> None:  # noqa: ANN001
        request = response.request
        replayed = response.headers.get("idempotent-replayed") == "true"  # changed nothing
        if request.method in MUTATIONS and 200 <= response.status_code < 300 and not replayed:
            mutations.append(response.headers["x-request-id"])

    with TestClient(create_app()) as client:
        client.event_hooks["response"].append(remember)
        yield client
    if mutations:
        with session_factory(engine)() as session:
            audited = set(
                session.scalars(
                    select(AuditEvent.request_id).where(AuditEvent.request_id.in_(mutations))
                )
            )
        missing = [m for m in mutations if m not in audited]
        assert not missing, f"{len(missing)} of {len(mutations)} mutations left no audit row"


@pytest.fixture
def admin_token(session: Session, clock: FrozenClock) -> str:
    user = factories.make_user(session, email="admin@example.com", role="admin")
    token = factories.make_token(session, user, now=clock.now())
    session.commit()
    return token


@pytest.fixture
def auth(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}


@pytest.fixture
def empty_database_url(databases: EmptyDatabases) -> Iterator[str]:
    """A new empty database of this backend (no schema), current for the test."""
    url = databases.new()
    previous = os.environ.get("LEADLEDGER_DATABASE_URL")
    _use(url)
    yield url
    get_engine(url).dispose()
    if previous:
        _use(previous)

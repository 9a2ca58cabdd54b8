"""Engines, the declarative base and ``session_scope``: the one place that commits."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from threading import Lock

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool

from leadledger.core.clock import utcnow
from leadledger.core.config import get_settings
from leadledger.core.errors import Conflict, InvalidInput, LeadLedgerError, Unavailable
from leadledger.core.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TimestampMixin:
    """Creation and change times. Services set ``updated_at`` from the ``now`` they are given;
    there is no ``onupdate`` hook, which would read the wall clock behind the caller's back."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


_engines: dict[str, Engine] = {}
_lock = Lock()
log = logging.getLogger(__name__)


def make_engine(url: str, *, busy_timeout_ms: int = 5000, for_migrations: bool = False) -> Engine:
    """An engine for ``url``. SQLite gets WAL, foreign keys, a busy timeout and ``BEGIN
    IMMEDIATE`` transactions: the write lock is taken up front, so a transaction never fails
    half-way on a lock upgrade; writers queue for up to the busy timeout instead. A caller that
    only reads may bind ``engine.execution_options(sqlite_deferred=True)`` to read beside a writer.

    ``for_migrations``: no pooling, and SQLite foreign keys off, as table rebuilds need."""
    if not url.startswith("sqlite"):
        if for_migrations:
            return create_engine(url, poolclass=NullPool)
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        **({"poolclass": NullPool} if for_migrations else {}),
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
        # pysqlite's own transaction handling lets RELEASE SAVEPOINT commit; take it over
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'OFF' if for_migrations else 'ON'}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # The threads of one process queue for SQLite's write lock on a Python lock, in order,
    # rather than in SQLite's busy handler, whose growing sleeps let an unlucky writer wait
    # past the busy timeout while others overtake it.
    # (not tied to a thread: FastAPI may run a request's dependencies and route in different
    # threads, so the thread that begins a transaction need not be the one that ends it)
    writers = Lock()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):  # noqa: ANN001
        if conn.get_execution_options().get("sqlite_deferred", False):
            conn.exec_driver_sql("BEGIN")
            return
        if not writers.acquire(timeout=busy_timeout_ms / 1000):
            raise Unavailable("the database is busy; retry in a moment")
        conn.info["holds_writer_lock"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_record(conn.info)
            raise

    def _release_record(info: dict) -> None:
        if info.pop("holds_writer_lock", False):
            writers.release()

    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda conn: _release_record(conn.info))
    # a connection given back with its transaction open (the pool rolls it back), invalidated
    # by an error, or closed: its lock goes with it
    event.listen(engine.pool, "reset", lambda _c, record, _s: _release_record(record.info))
    event.listen(engine.pool, "invalidate", lambda _c, record, _e: _release_record(record.info))
    event.listen(engine.pool, "close", lambda _c, record: _release_record(record.info))

    return engine


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process; nothing connects until first use."""
    settings = get_settings()
    url = url or settings.database_url
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        return _engines[url]


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits if the block succeeds, rolls back otherwise. Database refusals
    become the project's errors, so no caller turns them into a 500."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        translated = translate_db_error(exc)
        if translated is not None:
            raise translated from exc
        raise
    finally:
        session.close()


def translate_db_error(exc: BaseException) -> LeadLedgerError | None:
    if isinstance(exc, IntegrityError):
        log.info("integrity error: %s", exc.orig)
        return Conflict("the change conflicts with stored data (a duplicate or a missing record)")
    if isinstance(exc, DataError):
        log.info("data error: %s", exc.orig)
        return InvalidInput(
            "a value is out of range, too long or has characters that cannot be stored"
        )
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
        return Unavailable("the database is busy; retry in a moment")
    return None


def insert_unique(session: Session, row: object, conflict: LeadLedgerError) -> None:
    """Insert ``row``, letting the database enforce uniqueness (never check-then-insert); a
    duplicate raises ``conflict`` and leaves the rest of the transaction intact."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise conflict from exc


def serialize(session: Session, name: str) -> None:
    """Let one transaction at a time past this point, across processes, until it ends.
    PostgreSQL: a transaction-level advisory lock. SQLite: every writing transaction already
    holds the database's write lock (``BEGIN IMMEDIATE``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


@contextmanager
def advisory_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold a cross-process lock for the block (PostgreSQL; SQLite needs none: its migrations
    run in ``BEGIN IMMEDIATE`` transactions)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": name})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": name})

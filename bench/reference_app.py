"""The bare reference for bench/intake_load.py: one FastAPI route that inserts the posted
JSON with a single INSERT and commits, nothing else (same engine settings as leadledger)."""

from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, insert

from leadledger.core.config import get_settings
from leadledger.core.db import make_engine

metadata = MetaData()
captured = Table(
    "bench_reference_capture",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def create_app() -> FastAPI:
    engine = make_engine(get_settings().database_url)
    metadata.create_all(engine)
    app = FastAPI()

    @app.post("/ref")
    def capture(payload: dict) -> dict:
        with engine.begin() as conn:
            conn.execute(insert(captured), {"payload": payload, "created_at": datetime.now(UTC)})
        return {"status": "ok"}

    return app

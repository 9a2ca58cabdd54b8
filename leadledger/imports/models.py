from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base, TimestampMixin


class ImportJob(Base, TimestampMixin):
    """One file being imported. The counters and ``last_row`` are committed with each batch of
    rows, so a killed import resumes after its last committed row and counts each row once."""

    __tablename__ = "import_job"
    __audit__ = AuditSpec(
        entity="import_job",
        exclude=frozenset(
            {
                "updated_at",
                "last_row",
                "rows_read",
                "created",
                "merged",
                "duplicates",
                "rejected",
                "error_file_size",
                "heartbeat_at",
            }
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued running done failed
    file_path: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(300))
    preset: Mapped[str] = mapped_column(String(20))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # header -> field
    guesses: Mapped[list[Any]] = mapped_column(JSON, default=list)  # fuzzy header matches
    program: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    last_row: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error_file: Mapped[str | None] = mapped_column(Text)
    error_file_size: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)  # why the whole import failed
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class SavedMapping(Base, TimestampMixin):
    """A column mapping saved by name for the next import of the same kind of file."""

    __tablename__ = "import_mapping"
    __audit__ = AuditSpec(entity="import_mapping")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    columns: Mapped[dict[str, str]] = mapped_column(JSON)

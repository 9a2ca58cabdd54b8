"""Exports: the leads a caller may read, streamed as CSV, JSONL or XLSX.

``start_export`` checks the request and records it in the audit trail in the caller's session,
then hands back a lazy stream. The stream reads in a session of its own (an API request's
session is closed by the time the response body is sent), inside one read-only snapshot, in
keyset batches of plain rows: memory stays flat whatever the number of leads. XLSX is the one
format that cannot be written as it is read; it is built in a temporary file (XlsxWriter's
``constant_memory`` mode), then streamed from there."""

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import xlsxwriter
from sqlalchemy import Engine, Row, Select, func, select
from sqlalchemy.orm import Session, aliased

from leadledger.core import audit
from leadledger.core.db import get_engine, session_scope
from leadledger.core.errors import InvalidInput
from leadledger.exports.rules import (
    MEDIA_TYPES,
    Format,
    Preset,
    columns,
    is_formula_like,
    neutralise,
    row_of,
    text_of,
)
from leadledger.leads import service as lead_service
from leadledger.leads.models import Lead
from leadledger.leads.schemas import LeadFilters
from leadledger.users.models import User
from leadledger.users.rules import Principal

BATCH = 1000
CHUNK_BYTES = 64 * 1024
XLSX_MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows, less the header

# what a row is made of (``rules.LeadLike``); the id first, for the keyset
_COLUMNS = (
    Lead.id,
    Lead.first_name,
    Lead.last_name,
    Lead.email,
    Lead.phone,
    Lead.company_name,
    Lead.domain,
    Lead.title,
    Lead.country,
    Lead.source,
    Lead.program,
    Lead.utm,
    Lead.stage,
    Lead.created_at,
    Lead.consent_source,
    Lead.unsubscribed_at,
    Lead.custom,
)


@dataclass
class Export:
    filename: str
    media_type: str
    chunks: Iterator[bytes] = field(default_factory=lambda: iter(()))
    rows: int = 0  # leads written so far


def start_export(
    session: Session,
    filters: LeadFilters,
    *,
    viewer: Principal | None,
    fmt: Format,
    preset: Preset,
    now: datetime,
) -> Export:
    """Refuse a bad request before anything is sent (unknown stage; too many rows for a sheet),
    record the export (``lead.export``) in ``session``, and return the file as a lazy stream of
    the leads ``viewer`` may read (``None``: every lead, for the CLI)."""
    stmt = lead_service.select_leads(session, filters, viewer=viewer)
    if fmt is Format.xlsx:
        count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        if count > XLSX_MAX_ROWS:
            raise InvalidInput(
                f"{count} leads do not fit in one XLSX sheet ({XLSX_MAX_ROWS} rows at most); "
                "export csv or jsonl, or narrow the filters",
                loc=["query", "format"],
            )
    audit.record(
        session,
        "lead.export",
        changes={
            "format": fmt,
            "preset": preset,
            "filters": filters.model_dump(mode="json", exclude_defaults=True),
        },
    )
    name = "leads" if preset is Preset.leadledger else f"leads-{preset}"
    export = Export(filename=f"{name}-{now:%Y%m%d-%H%M%S}.{fmt}", media_type=MEDIA_TYPES[fmt])
    export.chunks = _stream(export, filters, viewer=viewer, fmt=fmt, preset=preset)
    return export


def _stream(
    export: Export, filters: LeadFilters, *, viewer: Principal | None, fmt: Format, preset: Preset
) -> Iterator[bytes]:
    with session_scope(_snapshot_engine()) as session:
        keys = custom_keys(session, filters, viewer)

        def rows() -> Iterator[dict[str, Any]]:
            for lead in iter_leads(session, filters, viewer):
                export.rows += 1
                yield row_of(lead, preset, custom_keys=keys, owner_email=lead.owner_email)

        yield from WRITERS[fmt](columns(preset, keys), rows())


def _snapshot_engine() -> Engine:
    """Every batch of one export reads the same snapshot, without blocking writers.
    PostgreSQL: a read-only REPEATABLE READ transaction. SQLite: a deferred transaction, which
    in WAL mode reads one snapshot and takes no write lock."""
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return engine.execution_options(sqlite_deferred=True)


def _keyset(session: Session, stmt: Select, batch: int) -> Iterator[list[Row]]:
    """``stmt`` (whose first column is ``Lead.id``) in batches of ``batch`` rows, by id."""
    last = 0
    while True:
        rows = session.execute(stmt.where(Lead.id > last).order_by(Lead.id).limit(batch)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def iter_leads(
    session: Session, filters: LeadFilters, viewer: Principal | None, batch: int = BATCH
) -> Iterator[Row]:
    """The leads ``viewer`` may read that match ``filters``, by id, read ``batch`` at a time:
    rows with the lead columns an export writes, and ``owner_email``."""
    owner = aliased(User)
    stmt = (
        lead_service.select_leads(session, filters, viewer=viewer)
        .with_only_columns(*_COLUMNS, owner.email.label("owner_email"))
        .outerjoin(owner, owner.id == Lead.owner_id)
    )
    for rows in _keyset(session, stmt, batch):
        yield from rows


def custom_keys(
    session: Session, filters: LeadFilters, viewer: Principal | None, batch: int = BATCH
) -> tuple[str, ...]:
    """Every custom field key of the leads an export holds, sorted: the custom columns."""
    stmt = lead_service.select_leads(session, filters, viewer=viewer).with_only_columns(
        Lead.id, Lead.custom
    )
    keys: set[str] = set()
    for rows in _keyset(session, stmt, batch):
        for _, custom in rows:
            keys.update(custom or {})
    return tuple(sorted(keys))


# --- writers: header and rows in, bytes out ----------------------------------------------------


def write_csv(header: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """RFC 4180 (comma, double quotes, CRLF), UTF-8 without a BOM, formula-like cells
    neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(text_of(v)) for v in row.values()])
        if buffer.tell() >= CHUNK_BYTES:
            yield _drain(buffer)
    yield _drain(buffer)


def write_jsonl(header: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One JSON object per lead and line, keyed by the header, values as stored: nothing is
    neutralised (no spreadsheet reads JSON). No lead, no line."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
        if buffer.tell() >= CHUNK_BYTES:
            yield _drain(buffer)
    yield _drain(buffer)


def write_xlsx(header: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One sheet, every cell a string (never a number, date, formula or link). A formula-like
    string keeps its exact value and gets Excel's quote prefix style, so editing the cell does
    not turn it into a formula either."""
    with tempfile.TemporaryFile() as file:
        workbook = xlsxwriter.Workbook(
            file,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        sheet = workbook.add_worksheet("leads")
        literal = workbook.add_format({"quote_prefix": True})
        for col, name in enumerate(header):
            sheet.write_string(0, col, name)
        for n, row in enumerate(rows, 1):
            if n > XLSX_MAX_ROWS:  # leads added since start_export counted them
                raise InvalidInput(f"more than {XLSX_MAX_ROWS} leads: export csv or jsonl")
            for col, value in enumerate(row.values()):
                text = text_of(value)
                if text:
                    sheet.write_string(n, col, text, literal if is_formula_like(text) else None)
        workbook.close()
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


WRITERS = {Format.csv: write_csv, Format.jsonl: write_jsonl, Format.xlsx: write_xlsx}

"""Imports: a file of leads, read as a stream and captured in batches. Each batch commits its
leads together with the job's counters and ``last_row``, so an import killed at any point
resumes after its last committed row and every row ends in exactly one bucket: created,
merged into a known lead as a touch, skipped as a duplicate within the file, or rejected (with
the row, the column and the reason in the error file and the intake log)."""

import csv
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from leadledger.activities.models import Activity
from leadledger.capture import service as capture_service
from leadledger.capture.schemas import CaptureIn
from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Contract
from leadledger.core import audit
from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.config import get_settings
from leadledger.core.db import session_scope
from leadledger.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    LeadLedgerError,
    NotFound,
    describe,
)
from leadledger.exports.rules import restore
from leadledger.imports.models import ImportJob, SavedMapping
from leadledger.imports.presets import (
    CUSTOM_PREFIX,
    Mapping,
    apply_mapping,
    build_mapping,
    missing_identity,
)
from leadledger.imports.reader import Row, open_rows
from leadledger.leads import service as lead_service
from leadledger.leads.models import Lead
from leadledger.leads.schemas import Channel
from leadledger.lifecycle import service as lifecycle
from leadledger.privacy import service as privacy_service
from leadledger.programs import service as program_service
from leadledger.users import service as user_service
from leadledger.users.permissions import Reach
from leadledger.users.rules import Principal

BATCH_ROWS = 2_000
YES = {"yes", "y", "true", "1", "x", "opted in", "opt-in", "subscribed", "ja", "oui", "si"}
ERROR_COLUMN = "leadledger_error"
ANOTHER_TEAMS = "column 'email': a lead of another team has this e-mail; ask its owner"
FORGOTTEN = (
    "column 'email': this person asked to be forgotten; import them again only with their new "
    "consent (a consent column saying yes)"
)
# import fields that are capture fields under another name, and those kept as custom values
RENAMED = {"company": "company_name"}
CAPTURED = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "website",
    "title",
    "country",
    "program",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
}
SOURCE_WORDS = {  # an export's lead source -> our channel, by the first word that matches
    "web": Channel.web_form,
    "form": Channel.web_form,
    "organic": Channel.web_form,
    "webinar": Channel.webinar,
    "event": Channel.event,
    "trade": Channel.event,
    "conference": Channel.event,
    "paid": Channel.paid_search,
    "ppc": Channel.paid_search,
    "adwords": Channel.paid_search,
    "social": Channel.social,
    "linkedin": Channel.social,
    "email": Channel.email,
    "referral": Channel.referral,
    "partner": Channel.partner,
    "purchased": Channel.purchased_list,
    "list": Channel.purchased_list,
    "outbound": Channel.outbound,
    "cold": Channel.outbound,
}


def channel_of(lead_source: str | None) -> Channel | None:
    if not lead_source:
        return None
    if lead_source.strip().lower() in Channel.__members__:  # our own export
        return Channel(lead_source.strip().lower())
    for word in lead_source.lower().replace("-", " ").replace("_", " ").split():
        if word in SOURCE_WORDS:
            return SOURCE_WORDS[word]
    return None


# --- starting an import ----------------------------------------------------------------------


def resolve_overrides(session: Session, mapping: str | None) -> dict[str, str] | None:
    """A saved mapping's columns, by name; ``None`` for no mapping."""
    if mapping is None:
        return None
    saved = session.scalar(select(SavedMapping).where(SavedMapping.name == mapping))
    if saved is None:
        raise NotFound(f"no saved mapping '{mapping}'", loc=["mapping"])
    return dict(saved.columns)


def save_mapping(session: Session, name: str, columns: dict[str, str], *, now: datetime) -> None:
    saved = session.scalar(select(SavedMapping).where(SavedMapping.name == name))
    if saved is None:
        session.add(SavedMapping(name=name, columns=columns, created_at=now, updated_at=now))
    else:
        saved.columns, saved.updated_at = columns, now
    session.flush()


def start(
    session: Session,
    path: Path,
    *,
    file_name: str,
    actor: Actor,
    now: datetime,
    preset: str = "auto",
    overrides: dict[str, str] | None = None,
    program: str | None = None,
    team_key: str | None = None,
    dry_run: bool = False,
    viewer: Principal | None = None,
) -> ImportJob:
    """Check the file's header and record a queued job; nothing is read past the header."""
    with open_rows(path) as source:
        headers = source.headers
    # our own export names custom fields "custom:<key>": they come back under the same key
    ours = {h: h for h in headers if h.startswith(CUSTOM_PREFIX) and len(h) > len(CUSTOM_PREFIX)}
    mapping = build_mapping(headers, preset, ours | (overrides or {}))
    problem = missing_identity(mapping)
    if problem:
        raise InvalidInput(problem, loc=["file", "header"])
    team = user_service.get_team(session, team_key) if team_key else None
    if team and viewer and viewer.reach is not Reach.all and team.id not in viewer.team_ids:
        raise Forbidden(f"team '{team_key}' is not yours to credit", loc=["team"])
    job = ImportJob(
        status="queued",
        file_path=str(path),
        file_name=file_name[:300],
        preset=mapping.preset,
        mapping=mapping.model_dump(mode="json"),
        guesses=[g.model_dump(mode="json") for g in mapping.guesses],
        program=program,
        team_id=team.id if team else None,
        created_by_id=actor.user_id,
        actor=actor.label,
        dry_run=dry_run,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    if not dry_run:
        job.error_file = str(
            Path(get_settings().import_dir).resolve() / f"import-{job.id}-errors.csv"
        )
    return job


def get_job(session: Session, job_id: int, *, for_update: bool = False) -> ImportJob:
    job = session.get(ImportJob, job_id, with_for_update=for_update)
    if job is None:
        raise NotFound(f"no import {job_id}", loc=["import_id"])
    return job


def list_jobs(session: Session, *, limit: int = 50) -> list[ImportJob]:
    return list(session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


# --- running it ------------------------------------------------------------------------------


@dataclass
class Outcome:
    created: int = 0
    merged: int = 0
    duplicates: int = 0
    rejected: list[tuple[Row, str]] = field(default_factory=list)


@dataclass
class Prepared:
    row: Row
    data: CaptureIn
    values: dict[str, str]
    problems: dict[str, str]
    email: str | None


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def yes(value: str | None) -> bool:
    return bool(value) and value.strip().lower() in YES


def _capture_input(fields: dict[str, str], custom: dict[str, str], job: ImportJob) -> dict:
    data: dict[str, Any] = {}
    extra = dict(custom)
    for name, value in fields.items():
        name = RENAMED.get(name, name)
        if name in CAPTURED:
            data[name] = value
        elif name == "mobile":
            data.setdefault("phone", value)
            extra.setdefault("mobile", value)
        else:
            extra[name] = value
    if not data.get("phone") and fields.get("mobile"):
        data["phone"] = fields["mobile"]
    data["source"] = channel_of(fields.get("lead_source")) or Channel.other
    if job.program:
        data["program"] = job.program
    if yes(fields.get("consent")):
        data["consent_source"] = f"import:{job.id}"
    data["custom"] = extra
    return data


def _where(error: LeadLedgerError, mapping: Mapping) -> str:
    """The column a capture error is about, as the file names it."""
    field = error.loc[-1] if error.loc else None
    field = {"company_name": "company"}.get(field, field)
    header = mapping.fields.get(field) if isinstance(field, str) else None
    return f"column '{header}': {error.message}" if header else error.message


def _prepare(
    row: Row, job: ImportJob, mapping: Mapping, contract: Contract, *, csv_cells: bool
) -> Prepared | str:
    if row.error:
        return row.error
    values = row.values
    if csv_cells:  # cells our export neutralised against formula injection, as they were
        values = {k: restore(v) for k, v in values.items()}
    fields, custom = apply_mapping(mapping, values)
    raw = _capture_input(fields, custom, job)
    try:
        data = CaptureIn.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        return _where(InvalidInput(describe(err), loc=loc), mapping)
    try:
        values, problems = capture_service.clean(data, contract)
    except InvalidInput as exc:
        return _where(exc, mapping)
    return Prepared(row, data, values, problems, values.get("email"))


def _process(
    session: Session,
    job: ImportJob,
    batch: list[Row],
    mapping: Mapping,
    *,
    now: datetime,
    seen: set[str] | None,
    csv_cells: bool,
    viewer: Principal | None,
) -> Outcome:
    """One batch: decide every row's bucket, then write the new leads and the touches in bulk."""
    active = contract_service.active(session)
    outcome = Outcome()
    ready: list[Prepared] = []
    in_batch: set[str] = set()
    for row in batch:
        prepared = _prepare(row, job, mapping, active.contract, csv_cells=csv_cells)
        if isinstance(prepared, str):
            outcome.rejected.append((row, prepared))
        elif prepared.email and (prepared.email in in_batch or (seen and prepared.email in seen)):
            outcome.duplicates += 1
        else:
            if prepared.email:
                in_batch.add(prepared.email)
            ready.append(prepared)
    emails = [p.email for p in ready if p.email]
    known = lead_service.known_emails(session, emails, viewer=viewer)
    forgotten = privacy_service.forgotten_among(session, emails)
    via = f"import:{job.id}"
    actor = Actor(label=job.actor, user_id=job.created_by_id)
    stage_fields, _ = lifecycle.entry(session, None, at=now)
    new_rows, touches = [], []
    for p in ready:
        if p.email in forgotten:
            if not p.data.consent_source:
                outcome.rejected.append((p.row, FORGOTTEN))
                continue
            privacy_service.refuse_or_lift(session, p.email, consent=True)
        if p.email in known:
            lead_id, lead_via, reachable = known[p.email]
            if lead_via == via:  # made by an earlier batch of this same file
                outcome.duplicates += 1
                continue
            if not reachable:  # the importer may not touch, or learn of, another team's lead
                outcome.rejected.append((p.row, ANOTHER_TEAMS))
                continue
            touches.append((lead_id, p))
            outcome.merged += 1
            continue
        new_rows.append(_lead_row(p, job, via, stage_fields, now))
        outcome.created += 1
    if seen is not None:
        seen.update(emails)
    if job.dry_run:
        return outcome
    if new_rows:
        # a plain executemany (RETURNING would cost a statement per row on SQLite); this
        # batch's leads are then those of this import above the highest id before it
        programs = program_service.resolve(
            session, {r["program"] for r in new_rows}, channel=new_rows[0]["source"], now=now
        )
        for r in new_rows:
            r["program_id"] = programs.get(r["program"])
        before = session.scalar(select(func.max(Lead.id))) or 0
        session.execute(insert(Lead.__table__), new_rows)
        lifecycle.start_many(
            session,
            select(Lead.id).where(Lead.id > before, Lead.via == via),
            stage_fields["stage"],
            at=now,
            actor=actor,
            version=stage_fields["contract_version"],
        )
    if touches:
        session.execute(
            insert(Activity),
            [
                {
                    "lead_id": lead_id,
                    "type": capture_service.TOUCH,
                    "at": now,
                    "payload": {"channel": p.data.source, "via": via, "row": p.row.number}
                    | ({"program": p.data.program} if p.data.program else {}),
                    "actor_id": job.created_by_id,
                    "created_at": now,
                }
                for lead_id, p in touches
            ],
        )
        session.execute(
            update(Lead)
            .where(Lead.id.in_([lead_id for lead_id, _ in touches]))
            .values(last_activity_at=now, updated_at=now)
        )
    for row, reason in outcome.rejected:
        capture_service.add_failure(
            session,
            channel="import",
            via=via,
            client=None,
            error=f"row {row.number}: {reason}",
            payload={"row": row.number, "values": row.values},
            now=now,
        )
    return outcome


def _lead_row(p: Prepared, job: ImportJob, via: str, stage: dict, now: datetime) -> dict:
    v = p.values
    utm = {
        k.removeprefix("utm_"): getattr(p.data, k)
        for k in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
        if getattr(p.data, k)
    }
    return {
        "first_name": v.get("first_name"),
        "last_name": v.get("last_name"),
        "email": v.get("email"),
        "phone": v.get("phone"),
        "title": v.get("title"),
        "company_name": v.get("company_name"),
        "company_key": v.get("company_key"),
        "seniority": v.get("seniority"),
        "department": v.get("department"),
        "domain": v.get("domain"),
        "country": v.get("country"),
        "source": p.data.source,
        "program": p.data.program,
        "utm": utm,
        "via": via,
        "creating_team_id": job.team_id,
        "created_by_id": job.created_by_id,
        "custom": p.data.custom,
        "raw": p.data.model_dump(mode="json", exclude_defaults=True),
        "problems": p.problems,
        "consent_source": p.data.consent_source,
        "consent_at": now if p.data.consent_source else None,
        "do_not_call": False,
        "unsubscribed_at": now if yes(p.data.custom.get("unsubscribed")) else None,
        "created_at": now,
        "updated_at": now,
        "mql_at": None,
        "sal_at": None,
        "sql_at": None,
        "opportunity_at": None,
        "converted_at": None,
        "closed_at": None,
        **stage,
    }


class ErrorFile:
    """The rejected rows: the original cells plus the row number and the reason. It is cut
    back to the size the job last committed, so a resumed import never repeats a row."""

    def __init__(self, path: str | None, headers: list[str], committed: int) -> None:
        self.path = Path(path) if path else None
        self.headers = headers
        self.size = committed
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as f:
            f.truncate(committed)

    def append(self, rejected: list[tuple[Row, str]]) -> int:
        if self.path is None or not rejected:
            return self.size
        with self.path.open("a", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            if self.size == 0:
                writer.writerow(["row", *self.headers, ERROR_COLUMN])
            for row, reason in rejected:
                writer.writerow([row.number, *row.raw, reason])
            f.flush()
            os.fsync(f.fileno())
        self.size = self.path.stat().st_size
        return self.size


Progress = Callable[[int, ImportJob], None]


@contextmanager
def _only_runner(job_id: int) -> Iterator[None]:
    """One process at a time runs a job: an exclusive lock on a file beside it, which the
    system drops when the process dies, so a killed import can be resumed at once."""
    folder = Path(get_settings().import_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"import-{job_id}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Conflict(f"import {job_id} is being run by another process") from exc
        yield


def run(
    job_id: int, *, batch_rows: int = BATCH_ROWS, progress: Progress | None = None
) -> ImportJob:
    """Import (or resume) job ``job_id`` to its end; each batch is one transaction. Changes
    are audited as the person who started the import."""
    with session_scope() as session:
        job = get_job(session, job_id)
        context = audit.AuditContext(
            actor=job.actor, actor_id=job.created_by_id, source=f"import:{job_id}"
        )
    with _only_runner(job_id), audit.acting_as(context):
        return _run(job_id, batch_rows=batch_rows, progress=progress)


def _run(job_id: int, *, batch_rows: int, progress: Progress | None) -> ImportJob:
    now = get_clock().now
    with session_scope() as session:
        job = get_job(session, job_id, for_update=True)
        if job.status == "done":
            raise Conflict(f"import {job_id} is already done", loc=["import_id"])
        job.status, job.error = "running", None
        job.started_at = job.started_at or now()
        job.heartbeat_at = job.updated_at = now()
        path, start_after = Path(job.file_path), job.last_row
        mapping = Mapping.model_validate(job.mapping)
        dry_run, error_path, committed = job.dry_run, job.error_file, job.error_file_size
        creator = user_service.get_user(session, job.created_by_id) if job.created_by_id else None
        # the record rules of whoever started it: a rep's file touches only leads they reach
        viewer = (
            user_service.principal_of(session, creator, source=f"import:{job_id}")
            if creator
            else None
        )
    seen: set[str] | None = set() if dry_run else None
    try:
        with open_rows(path, start_after=start_after) as source:
            errors = ErrorFile(error_path, source.headers, committed)
            for batch in _batches(source, batch_rows):
                with session_scope() as session:
                    job = get_job(session, job_id, for_update=True)
                    if job.last_row >= batch[-1].number:
                        raise Conflict(f"import {job_id} is being run by another process")
                    outcome = _process(
                        session,
                        job,
                        batch,
                        mapping,
                        now=now(),
                        seen=seen,
                        csv_cells=source.format == "csv",
                        viewer=viewer,
                    )
                    job.error_file_size = errors.append(outcome.rejected)
                    audit.record(
                        session,
                        "import.batch",
                        entity="import_job",
                        entity_id=job.id,
                        changes={
                            "rows": [batch[0].number, batch[-1].number],
                            "created": outcome.created,
                            "merged": outcome.merged,
                            "duplicates": outcome.duplicates,
                            "rejected": len(outcome.rejected),
                        },
                    )
                    job.last_row = batch[-1].number
                    job.rows_read += len(batch)
                    job.created += outcome.created
                    job.merged += outcome.merged
                    job.duplicates += outcome.duplicates
                    job.rejected += len(outcome.rejected)
                    job.heartbeat_at = job.updated_at = now()
                if progress:
                    progress(len(batch), job)
    except LeadLedgerError as exc:
        fail(job_id, exc.message)
        raise
    with session_scope() as session:
        job = get_job(session, job_id, for_update=True)
        job.status, job.finished_at, job.updated_at = "done", now(), now()
        audit.record(
            session,
            "import.finish",
            entity="import_job",
            entity_id=job.id,
            changes={
                "rows_read": job.rows_read,
                "created": job.created,
                "merged": job.merged,
                "duplicates": job.duplicates,
                "rejected": job.rejected,
                "dry_run": job.dry_run,
            },
        )
    # the copy kept to resume from is not needed any more: no one's data is kept twice
    kept = Path(job.file_path)
    if kept.parent == Path(get_settings().import_dir).resolve():
        kept.unlink(missing_ok=True)
    return job


def fail(job_id: int, message: str) -> None:
    """Mark the job failed with why; its committed rows stay, and it can be resumed."""
    with session_scope() as session:
        job = get_job(session, job_id, for_update=True)
        job.status, job.error, job.updated_at = "failed", message, get_clock().now()

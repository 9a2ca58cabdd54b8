import logging
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, UploadFile
from fastapi.responses import FileResponse

from leadledger.core.config import get_settings
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.errors import InvalidInput, LeadLedgerError, NotFound
from leadledger.core.schemas import PathId
from leadledger.imports import service
from leadledger.imports.models import ImportJob
from leadledger.imports.presets import PRESETS
from leadledger.imports.schemas import ImportRead
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.permissions import Reach
from leadledger.users.rules import Principal

router = APIRouter(tags=["imports"])
Importer = Annotated[Principal, require(P.lead_import)]
log = logging.getLogger("leadledger")


def _run_in_background(job_id: int) -> None:
    try:
        service.run(job_id)
    except LeadLedgerError:
        pass  # recorded on the job by service.run
    except Exception as exc:  # a crash must still show on the job, not only in the log
        log.exception("import %s failed", job_id)
        service.fail(job_id, f"internal error: {type(exc).__name__}; the server log has details")


def _own(job: ImportJob, viewer: Principal) -> ImportJob:
    if viewer.reach is not Reach.all and job.created_by_id != viewer.user_id:
        raise NotFound(f"no import {job.id}", loc=["path", "import_id"])
    return job


@router.post("/imports", status_code=202, response_model=ImportRead)
def upload(
    file: Annotated[UploadFile, File(description="a CSV or XLSX file")],
    session: SessionDep,
    viewer: Importer,
    clock: ClockDep,
    background: BackgroundTasks,
    preset: Annotated[str, Form()] = "auto",
    mapping: Annotated[str | None, Form(description="a saved mapping's name")] = None,
    program: Annotated[str | None, Form(max_length=200)] = None,
    team: Annotated[str | None, Form(max_length=64)] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportRead:
    """Upload a file; the import runs in the background. Poll ``GET /imports/{id}``."""
    if preset not in ("auto", *PRESETS):
        raise InvalidInput(f"preset: one of auto, {', '.join(PRESETS)}", loc=["body", "preset"])
    folder = Path(get_settings().import_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(file.filename or "upload").name
    stored = (folder / f"{clock.now():%Y%m%dT%H%M%S%f}-{name}").resolve()
    with stored.open("wb") as out:
        shutil.copyfileobj(file.file, out, length=1 << 20)
    try:
        job = service.start(
            session,
            stored,
            file_name=name,
            actor=viewer.actor,
            now=clock.now(),
            preset=preset,
            overrides=service.resolve_overrides(session, mapping),
            program=program,
            team_key=team,
            dry_run=dry_run,
            viewer=viewer,
        )
    except LeadLedgerError:
        stored.unlink(missing_ok=True)
        raise
    background.add_task(_run_in_background, job.id)
    return ImportRead.model_validate(job)


@router.get("/imports", response_model=list[ImportRead])
def list_imports(session: SessionDep, viewer: Importer) -> list[ImportRead]:
    jobs = service.list_jobs(session)
    if viewer.reach is not Reach.all:
        jobs = [j for j in jobs if j.created_by_id == viewer.user_id]
    return [ImportRead.model_validate(j) for j in jobs]


@router.get("/imports/{import_id}", response_model=ImportRead)
def show_import(import_id: PathId, session: SessionDep, viewer: Importer) -> ImportRead:
    """Progress and counts: created + merged + duplicates + rejected = rows read."""
    return ImportRead.model_validate(_own(service.get_job(session, import_id), viewer))


@router.get("/imports/{import_id}/errors", response_class=FileResponse)
def import_errors(import_id: PathId, session: SessionDep, viewer: Importer) -> FileResponse:
    """The rejected rows as CSV: the row number, the original cells, and what was wrong."""
    job = _own(service.get_job(session, import_id), viewer)
    if not job.error_file or not job.rejected or not Path(job.error_file).is_file():
        raise NotFound(f"import {import_id} has no rejected rows", loc=["path", "import_id"])
    return FileResponse(
        job.error_file, media_type="text/csv", filename=f"import-{import_id}-errors.csv"
    )

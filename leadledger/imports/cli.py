import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.config import get_settings
from leadledger.core.console import console, err_console, print_json
from leadledger.core.db import session_scope
from leadledger.core.errors import InvalidInput
from leadledger.core.pagination import MAX_ID
from leadledger.imports import service
from leadledger.imports.presets import PRESETS, load_mapping_file
from leadledger.imports.schemas import ImportRead


def _count_lines(path: Path) -> int | None:
    """Rows to expect in a text file (for the progress bar's ETA); None for a spreadsheet."""
    with path.open("rb") as f:
        if f.read(4)[:2] == b"PK":
            return None
        f.seek(0)
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1, 0)


def _run(job_id: int, total: int | None, quiet: bool) -> ImportRead:
    """Run the job, with a progress bar (rows, rows/s, time left) on stderr unless quiet."""
    if quiet:
        return ImportRead.model_validate(service.run(job_id))
    counted = (
        "{task.completed:,.0f}/{task.total:,.0f} rows" if total else "{task.completed:,.0f} rows"
    )
    columns = (
        TextColumn("import {task.fields[job]}"),
        BarColumn(),
        TextColumn(counted),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console) as bar:
        task = bar.add_task("import", total=total, job=job_id, rate="-")

        def advance(rows: int, _job: object) -> None:
            bar.advance(task, rows)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:,.0f}" if speed else "-")

        job = service.run(job_id, progress=advance)
    return ImportRead.model_validate(job)


def import_file(
    file: Annotated[Path | None, typer.Argument(help="CSV or XLSX file", dir_okay=False)] = None,
    preset: Annotated[
        str, typer.Option(help="auto, hubspot, salesforce or generic: whose column names")
    ] = "auto",
    mapping: Annotated[
        str | None,
        typer.Option(help="a mapping YAML file ({columns: {Header: field}}) or a saved name"),
    ] = None,
    save_mapping: Annotated[
        str | None, typer.Option(help="save the --mapping file's columns under this name")
    ] = None,
    program: Annotated[str | None, typer.Option(help="the program every row credits")] = None,
    team: Annotated[
        str | None, typer.Option(help="key of the team the leads are sourced by")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="report what would happen; write no lead")
    ] = False,
    resume: Annotated[
        int | None, typer.Option(min=1, max=MAX_ID, help="resume the import with this id")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Import leads from a CSV or XLSX file (HubSpot and Salesforce exports recognised), or
    resume a killed import with --resume ID. Every row ends created, merged, duplicate or
    rejected; rejected rows go to an error file that names the row, column and problem."""
    if (file is None) == (resume is None):
        raise InvalidInput("give a FILE to import, or --resume ID", loc=["file"])
    if preset not in ("auto", *PRESETS):
        raise InvalidInput(f"--preset: one of auto, {', '.join(PRESETS)}", loc=["preset"])
    if resume is not None:
        with session_scope() as session:
            path = Path(service.get_job(session, resume).file_path)
        result = _run(resume, _count_lines(path), as_json)
    else:
        if not file.is_file():
            raise InvalidInput(f"{file}: no such file", loc=["file"])
        now = get_clock().now()
        with session_scope() as session:
            overrides = None
            if mapping and Path(mapping).is_file():
                overrides = load_mapping_file(mapping)
                if save_mapping:
                    service.save_mapping(session, save_mapping, overrides, now=now)
            elif mapping:
                overrides = service.resolve_overrides(session, mapping)
            elif save_mapping:
                raise InvalidInput("--save-mapping needs a --mapping file", loc=["save_mapping"])
            stored = _keep(file)
            job = service.start(
                session,
                stored,
                file_name=file.name,
                actor=Actor.system("cli"),
                now=now,
                preset=preset,
                overrides=overrides,
                program=program,
                team_key=team,
                dry_run=dry_run,
            )
            job_id, guesses = job.id, list(job.guesses)
        for g in guesses:
            err_console.print(
                f"guessed: column '{g['header']}' is {g['field']} ({g['score']:.0f}% alike)"
            )
        result = _run(job_id, _count_lines(stored), as_json)
    if as_json:
        print_json(result)
        return
    console.print(
        f"import {result.id} {result.status}: {result.rows_read} rows read, "
        f"{result.created} created, {result.merged} merged, {result.duplicates} duplicates, "
        f"{result.rejected} rejected" + (" (dry run: nothing written)" if result.dry_run else "")
    )
    if result.rejected and not result.dry_run:
        with session_scope() as session:
            console.print(f"rejected rows: {service.get_job(session, result.id).error_file}")


def _keep(file: Path) -> Path:
    """A copy of the file beside the import's error file: the import reads it to the end, and
    a resume reads it again, whatever happens to the original."""
    folder = Path(get_settings().import_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{get_clock().now():%Y%m%dT%H%M%S%f}-{file.name}"
    shutil.copyfile(file, stored)
    return stored.resolve()

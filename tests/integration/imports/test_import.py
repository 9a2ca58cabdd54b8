"""Importing files end to end through the CLI: presets picked from the headers, every row in
exactly one bucket, rejected rows in an error file that names the row and the column."""

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadledger.capture.models import IntakeError
from leadledger.cli import app
from leadledger.imports.models import ImportJob
from leadledger.leads.models import Lead
from leadledger.lifecycle.models import LeadTransition

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"
runner = CliRunner()


@pytest.fixture(autouse=True)
def import_dir(tmp_path, monkeypatch):
    from leadledger.core.config import get_settings

    monkeypatch.setenv("LEADLEDGER_IMPORT_DIR", str(tmp_path / "imports"))
    get_settings.cache_clear()
    yield tmp_path / "imports"
    monkeypatch.undo()
    get_settings.cache_clear()


def run_import(*args: str) -> dict:
    result = runner.invoke(app, ["import", *args, "--json"])
    assert result.exit_code == 0, (result.output, result.stderr)
    return json.loads(result.stdout)


def count(session, model) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("fixture", "preset"),
    [("hubspot_contacts.csv", "hubspot"), ("salesforce_leads.csv", "salesforce")],
)
def test_exports_of_hubspot_and_salesforce_import_with_their_preset(
    engine, session, fixture, preset
):
    job = run_import(str(FIXTURES / fixture))
    assert job["preset"] == preset
    assert job["status"] == "done" and job["balanced"]
    with (FIXTURES / fixture).open("rb") as f:
        data_rows = sum(1 for line in f if line.strip()) - 1
    assert job["rows_read"] == data_rows
    assert count(session, Lead) == job["created"]
    # one first move per lead: the lifecycle recorded every import
    assert count(session, LeadTransition) == job["created"]


def test_rejected_rows_are_in_the_error_file_with_their_row_and_column(engine, session):
    job = run_import(str(FIXTURES / "hubspot_contacts.csv"))
    assert job["rejected"] >= 1
    error_file = session.scalar(select(ImportJob.error_file).where(ImportJob.id == job["id"]))
    with open(error_file, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == job["rejected"]
    for row in rows:
        assert int(row["row"]) >= 2
        assert row["leadledger_error"].startswith("column '"), row["leadledger_error"]
    logged = session.scalars(select(IntakeError).where(IntakeError.channel == "import")).all()
    assert [e.payload["row"] for e in logged] == [int(r["row"]) for r in rows]


def test_the_values_are_cleaned_and_sources_kept(engine, session):
    run_import(str(FIXTURES / "salesforce_leads.csv"), "--program", "fair-2024")
    lead = session.scalar(select(Lead).where(Lead.email == "j.mueller@mueller-mb.example"))
    assert (lead.first_name, lead.last_name, lead.country) == ("Jürgen", "Müller", "DE")
    assert lead.phone == "+4971155501234"
    assert lead.company_key == "muller maschinenbau"
    assert lead.program == "fair-2024" and lead.source == "event"
    assert lead.via.startswith("import:")
    assert lead.raw["company_name"] == "Müller Maschinenbau GmbH"
    assert lead.custom["lead_source"] == "Trade Show"


def test_a_second_import_of_the_same_people_merges_them_as_touches(engine, session):
    first = run_import(str(FIXTURES / "salesforce_leads.csv"))
    second = run_import(str(FIXTURES / "salesforce_leads.csv"))
    assert second["merged"] == first["created"] and second["created"] == 0
    assert count(session, Lead) == first["created"]


def test_duplicates_within_a_file_are_skipped_once_each(engine, session, tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text("Email,First Name\na@acme.com,A\nb@acme.com,B\nA@ACME.com,A2\na@acme.com,A3\n")
    job = run_import(str(path))
    assert (job["created"], job["duplicates"], job["rows_read"]) == (2, 2, 4)


def test_a_dry_run_reports_and_writes_no_lead(engine, session):
    job = run_import(str(FIXTURES / "hubspot_contacts.csv"), "--dry-run")
    assert job["dry_run"] and job["balanced"] and job["created"] > 0
    assert count(session, Lead) == 0
    assert count(session, IntakeError) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
        (b"first_name,company\nAnn,Acme\n", "no email or phone column"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_writes_nothing(
    engine, session, tmp_path, content, message
):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert count(session, ImportJob) == 0


def test_a_mapping_file_is_used_and_saved_for_next_time(engine, session, tmp_path):
    data = tmp_path / "odd.csv"
    data.write_text("Kontakt,Firma\nann@acme.com,Acme\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  Kontakt: email\n  Firma: company\n")
    first = run_import(str(data), "--mapping", str(mapping), "--save-mapping", "german")
    assert first["created"] == 1
    again = tmp_path / "odd2.csv"
    again.write_text("Kontakt,Firma\nbo@acme.com,Beta\n")
    second = run_import(str(again), "--mapping", "german")
    assert second["created"] == 1
    lead = session.scalar(select(Lead).where(Lead.email == "bo@acme.com"))
    assert lead.company_name == "Beta"


def test_an_import_runs_in_one_process_at_a_time(engine, session, clock):
    from leadledger.core.actor import Actor
    from leadledger.core.errors import Conflict
    from leadledger.imports import service

    job = service.start(
        session,
        FIXTURES / "salesforce_leads.csv",
        file_name="sf.csv",
        actor=Actor("test"),
        now=clock.now(),
    )
    session.commit()
    with service._only_runner(job.id), pytest.raises(Conflict, match="another process"):
        service.run(job.id)
    assert service.run(job.id).status == "done"

"""What leaves by export comes back by import: the same people, the same values, and a
formula in a cell stays inert on the way."""

import csv
import json
import os

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadledger.capture import service as capture_service
from leadledger.capture.schemas import CaptureIn
from leadledger.cli import app
from leadledger.core.actor import Actor
from leadledger.core.config import get_settings
from leadledger.core.db import get_engine, session_factory
from leadledger.leads.models import Lead

runner = CliRunner()
PEOPLE = [
    {
        "email": "jane@evil-corp.example",
        "first_name": "Jane",
        "last_name": "Doe",
        "company_name": '=HYPERLINK("http://evil.example","click")',
        "phone": "+44 20 7946 0958",
        "title": "Head of Marketing",
        "country": "GB",
        "program": "webinar-q4",
        "source": "webinar",
        "custom": {"shoe": "44", "notes": "-5 is a fine score"},
    },
    {"email": "bo@acme.example", "first_name": "Bo", "company_name": "Acme GmbH", "country": "DE"},
    {"phone": "+1 415 555 0100", "first_name": "Phone", "last_name": "Only"},
]
FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "title",
    "company_name",
    "country",
    "program",
    "source",
    "domain",
)


def _people(session) -> list[dict]:
    rows = session.scalars(select(Lead).order_by(Lead.first_name)).all()
    return [{f: getattr(r, f) for f in FIELDS} | {"custom": _ours(r.custom)} for r in rows]


def _ours(custom: dict) -> dict:
    return {k: v for k, v in custom.items() if k in ("shoe", "notes")}


@pytest.mark.parametrize("preset", ["leadledger", "hubspot", "salesforce"])
def test_an_exported_csv_reimports_to_the_same_leads(
    engine, session, clock, databases, tmp_path, monkeypatch, preset
):
    for person in PEOPLE:
        capture_service.capture(
            session,
            CaptureIn(**person),
            source=capture_service.Source(via="test"),
            actor=Actor("test"),
            now=clock.now(),
        )
    session.commit()
    before = _people(session)
    exported = tmp_path / "leads.csv"
    done = runner.invoke(app, ["export", "--preset", preset, "--output", str(exported)])
    assert done.exit_code == 0, done.stderr
    with exported.open(encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert not any(c.startswith(("=", "@")) for c in cells), "a formula left the export live"

    other = databases.new()
    monkeypatch.setenv("LEADLEDGER_DATABASE_URL", other)
    monkeypatch.setenv("LEADLEDGER_IMPORT_DIR", str(tmp_path / "imports"))
    get_settings.cache_clear()
    try:
        assert runner.invoke(app, ["init"]).exit_code == 0
        imported = runner.invoke(app, ["import", str(exported), "--json"])
        assert imported.exit_code == 0, imported.stderr
        job = json.loads(imported.stdout)
        assert (job["created"], job["rejected"]) == (len(PEOPLE), 0), job
        assert job["preset"] == ("generic" if preset == "leadledger" else preset)
        with session_factory(get_engine(other))() as again:
            assert _people(again) == before
    finally:
        get_engine(other).dispose()
        monkeypatch.undo()
        get_settings.cache_clear()
    assert os.environ.get("LEADLEDGER_DATABASE_URL") != other

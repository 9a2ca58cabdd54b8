import json

from sqlalchemy import select
from typer.testing import CliRunner

from leadledger.capture import service
from leadledger.capture.models import IntakeError
from leadledger.capture.schemas import CaptureIn
from leadledger.cli import app
from leadledger.core.actor import Actor
from leadledger.core.errors import InvalidInput
from leadledger.leads.models import Lead

runner = CliRunner()


def test_an_operator_lists_fixes_and_replays_a_failed_capture(engine, session, clock):
    service.log_failure(
        channel="api",
        via="api:crm",
        client="10.0.0.9",
        error=InvalidInput("email: not an e-mail", loc=["body", "email"]),
        payload={"email": "jane(at)acme.com", "first_name": "Jane"},
        now=clock.now(),
    )
    listed = json.loads(runner.invoke(app, ["intake", "errors", "--json"]).stdout)
    assert [(e["channel"], e["via"], e["reason"]) for e in listed] == [
        ("api", "api:crm", "email: not an e-mail")
    ]
    error_id = str(listed[0]["id"])
    bad_fix = runner.invoke(app, ["intake", "replay", error_id, "--set", "email"])
    assert bad_fix.exit_code == 1 and "FIELD=VALUE" in bad_fix.stderr
    done = runner.invoke(app, ["intake", "replay", error_id, "--set", "email=jane@acme.com"])
    assert done.exit_code == 0, done.stderr
    assert "created lead" in done.stdout
    lead = session.scalar(select(Lead).where(Lead.email == "jane@acme.com"))
    assert lead.first_name == "Jane" and lead.via == "api:crm"
    assert json.loads(runner.invoke(app, ["intake", "errors", "--json"]).stdout) == []
    assert len(json.loads(runner.invoke(app, ["intake", "errors", "--all", "--json"]).stdout)) == 1


def test_purge_removes_failures_and_raw_payloads_past_the_retention(engine, session, clock):
    old = service.Source(via="api:old")
    service.capture(
        session, CaptureIn(email="old@acme.com"), source=old, actor=Actor("t"), now=clock.now()
    )
    service.add_failure(
        session, channel="api", via=None, client=None, error="x", payload={}, now=clock.now()
    )
    session.commit()
    clock.advance(days=29)
    assert "0 intake errors, 0 raw payloads" in runner.invoke(app, ["intake", "purge"]).stdout
    clock.advance(days=2)
    assert "1 intake errors, 1 raw payloads" in runner.invoke(app, ["intake", "purge"]).stdout
    session.expire_all()
    assert session.scalar(select(Lead.raw).where(Lead.email == "old@acme.com")) == {}
    assert session.scalars(select(IntakeError)).all() == []

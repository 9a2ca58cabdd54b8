from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadledger.cli import app
from leadledger.contract.rules import default_contract_text
from leadledger.core.audit import AuditEvent
from leadledger.lifecycle import service as lifecycle
from leadledger.models import Base
from leadledger.opportunities import service as opportunity_service
from leadledger.opportunities.schemas import OpportunityRecord
from leadledger.reports import rules, service
from tests.factories import TEST_ACTOR, make_lead, qualify_all
from tests.integration.reports import history

runner = CliRunner()


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    return result


def test_a_lead_lost_after_sql_counts_at_lead_mql_and_sql(session, clock):
    make_lead(session, now=clock.now(), stage="sql")
    lead = make_lead(session, now=clock.now(), stage="sql")
    lifecycle.transition(
        session, lead.id, "disqualified", reason="no_fit", actor=TEST_ACTOR, now=clock.now()
    )
    session.commit()
    report = service.funnel(session, period=rules.quarter_of(clock.now()), now=clock.now())
    reached = {r["stage"]: r["reached"] for r in report.rows("cohort")}
    assert (reached["lead"], reached["mql"], reached["sql"], reached["opportunity"]) == (2, 2, 2, 0)


class TestCli:
    def test_every_report_in_every_format(self, session, clock):
        history.build(session)
        session.commit()
        for name in ("funnel", "leakage", "sla", "programs", "sources", "owners"):
            table = run("report", name, "--period", "2026-Q4").output
            assert f"report: {name}" in table and "contract versions: 1" in table
            csv = run("report", name, "--period", "2026-Q4", "--format", "csv").output
            assert csv.startswith(f"# report: {name}\n# period: 2026-Q4 (2026-10-01 to 2026-12-31)")
        import json

        data = json.loads(run("report", "leakage", "--period", "all", "--format", "json").output)
        assert data["headline"]["handed_to_sales"] == 14
        listed = run("report", "leakage", "--period", "all", "--list", "no_disposition").output
        assert listed.splitlines()[0].startswith("id,name,email") and len(listed.splitlines()) == 3

    def test_bad_parameters_name_themselves(self, engine):
        err = run("report", "funnel", "--from", "2026-12-01", "--to", "2026-11-01", code=1).stderr
        assert "to: the period ends (2026-11-01) before it starts (2026-12-01)" in err
        err = run("report", "funnel", "--group-by", "colour", code=1).stderr
        assert "group_by: unknown grouping 'colour'" in err
        err = run("report", "sla", "--period", "2026-Q7", code=1).stderr
        assert "period: '2026-Q7' is not a period" in err
        assert "from: give both" in run("report", "sla", "--to", "2026-11-01", code=1).stderr


class TestOpportunities:
    def test_recording_moves_the_lead_through_the_lifecycle(self, session, clock):
        lead = make_lead(session, now=clock.now(), stage="sql")
        session.commit()
        run(
            "opportunities", "record", str(lead.id), "--amount", "12000", "--close-on", "2027-01-31"
        )
        session.rollback()  # a fresh snapshot after the command committed
        session.expire_all()
        assert (lead.stage, lead.opportunity_at is not None) == ("opportunity", True)
        run("opportunities", "record", str(lead.id), "--amount", "15000", "--lost", "price")
        session.rollback()  # a fresh snapshot after the command committed
        session.expire_all()
        assert lead.stage == "closed_lost"
        row = opportunity_service.get(session, lead.id)
        assert (row.amount, row.outcome) == (Decimal("15000.00"), "lost")
        err = run("opportunities", "record", str(lead.id), "--amount", "1", code=1).stderr
        assert "already closed lost" in err

    def test_an_illegal_move_writes_no_amount(self, session, clock):
        lead = make_lead(session, now=clock.now(), stage="mql")
        session.commit()
        with pytest.raises(Exception, match="cannot move from 'mql' to 'opportunity'"):
            opportunity_service.record(
                session,
                lead.id,
                OpportunityRecord(amount=Decimal(5)),
                actor=TEST_ACTOR,
                now=clock.now(),
            )
        session.rollback()
        assert opportunity_service.get(session, lead.id) is None


class TestPrograms:
    def test_add_cost_and_list(self, engine):
        run(
            "programs",
            "add",
            "Spring webinar",
            "--channel",
            "webinar",
            "--starts",
            "2027-03-01",
            "--ends",
            "2027-03-31",
        )
        run(
            "programs",
            "cost",
            "Spring webinar",
            "1500",
            "--from",
            "2027-03-01",
            "--to",
            "2027-03-31",
        )
        run(
            "programs",
            "cost",
            "Spring webinar",
            "500.50",
            "--from",
            "2027-03-01",
            "--to",
            "2027-03-31",
        )
        import json

        (listed,) = json.loads(run("programs", "list", "--json").output)
        assert (listed["name"], listed["channel"], listed["total_cost"]) == (
            "Spring webinar",
            "webinar",
            "2000.50",
        )
        assert [c["amount"] for c in listed["costs"]] == ["1500.00", "500.50"]
        err = run("programs", "add", "Spring webinar", code=1).stderr
        assert "a program named 'Spring webinar' exists" in err
        err = run(
            "programs",
            "cost",
            "Spring webinar",
            "1",
            "--from",
            "2027-03-02",
            "--to",
            "2027-03-01",
            code=1,
        ).stderr
        assert "period_end 2027-03-01 is before period_start 2027-03-02" in err
        assert (
            "no program 'Nope'"
            in run(
                "programs",
                "cost",
                "Nope",
                "1",
                "--from",
                "2027-03-01",
                "--to",
                "2027-03-01",
                code=1,
            ).stderr
        )

    def test_a_new_program_name_on_a_lead_becomes_a_program(self, session, clock):
        lead = make_lead(session, now=clock.now(), program="Partner day", source="event")
        session.commit()
        assert lead.program_id is not None
        assert "Partner day" in run("programs", "list", "--json").output


def _table_counts(session) -> dict[str, int]:
    return {
        t.name: session.scalar(select(func.count()).select_from(t))
        for t in Base.metadata.sorted_tables
    }


class TestBacktest:
    def _leads(self, session, clock):
        """Three decision makers at software companies (fit A): one whose engagement reaches
        45 and who was won, one at 42, one who asked for a demo (a hand-raise)."""
        from leadledger.activities import service as activity_service
        from leadledger.activities.schemas import ActivityCreate

        ids = []
        for points in (
            ("webinar_attended", "email_reply", "pricing_page_visit", "email_click"),
            ("webinar_attended", "email_reply", "pricing_page_visit"),
            ("demo_request",),
        ):
            lead = make_lead(
                session,
                now=clock.now() - timedelta(days=20),
                title="VP Sales",
                country="GB",
                custom={"industry": "software", "employees": 200},
                source="referral",
            )
            for i, kind in enumerate(points):
                activity_service.add_activity(
                    session,
                    lead.id,
                    ActivityCreate(type=kind, at=clock.now() - timedelta(days=20, minutes=-i)),
                    actor=TEST_ACTOR,
                    now=clock.now(),
                )
            ids.append(lead.id)
        qualify_all(session, ids[0], now=clock.now())
        for step in ("mql", "sal", "sql"):
            lifecycle.transition(session, ids[0], step, actor=TEST_ACTOR, now=clock.now())
        opportunity_service.record(
            session,
            ids[0],
            OpportunityRecord(amount=Decimal(9000), outcome="won"),
            actor=TEST_ACTOR,
            now=clock.now(),
        )
        session.commit()
        return ids

    def test_a_higher_threshold_means_fewer_mqls_and_writes_nothing(self, session, clock, tmp_path):
        ids = self._leads(session, clock)
        proposed = tmp_path / "proposed.yaml"
        proposed.write_text(
            default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: 50\n")
        )
        before = _table_counts(session)
        events = session.scalar(select(func.max(AuditEvent.id)))
        import json

        out = json.loads(
            run(
                "contract", "backtest", str(proposed), "--since", "2026-01-01", "--format", "json"
            ).output
        )
        compare = {r[0]: r[1:] for r in out["tables"][0]["rows"]}
        assert compare["mqls"] == [3, 1, -2]  # only the hand-raise stays an MQL
        changed = out["tables"][1]["rows"]
        assert [(r[0], r[1]) for r in changed] == [
            (ids[0], "no longer MQL"),
            (ids[1], "no longer MQL"),
        ]
        assert changed[0][3:] == [True, True, 9000.0]
        assert (
            "1 of the 1 won deals would not have been passed (100%)" in out["headline"]["summary"]
        )
        session.rollback()  # a fresh snapshot after the command committed
        session.expire_all()
        assert _table_counts(session) == before
        assert session.scalar(select(func.max(AuditEvent.id))) == events

    def test_a_contract_that_does_not_validate_is_refused_with_its_line(self, engine, tmp_path):
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: -5\n")
        )
        err = run("contract", "backtest", str(bad), code=1).stderr
        assert "mql.min_engagement" in err and "line" in err

import json

from typer.testing import CliRunner

from leadledger.cli import app
from leadledger.scoring import jobs
from tests.factories import make_lead

runner = CliRunner()


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    return result


def test_qualify_then_move_to_sql(session, clock):
    lead = make_lead(session, now=clock.now(), stage="sal")
    session.commit()
    out = run("leads", "qualify", str(lead.id), "--budget", "met", "--note", "budget=40k in Q1")
    assert "40k in Q1" in out.output and "not SQL yet" in out.output
    refused = run("leads", "move", str(lead.id), "--to", "sql", code=1)
    assert "cannot move to 'sql' yet" in refused.stderr and "need (no answer)" in refused.stderr
    out = run("leads", "qualify", str(lead.id), "--need", "met", "--timeline", "met", "--json")
    assert json.loads(out.output)["sql_ready"] is True
    assert "-> sql" in run("leads", "move", str(lead.id), "--to", "sql").output


def test_bad_answers_exit_1_naming_the_problem(session, clock):
    lead = make_lead(session, now=clock.now())
    session.commit()
    assert (
        "criteria.budget.value"
        in run("leads", "qualify", str(lead.id), "--budget", "maybe", code=1).stderr
    )
    assert (
        "unknown criterion 'champion'"
        in run("leads", "qualify", str(lead.id), "--criterion", "champion=met", code=1).stderr
    )
    assert (
        "give a value for 'need' too"
        in run("leads", "qualify", str(lead.id), "--note", "need=hmm", code=1).stderr
    )


def test_rescore_scores_what_is_due_and_explain_and_history_show_it(session, clock):
    lead = make_lead(session, now=clock.now(), title="VP Sales")
    session.commit()
    assert "has no score yet" in run("score", "explain", str(lead.id), code=1).stderr
    assert "1 leads re-scored, 0 moved to MQL, 0 failed" in run("score", "rescore").output
    out = run("score", "explain", str(lead.id))
    assert "fit C (40 points)" in out.output and "decision_maker" in out.output
    assert "no active model" in out.output
    history = json.loads(run("score", "history", str(lead.id), "--json").output)
    assert [h["trigger"] for h in history] == ["due"]
    assert "0 leads re-scored" in run("score", "rescore").output  # nothing due any more
    assert (
        "is not an ISO 8601 time"
        in run("score", "explain", str(lead.id), "--at", "yesterday", code=1).stderr
    )


def test_retrain_with_too_little_data_reports_and_changes_nothing(engine, clock):
    result = jobs.retrain(now=clock.now())
    assert result.trained is None and result.skipped.startswith("not enough data to train")
    assert "not retrained: not enough data" in run("score", "retrain").output
    assert run("score", "models", "--json").output.strip() == "[]"
    assert "no model version 4" in run("score", "activate", "4", code=1).stderr

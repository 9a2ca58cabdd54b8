import json
from pathlib import Path

from typer.testing import CliRunner

from leadledger.cli import app
from leadledger.planning import service
from tests.integration.reports import history

runner = CliRunner()
EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "plan-2027-q1.yaml"


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    return result


def test_the_documented_example_through_the_cli_is_stored(session, engine):
    out = json.loads(
        run(
            "plan", "--revenue", "2000000", "--period", "2027-Q1", "--rates", str(EXAMPLE), "--json"
        ).output
    )
    assert out["id"] == 1
    assert out["result"]["needed"]["leads"] == 6400
    assert out["result"]["gap"]["gap_revenue"] == 1400000
    assert out["rates_source"].startswith("file")
    assert [p.name for p in service.list_plans(session)] == ["2027-Q1 revenue 2,000,000"]


def test_dry_run_stores_nothing_and_bad_parameters_are_named(session, engine, tmp_path):
    run("plan", "--revenue", "2000000", "--period", "2027-Q1", "--rates", str(EXAMPLE), "--dry-run")
    assert service.list_plans(session) == []
    base = ["plan", "--period", "2027-Q1", "--rates", "contract"]
    cases = [
        ([*base, "--revenue", "0"], "revenue: the target must be more than 0"),
        ([*base, "--revenue", "10", "--deal-size", "0"], "deal_size: the average deal must be"),
        (
            ["plan", "--period", "2027-Q1", "--revenue", "10", "--rates", "nowhere.yaml"],
            "rates: 'nowhere.yaml' is not measured, contract or a readable file",
        ),
        (
            ["plan", "--period", "2027-03-31..2027-01-01", "--revenue", "10", "--deal-size", "5"],
            "period: the period ends (2027-01-01) before it starts (2027-03-31)",
        ),
    ]
    for args, message in cases:
        assert message in run(*args, code=1).stderr, args
    zero = tmp_path / "zero.yaml"
    zero.write_text(
        "rates: {lead_to_mql: 0.2, mql_to_sql: 0.3, sql_to_opportunity: 0,"
        " opportunity_to_customer: 0.2}\ndeal_size: 100\n"
    )
    err = run(
        "plan", "--revenue", "1000", "--period", "2027-Q1", "--rates", str(zero), code=1
    ).stderr
    assert (
        "rates.sql_to_opportunity: the target is unreachable: no sqls become opportunities" in err
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("rates: {lead_to_mql: 2}\n")
    err = run(
        "plan", "--revenue", "1000", "--period", "2027-Q1", "--rates", str(wrong), code=1
    ).stderr
    assert "rates.rates.lead_to_mql" in err


def test_measured_rates_and_plan_vs_actual(session, clock):
    history.build(session)
    session.commit()
    out = json.loads(
        run(
            "plan",
            "--revenue",
            "100000",
            "--period",
            "2026-Q4",
            "--rates",
            "contract",
            "--deal-size",
            "25000",
            "--json",
        ).output
    )
    plan_id = out["id"]
    data = json.loads(run("report", "plan-vs-actual", str(plan_id), "--format", "json").output)
    rows = {r[0]: r for r in data["tables"][0]["rows"]}
    # 2026-Q4 is 92 days; at 2026-11-02 10:00, 32 days and 10 hours are gone
    elapsed = round((32 + 10 / 24) / 92, 4)
    assert data["headline"]["elapsed_share"] == elapsed
    assert out["result"]["needed"]["customers"] == 4 and out["result"]["needed"]["leads"] == 320
    assert rows["leads"][1:4] == [320, round(320 * (32 + 10 / 24) / 92, 2), 13]
    assert [rows[m][3] for m in ("mqls", "sqls", "opportunities", "customers", "revenue")] == [
        11,
        4,
        2,
        1,
        30000,
    ]
    measured = json.loads(
        run("plan", "--revenue", "100000", "--period", "2027-Q1", "--dry-run", "--json").output
    )
    # measured over the 180 days before now: 15 leads, 14 MQLs, 4 SQLs, 2 opportunities, 1 won
    assert measured["assumptions"]["rates"] == {
        "lead_to_mql": round(14 / 15, 4),
        "mql_to_sql": round(4 / 14, 4),
        "sql_to_opportunity": 0.5,
        "opportunity_to_customer": 0.5,
    }
    assert measured["assumptions"]["deal_size"] == 30000
    assert measured["assumptions"]["open_pipeline"] == 10000
    assert measured["assumptions"]["nurture_pool"] == 2

import pytest

from leadledger.core.errors import InvalidInput
from leadledger.planning import rules
from leadledger.reports.rules import parse_period

Q1 = parse_period("2027-Q1")
SPLIT = {"marketing": 50.0, "sdr": 25.0, "sales": 15.0, "partner": 10.0}


def example(**changes) -> rules.Assumptions:
    """The assumptions of the worked example in docs/planning.md."""
    values = {
        "rates": {
            "lead_to_mql": 0.25,
            "mql_to_sql": 0.4,
            "sql_to_opportunity": 0.5,
            "opportunity_to_customer": 0.25,
        },
        "deal_size": 25000,
        "cycle_days": 34,
        "nurture_reactivation_rate": 0.1,
        "inbound_leads_per_week": 100,
        "open_pipeline": 1_200_000,
        "nurture_pool": 400,
        "split": SPLIT,
    }
    return rules.Assumptions(**(values | changes))


def test_the_documented_example():
    plan = rules.plan(2_000_000, Q1, example())
    assert plan["needed"] == {
        "leads": 6400,
        "mqls": 1600,
        "sqls": 640,
        "opportunities": 320,
        "customers": 80,
    }
    assert [(m["month"], m["leads"], m["customers"]) for m in plan["per_month"]] == [
        ("2027-01", 2204.44, 27.56),
        ("2027-02", 1991.11, 24.89),
        ("2027-03", 2204.44, 27.56),
    ]
    assert {t["team"]: t["leads"] for t in plan["per_team"]} == {
        "marketing": 3200,
        "sdr": 1600,
        "sales": 960,
        "partner": 640,
    }
    gap = plan["gap"]
    assert (gap["expected_from_open_pipeline"], gap["expected_from_inbound"]) == (300000, 250000)
    assert (gap["expected_reactivated_mqls"], gap["expected_from_nurture"]) == (40, 50000)
    assert (gap["gap_revenue"], gap["gap_customers"], gap["gap_leads"]) == (1400000, 56, 4480)
    assert gap["gap_leads_per_week"] == 348.44
    assert gap["gap_leads_per_team_per_week"] == {
        "marketing": 174.22,
        "sdr": 87.11,
        "sales": 52.27,
        "partner": 34.84,
    }


def test_a_covered_target_has_no_gap():
    assert rules.plan(100_000, Q1, example())["gap"]["gap_revenue"] == 0


def test_rounding_up_at_each_stage():
    plan = rules.plan(100_000, Q1, example(deal_size=30000))
    assert plan["needed"]["customers"] == 4  # 3.33 deals need 4
    assert plan["needed"]["opportunities"] == 16


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("lead_to_mql", "no leads become mqls"),
        ("mql_to_sql", "no mqls become sqls"),
        ("sql_to_opportunity", "no sqls become opportunities"),
        ("opportunity_to_customer", "no opportunities become customers"),
    ],
)
def test_a_zero_rate_names_the_stage_that_makes_the_target_unreachable(step, message):
    a = example(rates=example().rates | {step: 0.0})
    with pytest.raises(InvalidInput, match=message) as err:
        rules.plan(1000, Q1, a)
    assert err.value.loc == ["rates", step]


@pytest.mark.parametrize(
    ("revenue", "changes", "loc"),
    [
        (0, {}, ["revenue"]),
        (-5, {}, ["revenue"]),
        (1000, {"deal_size": 0}, ["deal_size"]),
        (1000, {"rates": {"lead_to_mql": 1.5}}, ["rates", "lead_to_mql"]),
    ],
)
def test_bad_parameters_are_named(revenue, changes, loc):
    with pytest.raises(InvalidInput) as err:
        rules.plan(revenue, Q1, example(**changes))
    assert err.value.loc == loc


def test_versus_compares_with_the_plan_to_date():
    rows = rules.versus({"leads": 100.0}, {"leads": 30}, 0.25)
    assert rows == [["leads", 100, 25, 30, 5, 120.0]]

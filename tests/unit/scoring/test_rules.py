from datetime import UTC, datetime, timedelta

import pytest

from leadledger.contract.rules import default_contract_text, parse_contract
from leadledger.contract.schemas import SqlDefinition, grade_at_least
from leadledger.scoring.rules import (
    Event,
    crossing_at,
    decayed_since,
    engagement,
    fit_grade,
    mql_decision,
    sql_check,
)

CONTRACT = parse_contract(default_contract_text())
ICP = CONTRACT.icp
E = CONTRACT.engagement
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)

BUYER = {
    "industry": "Software",
    "employees": 400,
    "country": "GB",
    "seniority": "vp",
    "department": "sales",
    "domain": "northwind.io",
    "email_domain_kind": "business",
}


def days(n: float) -> timedelta:
    return timedelta(days=n)


class TestFitGrade:
    @pytest.mark.parametrize(
        ("changes", "grade", "points"),
        [
            ({}, "A+", 110),  # industry 30, size 25, region 15, decision maker 30, department 10
            ({"seniority": "manager"}, "A", 90),
            ({"seniority": "individual_contributor", "department": "it"}, "B", 70),
            ({"industry": "retail", "seniority": "manager"}, "B", 60),
            ({"industry": None, "employees": None, "country": "BR"}, "C", 40),
            ({"industry": None, "employees": None, "country": None, "seniority": None}, "D", 10),
            ({"email_domain_kind": "free", "domain": None}, "A", 95),
        ],
    )
    def test_points_fall_in_the_contracts_bands(self, changes, grade, points):
        result = fit_grade(ICP, BUYER | changes)
        assert (result.grade, result.points) == (grade, points)

    def test_the_rules_that_fired_are_kept_with_the_values_they_saw(self):
        result = fit_grade(ICP, BUYER)
        assert [r.id for r in result.fired] == [
            "industry_core",
            "size_sweet_spot",
            "region",
            "decision_maker",
            "buying_department",
        ]
        assert result.fired[2].value == ("europe",)  # GB is in the region europe

    @pytest.mark.parametrize(
        ("changes", "rule"),
        [
            ({"seniority": "student"}, "student"),
            ({"domain": "cs.stanford.edu"}, "student_domain"),
            ({"domain": "HubSpot.com"}, "competitor"),
        ],
    )
    def test_an_exclusion_grades_d_whatever_the_points(self, changes, rule):
        result = fit_grade(ICP, BUYER | changes)
        assert result.grade == "D"
        assert result.excluded_by == rule
        assert result.points > 55  # the points alone would have been a good grade
        assert f"excluded by rule '{rule}'" in result.explain()

    def test_legacy_grades_and_custom_fields(self):
        text = default_contract_text()
        bands = text[text.index("  bands:") : text.index("# Engagement:")]
        text = text.replace(bands, "  grades: {A: 80, B: 55, C: 30}\n\n")
        text = text.replace(
            "    - id: industry_core\n",
            "    - id: big_fleet\n      field: custom.cars\n      op: gte\n      value: 3\n"
            "      points: 60\n    - id: industry_core\n",
        )
        icp = parse_contract(text).icp
        assert fit_grade(icp, {"custom": {"cars": "4"}}).grade == "B"  # text read as a number
        assert fit_grade(icp, {"custom": {"cars": 1}}).grade == "D"
        assert fit_grade(icp, BUYER).grade == "A"

    def test_a_missing_value_matches_no_rule_not_even_not_in(self):
        text = default_contract_text().replace(
            "      op: in\n      value: [free]", "      op: not_in\n      value: [business]"
        )
        icp = parse_contract(text).icp
        assert "free_email" not in [r.id for r in fit_grade(icp, {}).fired]
        assert "free_email" in [r.id for r in fit_grade(icp, {"email_domain_kind": "free"}).fired]


@pytest.mark.parametrize(
    ("grade", "minimum", "ok"),
    [
        ("B-", "B", True),
        ("B+", "B", True),
        ("C+", "B", False),
        ("A-", "B+", True),
        ("B", "B+", False),
        ("D", "D", True),
    ],
)
def test_grade_comparison(grade, minimum, ok):
    assert grade_at_least(grade, minimum) is ok


class TestEngagement:
    def test_thirty_days_after_the_last_activity_is_the_hand_computed_decay(self):
        events = [Event("demo_request", T0), Event("webinar_attended", T0 - days(10))]
        now = T0 + days(30)
        by_hand = 40 * 0.5 ** (30 / 30) + 15 * 0.5 ** (40 / 30)
        result = engagement(events, E.points, 30, now)
        assert result.score == pytest.approx(by_hand, rel=1e-12)
        assert result.score == pytest.approx(20 + 15 * 2 ** (-4 / 3))

    def test_the_score_as_of_a_past_date_is_the_same_every_time(self):
        events = [Event("form_fill", T0), Event("email_click", T0 + days(5))]
        later = events + [Event("demo_request", T0 + days(20))]
        past = T0 + days(6)
        first = engagement(events, E.points, 30, past).score
        again = engagement(later, E.points, 30, past).score  # later events are not seen
        assert first == again == pytest.approx(10 * 0.5 ** (6 / 30) + 3 * 0.5 ** (1 / 30))

    def test_daily_caps_bound_one_type_per_day_and_negative_points_always_count(self):
        opens = [Event("email_open", T0 + timedelta(minutes=i)) for i in range(10)]
        next_day = [Event("email_open", T0 + days(1))]
        bad = [Event("unsubscribe", T0), Event("email_bounce", T0)]
        result = engagement(
            opens + next_day + bad, E.points, 30, T0 + days(1), daily_caps=E.daily_caps
        )
        lines = {ln.type: ln for ln in result.lines}
        assert lines["email_open"].points == 4  # 3 on the first day (cap), 1 on the next
        assert lines["email_open"].capped == 7
        assert lines["unsubscribe"].points == -30
        assert result.score < 0

    def test_unknown_types_score_zero_and_future_events_are_unseen(self):
        result = engagement(
            [Event("note", T0), Event("demo_request", T0 + days(1))], E.points, 30, T0
        )
        assert result.score == 0

    def test_a_stored_score_decays_like_its_events(self):
        events = [Event("form_fill", T0), Event("meeting", T0 + days(3))]
        stored = engagement(events, E.points, 30, T0 + days(3)).score
        later = engagement(events, E.points, 30, T0 + days(50)).score
        assert decayed_since(stored, T0 + days(3), T0 + days(50), 30) == pytest.approx(later)

    def test_crossing_time_is_when_the_decayed_score_falls_below_the_threshold(self):
        at = crossing_at(80.0, T0, [40, 30], 30)
        assert at == T0 + days(30) + timedelta(seconds=1)  # 80 -> 40 in one half-life
        assert decayed_since(80.0, T0, at, 30) < 40
        assert crossing_at(20.0, T0, [40, 30], 30) is None


def decide(*, stage="lead", fit=BUYER, events=(), now=T0, stage_changed_at=None, cycles=0):
    fitted = fit_grade(ICP, fit)
    eng = engagement(events, E.points, E.half_life_days, now, daily_caps=E.daily_caps)
    return mql_decision(
        CONTRACT,
        stage=stage,
        stage_changed_at=stage_changed_at or now - days(100),
        recycle_count=cycles,
        fit=fitted,
        engagement_now=eng,
        events=list(events),
        now=now,
    )


class TestMqlDecision:
    def test_a_hand_raise_by_a_good_fit_is_an_mql_at_once(self):
        d = decide(events=[Event("demo_request", T0)])
        assert (d.move_to, d.reason) == ("mql", "mql:fit_and_engagement")
        d = decide(
            fit=BUYER | {"industry": None, "employees": None, "department": None},
            events=[Event("demo_request", T0)],
        )
        assert (d.move_to, d.reason) == ("mql", "mql:hand_raise")  # fit C: only the hand-raise
        assert "demo_request on 2026-10-01" in d.summary

    def test_an_excluded_student_with_the_same_activity_stays_and_says_why(self):
        d = decide(fit=BUYER | {"seniority": "student"}, events=[Event("demo_request", T0)])
        assert d.move_to is None
        assert d.summary == "never an MQL: excluded by fit rule 'student'"

    def test_a_poor_fit_needs_more_than_engagement(self):
        d = decide(fit={"country": "BR"}, events=[Event("webinar_attended", T0)] * 4)
        assert d.move_to is None
        assert "fit_and_engagement: fit D < B, engagement 60.0 >= 40" in d.summary
        assert "hand_raise: fit D < C, no demo_request or contact_sales in the last 30 days" in (
            d.summary
        )

    def test_an_old_hand_raise_no_longer_counts(self):
        fit = BUYER | {"industry": None, "employees": None, "department": None}
        assert decide(fit=fit, events=[Event("demo_request", T0 - days(31))]).move_to is None

    @pytest.mark.parametrize("stage", ["sal", "sql", "mql", "customer", "disqualified"])
    def test_no_move_from_stages_at_or_past_mql(self, stage):
        assert decide(stage=stage, events=[Event("demo_request", T0)]).move_to is None

    def test_prospects_become_mqls_too(self):
        assert decide(stage="prospect", events=[Event("demo_request", T0)]).move_to == "mql"


class TestRecycle:
    def test_renewed_engagement_after_the_cooldown_brings_a_lead_back(self):
        recycled = T0 - days(20)
        d = decide(
            stage="nurture",
            stage_changed_at=recycled,
            cycles=1,
            events=[
                Event("demo_request", T0 - days(40)),
                Event("webinar_attended", T0),
                Event("pricing_page_visit", T0),
                Event("email_reply", T0),
            ],
        )
        assert (d.move_to, d.reason) == ("mql", "recycle:renewed_engagement")
        assert "cycle 1 of at most 3" in d.summary

    def test_engagement_before_the_recycle_does_not_count(self):
        d = decide(
            stage="nurture",
            stage_changed_at=T0 - days(20),
            cycles=1,
            events=[Event("demo_request", T0 - days(21))],
        )
        assert d.move_to is None
        assert "engagement since recycling 0.0 < 30" in d.summary

    def test_cooldown_and_cycle_limit(self):
        events = [Event("demo_request", T0)]
        cool = decide(stage="nurture", stage_changed_at=T0 - days(3), cycles=1, events=events)
        assert cool.move_to is None and "cooldown until 2026-10-12" in cool.summary
        spent = decide(stage="nurture", stage_changed_at=T0 - days(30), cycles=4, events=events)
        assert spent.move_to is None and "at most 3 times" in spent.summary


class TestSqlCheck:
    SQL = CONTRACT.sql

    def test_three_of_four_including_need(self):
        ok = sql_check(self.SQL, {"budget": "met", "need": "met", "timeline": "met"})
        assert ok.ok and ok.missing == ("authority",)

    def test_the_refusal_names_what_is_missing(self):
        check = sql_check(self.SQL, {"budget": "met", "authority": "not_met"})
        assert not check.ok
        assert check.message == (
            "needs 3 of budget, authority, need, timeline met, has 1; required: need; "
            "missing: authority (not met), need (no answer), timeline (no answer)"
        )

    def test_required_criteria_must_be_among_the_met(self):
        check = sql_check(self.SQL, {"budget": "met", "authority": "met", "timeline": "met"})
        assert not check.ok and "required: need" in check.message

    def test_min_met_alone(self):
        sql = SqlDefinition.model_validate({"criteria": [{"key": "a", "label": "A"}], "min_met": 1})
        assert sql_check(sql, {"a": "met"}).ok
        assert not sql_check(sql, {"a": "unknown"}).ok

import random
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from leadledger.contract.rules import default_contract_text, parse_contract
from leadledger.core.errors import InvalidInput
from leadledger.reports import rules
from leadledger.reports.rules import Bucket, CreditModel

CONTRACT = parse_contract(default_contract_text())
CAL = CONTRACT.calendar  # Europe/London, mon-fri 09:00-17:30, holidays 2026-12-25, 28, 2027-01-01


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestPeriods:
    @pytest.mark.parametrize(
        ("text", "first", "last"),
        [
            ("2027", date(2027, 1, 1), date(2027, 12, 31)),
            ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31)),
            ("2026-q4", date(2026, 10, 1), date(2026, 12, 31)),
            ("2027-02", date(2027, 2, 1), date(2027, 2, 28)),
            ("2027-W01", date(2027, 1, 4), date(2027, 1, 10)),
            ("2027-01-15..2027-01-15", date(2027, 1, 15), date(2027, 1, 15)),
        ],
    )
    def test_forms(self, text, first, last):
        p = rules.parse_period(text)
        assert (p.first_day, p.last_day) == (first, last)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("2027-Q5", "is not a period"),
            ("2027-13", "is not a valid period"),
            ("2027-02-10..2027-02-01", "ends (2027-02-01) before it starts (2027-02-10)"),
            ("last week", "is not a period"),
        ],
    )
    def test_bad_periods_name_the_parameter(self, text, message):
        with pytest.raises(InvalidInput, match=re.escape(message)) as err:
            rules.parse_period(text)
        assert err.value.loc == ["period"]

    def test_from_and_to(self):
        with pytest.raises(InvalidInput) as err:
            rules.resolve_period(None, date(2027, 2, 1), date(2027, 1, 1), default=None)
        assert err.value.loc == ["to"]
        with pytest.raises(InvalidInput, match="not both"):
            rules.resolve_period("2027", date(2027, 2, 1), None, default=None)
        assert rules.resolve_period("all", None, None, default=None, allow_all=True) is None
        with pytest.raises(InvalidInput):
            rules.resolve_period("all", None, None, default=None)

    def test_months_of_a_quarter(self):
        months = rules.months_of(rules.parse_period("2027-Q1"))
        assert [(m.label, m.days) for m in months] == [
            ("2027-01", 31),
            ("2027-02", 28),
            ("2027-03", 31),
        ]

    def test_unknown_grouping(self):
        with pytest.raises(InvalidInput, match="unknown grouping 'city'") as err:
            rules.check_grouping("city")
        assert err.value.loc == ["group_by"]


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 0.5, None), ([5], 0.9, 5), ([1, 2, 3, 4], 0.5, 2.5), ([10, 20, 30, 40, 50], 0.9, 46)],
)
def test_percentile_interpolates_like_postgresql(values, q, expected):
    assert (
        rules.percentile(values, q) == pytest.approx(expected)
        if expected
        else rules.percentile(values, q) is None
    )


class TestFunnelOf:
    def test_counts_from_the_first_stage_entered_to_the_furthest(self):
        rows = [
            (None, 0.0, 10.0, None, 30.0),  # lead -> mql -> (skipped) -> 4th stage
            (0.0, None, None, None, None),  # a prospect that went nowhere
            (None, None, None, None, None),  # no funnel stage at all
        ]
        g = rules.funnel_of(rows, 5)
        assert g.reached == [1, 1, 1, 1, 1]
        assert g.leads == 3
        assert g.durations[1] == [10.0]  # stage 1 -> 2; nothing measured across the skip
        assert [g.conversion(i) for i in range(4)] == [0.0, 1.0, 1.0, 1.0]


class TestDueAt:
    @pytest.mark.parametrize(
        ("start", "hours", "due"),
        [
            (utc(2026, 11, 2, 10), 4, utc(2026, 11, 2, 14)),  # Monday, GMT
            (utc(2026, 11, 2, 7), 4, utc(2026, 11, 2, 13)),  # before opening
            (utc(2026, 11, 6, 16), 4, utc(2026, 11, 9, 11, 30)),  # Friday evening -> Monday
            (utc(2026, 12, 24, 16), 4, utc(2026, 12, 29, 11, 30)),  # over Christmas holidays
            (utc(2026, 10, 23, 15), 4, utc(2026, 10, 26, 11, 30)),  # BST Friday -> GMT Monday
            (utc(2026, 11, 2, 10), 8.5, utc(2026, 11, 3, 10)),  # one working day
        ],
    )
    def test_business_hours(self, start, hours, due):
        assert rules.due_at(start, hours, CAL, True) == due

    def test_wall_clock_hours(self):
        assert rules.due_at(utc(2026, 11, 7, 10), 4, CAL, False) == utc(2026, 11, 7, 14)


class TestBuckets:
    @pytest.mark.parametrize(
        ("stage", "reason", "opp", "bucket"),
        [
            ("customer", None, True, Bucket.converted),
            ("closed_lost", "price", True, Bucket.converted),
            ("nurture", "not_now", True, Bucket.converted),  # was pipeline
            ("opportunity", None, True, Bucket.converted),
            ("disqualified", "duplicate", False, Bucket.merged),
            ("disqualified", "junk", False, Bucket.disqualified),
            ("nurture", "no_budget", False, Bucket.rejected),
            ("nurture", "went_dark", False, Bucket.recycled),
            ("lead", None, False, Bucket.recycled),  # back on marketing's side
            ("sql", None, False, Bucket.qualified),
            ("mql", None, False, None),
            ("sal", None, False, None),
        ],
    )
    def test_settled(self, stage, reason, opp, bucket):
        assert rules.settled_bucket(CONTRACT, stage, reason, opp) == bucket

    @pytest.mark.parametrize(
        ("stage", "entered", "touches", "bucket"),
        [
            ("mql", utc(2026, 11, 2, 9), {}, Bucket.open_within),
            ("mql", utc(2026, 10, 30, 9), {}, Bucket.open_overdue),
            ("mql", utc(2026, 10, 30, 9), {"call": utc(2026, 10, 30, 10)}, Bucket.open_within),
            ("mql", utc(2026, 9, 1, 9), {"call": utc(2026, 9, 1, 10)}, Bucket.no_disposition),
            ("sal", utc(2026, 10, 20, 9), {}, Bucket.accepted),
            ("sal", utc(2026, 9, 1, 9), {}, Bucket.no_disposition),
        ],
    )
    def test_waiting(self, stage, entered, touches, bucket):
        now = utc(2026, 11, 2, 10)
        assert rules.waiting_bucket(CONTRACT, stage, entered, touches, now) == bucket


class TestCredit:
    @pytest.mark.parametrize("amount", ["30000", "100.00", "0.01", "1000.01", "0"])
    @pytest.mark.parametrize("model", list(CreditModel))
    def test_one_deal_touched_by_three_programs_sums_to_its_amount(self, amount, model):
        parts = rules.credit(["webinar", "ebook", "webinar", "ads"], Decimal(amount), model)
        assert sum(parts.values()) == Decimal(amount)

    def test_each_model(self):
        touches = ["webinar", "ebook", "ads", "ebook"]
        assert rules.credit(touches, Decimal(100), CreditModel.first_touch) == {"webinar": 100}
        assert rules.credit(touches, Decimal(100), CreditModel.last_touch) == {"ebook": 100}
        assert rules.credit(touches, Decimal(100), CreditModel.even_split) == {
            "webinar": Decimal("33.34"),
            "ebook": Decimal("33.33"),
            "ads": Decimal("33.33"),
        }
        assert rules.credit([], Decimal(5), CreditModel.even_split) == {rules.NONE: 5}


def test_costs_are_prorated_by_days_in_the_period():
    q4 = rules.parse_period("2026-Q4")
    rows = [
        (date(2026, 10, 1), date(2026, 10, 31), Decimal(1000)),
        (date(2026, 1, 1), date(2026, 12, 31), Decimal(3650)),
        (date(2026, 9, 1), date(2026, 9, 30), Decimal(2000)),
        (date(2026, 12, 17), date(2027, 1, 15), Decimal(300)),  # half in Q4
    ]
    assert rules.prorated_cost(rows, q4) == Decimal("2070.00")


def test_the_advisor_names_the_team_creating_most_qualified_leads():
    advice = rules.advise(CONTRACT, Counter({"marketing": 30, "sdr": 12, "(none)": 99}), "test")
    assert advice.suggested_owner == "marketing"
    assert advice.change == (
        "ownership.qualification_owner: sdr -> marketing (marketing created 30 of the 42 leads "
        "qualified; sdr created 12)"
    )
    assert rules.advise(CONTRACT, Counter({"sdr": 3}), "test").change is None


class TestMqlReplay:
    FIT_A = rules.FitFacts(industry="software", employees=200, country="GB", title="VP Sales")

    def test_grades(self):
        assert rules.fit_grade(CONTRACT, self.FIT_A) == "A"
        assert (
            rules.fit_grade(CONTRACT, rules.FitFacts(title="Student", email_domain_kind="free"))
            == "D"
        )

    def test_engagement_decays_and_hand_raises_count(self):
        t = utc(2026, 10, 1, 9)
        acts = [("webinar_attended", t), ("email_reply", t), ("pricing_page_visit", t)]
        assert rules.mql_moments(CONTRACT, self.FIT_A, acts) == [t]  # 42 >= 40
        later = [
            ("webinar_attended", t),
            ("email_reply", t),
            ("pricing_page_visit", utc(2026, 10, 31, 9)),
        ]
        assert rules.mql_moments(CONTRACT, self.FIT_A, later) == []  # 30 halved after 30 days
        low = rules.FitFacts(title="Manager")
        assert rules.mql_moments(CONTRACT, low, [("demo_request", t)]) == []  # fit D
        assert rules.mql_moments(CONTRACT, self.FIT_A, [("demo_request", t)]) == [t]


def _minute_by_minute(start: datetime, hours: float) -> datetime:
    from zoneinfo import ZoneInfo

    tz, t, left = ZoneInfo(CAL.timezone), start.replace(second=0, microsecond=0), int(hours * 60)
    while True:
        local = t.astimezone(tz)
        working = local.weekday() < 5 and local.date().isoformat() not in CAL.holidays
        if working and CAL.start <= local.strftime("%H:%M") < CAL.end:
            left -= 1
            if left == 0:
                return t + timedelta(minutes=1)
        t += timedelta(minutes=1)


def test_due_at_agrees_with_counting_minutes():
    """Across the clock change of October and the holidays of December, with the whole-week
    skip of long levels."""
    rng = random.Random(4)
    for hours in [4, 16, 37.5, 4, 16, 240]:
        start = utc(2026, 10, 20) + timedelta(minutes=rng.randrange(0, 75 * 24 * 60))
        expected = _minute_by_minute(start, hours)
        assert rules.due_at(start, hours, CAL, True) == expected, start
        assert rules.walk_days(start, hours, rules._hours(CAL)) == expected, start

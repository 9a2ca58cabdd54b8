"""Every number of the reports on a history whose answers were worked out by hand (see
``history.py`` for the leads and their moves)."""

import pytest

from leadledger.reports import rules, service
from tests.integration.reports import history

Q4 = rules.parse_period("2026-Q4")


@pytest.fixture
def h(session, clock):
    built = history.build(session)
    session.commit()
    return built


def cohort_rows(report, group="all"):
    return {r["stage"]: r for r in report.rows("cohort") if r["group"] == group}


class TestFunnel:
    def test_cohort_counts_conversion_and_times(self, h, session, clock):
        report = service.funnel(session, period=Q4, now=clock.now())
        rows = cohort_rows(report)
        reached = {stage: r["reached"] for stage, r in rows.items()}
        assert reached == {
            "prospect": 1,
            "lead": 13,
            "mql": 12,
            "sal": 6,
            "sql": 4,
            "opportunity": 2,
            "customer": 1,
        }
        assert report.headline["cohort_leads"] == 13  # L5 and L6 were created in August
        assert [rows[s]["conversion_to_next"] for s in reached] == [
            1.0,
            round(12 / 13, 4),
            0.5,
            round(4 / 6, 4),
            0.5,
            0.5,
            None,
        ]
        times = {s: (r["median_hours_to_next"], r["p90_hours_to_next"]) for s, r in rows.items()}
        assert times == {
            "prospect": (None, None),  # L12 went from prospect straight to sal
            "lead": (24.0, 670.0),
            "mql": (24.0, 355.2),
            "sal": (36.0, 64.8),
            "sql": (36.0, 45.6),
            "opportunity": (144.0, 144.0),
            "customer": (None, None),
        }

    def test_flow_counts_entries_in_the_period(self, h, session, clock):
        report = service.funnel(session, period=Q4, now=clock.now())
        flow = {r["stage"]: r["entered"] for r in report.rows("flow")}
        assert flow == {
            "prospect": 1,
            "lead": 12,
            "mql": 11,
            "sal": 6,
            "sql": 4,
            "opportunity": 2,
            "customer": 1,
            "nurture": 2,
            "disqualified": 2,
        }

    def test_grouped_by_program_and_the_report_states_what_it_covers(self, h, session, clock):
        report = service.funnel(session, period=Q4, grouping="program", now=clock.now())
        assert cohort_rows(report, "webinar")["mql"]["reached"] == 7
        assert cohort_rows(report, "ebook")["sql"]["reached"] == 0
        assert cohort_rows(report, "(none)")["sal"]["reached"] == 1
        assert report.period["label"] == "2026-Q4"
        assert report.filters["group_by"] == "program"
        assert report.contract_versions == [1]


class TestLeadger:
    def test_every_handed_lead_is_in_exactly_one_bucket(self, h, session, clock):
        report = service.leakage(session, period=None, now=clock.now())
        buckets = {r["bucket"]: r["leads"] for r in report.rows("buckets")}
        assert buckets == {
            "open_within_service_level": 2,  # L3, L15
            "open_overdue": 1,  # L4
            "accepted_working": 2,  # L7, L12
            "qualified": 1,  # L14
            "converted": 2,  # L2, L13
            "rejected": 1,  # L8
            "recycled_to_nurture": 1,  # L9
            "disqualified": 1,  # L1
            "merged": 1,  # L10
            "no_disposition": 2,  # L5, L6
        }
        assert sum(buckets.values()) == report.headline["handed_to_sales"] == 14
        assert report.headline["no_disposition_share"] == round(2 / 14, 4)
        for row in report.rows("by_owner"):
            assert sum(row[b.value] for b in rules.BUCKETS) == row["total"]
        sdr = next(r for r in report.rows("by_owner") if r["owner"] == "sdr@example.com")
        assert (sdr["team"], sdr["no_disposition"], sdr["open_overdue"], sdr["total"]) == (
            "sdr_team",
            2,
            1,
            4,
        )

    def test_the_period_counts_leads_handed_over_in_it(self, h, session, clock):
        report = service.leakage(session, period=Q4, now=clock.now())
        assert report.headline["handed_to_sales"] == 12
        assert report.headline["no_disposition"] == 0

    def test_the_leads_with_no_disposition_are_listed(self, h, session, clock):
        page = service.leakage_leads(
            session, bucket=rules.Bucket.no_disposition, period=None, now=clock.now(), limit=1
        )
        assert [i.id for i in page.items] == [h.ids["L5"]]
        rest = service.leakage_leads(
            session,
            bucket=rules.Bucket.no_disposition,
            period=None,
            now=clock.now(),
            after=int(page.next_cursor),
        )
        assert [i.id for i in rest.items] == [h.ids["L6"]] and rest.next_cursor is None


class TestServiceLevels:
    def test_first_touch(self, h, session, clock):
        report = service.sla(session, period=Q4, now=clock.now())
        first = next(r for r in report.rows("levels") if r["level"] == "first_touch")
        assert first == {
            "level": "first_touch",
            "started": 11,
            "within_target": 1,  # L15, called 2.5 working hours... within 4
            "share_within": round(1 / 11, 4),
            "breaches": 9,  # all but L15 and L3 (still inside its 4 hours)
            "median_hours": 24.0,
            "p90_hours": 134.4,
            "reassignments": 0,
        }
        weeks = {r["week"] for r in report.rows("by_owner_week") if r["level"] == "first_touch"}
        assert weeks == {"2026-W41", "2026-W44", "2026-W45"}  # Oct 6-7, Oct 26, Nov 2


class TestMoney:
    def test_cost_per_stage_per_program_and_channel(self, h, session, clock):
        report = service.programs(session, period=Q4, now=clock.now())
        p = {r["program"]: r for r in report.rows("programs")}
        assert (p["webinar"]["cost"], p["webinar"]["leads"], p["webinar"]["mql"]) == (1920.0, 7, 7)
        assert p["webinar"]["cost_per_mql"] == 274.29
        assert p["webinar"]["cost_per_sql"] == 480.0
        assert p["webinar"]["cost_per_opportunity"] == 960.0
        assert p["webinar"]["cost_per_customer"] == 1920.0
        assert (p["ebook"]["cost"], p["ebook"]["cost_per_mql"], p["ebook"]["cost_per_sql"]) == (
            600.0,
            150.0,
            None,
        )
        assert (p["ads"]["cost"], p["ads"]["leads"], p["ads"]["cost_per_lead"]) == (0.0, 1, 0.0)
        assert report.headline["cost"] == 2520.0
        assert report.headline["cost_per_mql"] == 229.09  # 2,520 over 11 MQLs of programs
        channels = {r["channel"]: r for r in report.rows("channels")}
        assert channels["content_download"]["cost_per_mql"] == 150.0
        assert channels["(none)"]["leads"] == 1  # L12, outbound, no program

    def test_credit_under_each_model_sums_to_the_amounts(self, h, session, clock):
        report = service.programs(session, period=Q4, now=clock.now())
        credit = {r["program"]: r for r in report.rows("credit")}
        assert report.headline["pipeline"] == 40000.0
        assert report.headline["revenue"] == 30000.0
        expected = {
            "pipeline_first_touch": {"webinar": 40000.0, "ebook": 0.0, "ads": 0.0},
            "pipeline_last_touch": {"webinar": 10000.0, "ebook": 0.0, "ads": 30000.0},
            "pipeline_even_split": {"webinar": 20000.0, "ebook": 10000.0, "ads": 10000.0},
            "revenue_first_touch": {"webinar": 30000.0, "ebook": 0.0, "ads": 0.0},
            "revenue_last_touch": {"webinar": 0.0, "ebook": 0.0, "ads": 30000.0},
            "revenue_even_split": {"webinar": 10000.0, "ebook": 10000.0, "ads": 10000.0},
        }
        for column, by_program in expected.items():
            assert {name: credit[name][column] for name in by_program} == by_program, column

    def test_sources_close_rate_and_reasons(self, h, session, clock):
        report = service.sources(session, period=Q4, now=clock.now())
        webinar = next(r for r in report.rows("sources") if r["source"] == "webinar")
        assert (webinar["sqls_in_period"], webinar["of_those_won"], webinar["sql_close_rate"]) == (
            4,
            1,
            0.25,
        )
        reasons = {(r["stage"], r["reason"]): r["moves"] for r in report.rows("reasons")}
        assert reasons == {
            ("disqualified", "no_fit"): 1,
            ("disqualified", "duplicate"): 1,
            ("nurture", "no_budget"): 1,
            ("nurture", "not_now"): 1,
        }


class TestOwnership:
    def test_agreed_vs_actual_and_the_advisor(self, h, session, clock):
        report = service.owners(session, period=Q4, now=clock.now())
        rows = {r["team"]: r for r in report.rows("ownership")}
        assert (rows["marketing"]["leads"], rows["sdr"]["leads"], rows["(none)"]["leads"]) == (
            11,
            1,
            1,
        )
        assert rows["marketing"]["sqls"] == 4
        assert rows["marketing"]["pipeline"] == 40000.0
        assert rows["marketing"]["pipeline_share"] == 1.0
        assert rows["marketing"]["pipeline_pct_minus_agreed"] == 50.0
        assert rows["sdr"]["agreed_pipeline_pct"] == 25.0
        assert report.headline["suggested_qualification_owner"] == "marketing"
        assert report.headline["suggested_change"].startswith(
            "ownership.qualification_owner: sdr -> marketing (marketing created 3 of the 3"
        )
        assert report.rows("advisor") == [{"team": "marketing", "qualified_leads_created": 3}]

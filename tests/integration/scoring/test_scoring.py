"""Scoring through the services, on a real database: the MQL decision at capture and on
activities, the SQL gate, recycle, history, contract changes and the rescore job."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from leadledger.accounts import service as account_service
from leadledger.accounts.schemas import AccountCreate
from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.capture import service as capture_service
from leadledger.capture.schemas import CaptureIn
from leadledger.contract import service as contract_service
from leadledger.contract.rules import default_contract_text
from leadledger.core.errors import Conflict, InvalidInput, NotFound
from leadledger.leads.models import Lead
from leadledger.lifecycle import service as lifecycle
from leadledger.lifecycle.models import LeadTransition
from leadledger.scoring import jobs
from leadledger.scoring import service as scoring
from leadledger.scoring.models import ScoreHistory
from leadledger.scoring.schemas import QualificationIn
from tests.factories import TEST_ACTOR, make_lead

FORM = capture_service.Source(via="form:demo", channel="web_form")


def account(session, now, **fields):
    data = {"name": "Northwind", "domain": "northwind.io", "industry": "software"}
    data |= {"employees": 400, "country": "GB"} | fields
    return account_service.create_account(session, AccountCreate(**data), now=now)


def capture(session, now, **fields):
    data = CaptureIn(**({"source": "web_form"} | fields))
    return capture_service.capture(session, data, source=FORM, actor=TEST_ACTOR, now=now)


def moves(session, lead_id):
    return [
        (t.from_stage, t.to_stage, t.actor, t.reason)
        for t in lifecycle.transitions_of(session, lead_id)
    ]


def add(session, lead_id, type_, at, now=None):
    activity_service.add_activity(
        session, lead_id, ActivityCreate(type=type_, at=at), actor=TEST_ACTOR, now=now or at
    )


class TestMqlAtCapture:
    def test_a_demo_request_by_a_grade_a_lead_is_an_mql_at_once(self, session, clock):
        now = clock.now()
        acme = account(session, now)
        result = capture(
            session,
            now,
            email="vp@northwind.io",
            title="VP Sales",
            account_id=acme.id,
            activity="demo_request",
        )
        lead = session.get(Lead, result.lead_id)
        assert lead.stage == "mql" and lead.mql_at == now
        assert lead.fit_grade == "A+" and lead.fit_points == 110
        assert lead.engagement_score == 50  # the form fill (10) and the demo request (40)
        assert moves(session, lead.id)[-1] == (
            "lead",
            "mql",
            "system:scoring",
            "mql:fit_and_engagement",
        )
        note = lifecycle.transitions_of(session, lead.id)[-1].note
        assert note == "MQL by rule 'fit_and_engagement': fit A+ >= B, engagement 50.0 >= 40"

    def test_a_grade_d_student_with_the_same_activity_stays_a_lead_and_says_why(
        self, session, clock
    ):
        now = clock.now()
        acme = account(session, now)
        result = capture(
            session,
            now,
            email="kid@northwind.io",
            title="Student intern",
            account_id=acme.id,
            activity="demo_request",
        )
        lead = session.get(Lead, result.lead_id)
        assert lead.stage == "lead" and lead.fit_grade == "D"
        explained = scoring.score_read(session, lead.id, now=now)
        assert explained.fit.excluded_by == "student"
        assert explained.mql.decision == "never an MQL: excluded by fit rule 'student'"
        assert [a.type for a in explained.engagement.activities] == ["demo_request", "form_fill"]

    def test_a_returning_persons_capture_is_scored_as_a_touch(self, session, clock):
        now = clock.now()
        first = capture(session, now, email="ops@northwind.io", title="Operations analyst")
        assert session.get(Lead, first.lead_id).engagement_score == 10
        again = capture(session, now + timedelta(hours=1), email="ops@northwind.io")
        assert again.outcome == "merged"
        lead = session.get(Lead, first.lead_id)
        assert lead.engagement_score == pytest.approx(20, abs=0.02)  # two form fills
        assert [h.trigger for h in scoring.history(session, lead.id)] == ["activity", "capture"]


class TestMqlOnActivity:
    def test_engagement_reaching_the_threshold_makes_a_b_lead_an_mql(self, session, clock):
        now = clock.now()
        telecom = account(session, now, domain="fabrikam.net", industry="telecom", country="US")
        lead = make_lead(
            session, now=now - timedelta(days=10), title="Manager", account_id=telecom.id
        )
        add(session, lead.id, "webinar_attended", now - timedelta(days=2))
        assert lead.stage == "lead"
        add(session, lead.id, "pricing_page_visit", now)
        add(session, lead.id, "email_reply", now)
        assert lead.stage == "mql"
        assert moves(session, lead.id)[-1][3] == "mql:fit_and_engagement"


class TestSqlGate:
    def test_moving_to_sql_without_the_bant_criteria_is_refused_naming_them(self, session, clock):
        now = clock.now()
        lead = make_lead(session, now=now, stage="sal")
        scoring.qualify(
            session,
            lead.id,
            QualificationIn(criteria={"budget": {"value": "met", "note": "40k in Q1"}}),
            actor=TEST_ACTOR,
            now=now,
        )
        with pytest.raises(Conflict) as refused:
            lifecycle.transition(session, lead.id, "sql", actor=TEST_ACTOR, now=now)
        assert refused.value.code == "qualification_missing"
        assert refused.value.message == (
            "cannot move to 'sql' yet: needs 3 of budget, authority, need, timeline met, has 1; "
            "required: need; missing: authority (no answer), need (no answer), "
            "timeline (no answer)"
        )
        assert lead.stage == "sal"
        met = {"value": "met"}
        scoring.qualify(
            session,
            lead.id,
            QualificationIn(criteria={"need": met, "timeline": met}),
            actor=TEST_ACTOR,
            now=now,
        )
        lifecycle.transition(session, lead.id, "sql", actor=TEST_ACTOR, now=now)
        assert lead.stage == "sql"

    def test_the_gate_is_the_contracts(self, session, clock):
        now = clock.now()
        text = default_contract_text().replace("  gate: true", "  gate: false")
        contract_service.apply(session, text, actor=TEST_ACTOR, reason="trust the SDRs", now=now)
        lead = make_lead(session, now=now, stage="sal")
        lifecycle.transition(session, lead.id, "sql", actor=TEST_ACTOR, now=now)
        assert lead.stage == "sql"

    def test_unknown_criterion_is_422_and_stores_nothing(self, session, clock):
        lead = make_lead(session, now=clock.now())
        with pytest.raises(InvalidInput) as bad:
            scoring.qualify(
                session,
                lead.id,
                QualificationIn(criteria={"need": {"value": "met"}, "champion": {"value": "met"}}),
                actor=TEST_ACTOR,
                now=clock.now(),
            )
        assert bad.value.loc == ["body", "criteria", "champion"]
        assert scoring.answers(session, lead.id) == {}


class TestRecycle:
    def test_renewed_engagement_brings_a_nurtured_lead_back_and_the_cycles_are_kept(
        self, session, clock
    ):
        start = clock.now() - timedelta(days=60)
        lead = make_lead(session, now=start, stage="nurture", title="VP Sales")
        assert lead.recycle_count == 1
        soon = start + timedelta(days=3)
        add(session, lead.id, "demo_request", soon)  # inside the 14-day cooldown
        assert lead.stage == "nurture"
        later = start + timedelta(days=20)
        add(session, lead.id, "webinar_attended", later)
        add(session, lead.id, "email_reply", later)
        assert lead.stage == "mql"
        last = lifecycle.transitions_of(session, lead.id)[-1]
        assert (last.from_stage, last.reason) == ("nurture", "recycle:renewed_engagement")
        assert "cycle 1 of at most 3" in last.note
        lifecycle.transition(
            session, lead.id, "nurture", reason="not_now", actor=TEST_ACTOR, now=later
        )
        assert lead.recycle_count == 2


class TestScoreHistory:
    def test_each_change_is_stored_with_its_contract_version_and_the_past_is_reproducible(
        self, session, clock
    ):
        t0 = clock.now() - timedelta(days=40)
        lead = make_lead(session, now=t0, title="Manager")
        add(session, lead.id, "webinar_attended", t0)
        add(session, lead.id, "content_download", t0 + timedelta(days=10))
        rows = scoring.history(session, lead.id)
        assert [r.trigger for r in rows] == ["activity", "activity"]
        assert [r.contract_version for r in rows] == [1, 1]
        assert rows[-1].engagement_score == 15
        at = t0 + timedelta(days=5)
        assert scoring.score_at(session, lead.id, at).engagement_score == 15
        past = scoring.score_read(session, lead.id, now=clock.now(), at=at)
        assert past.engagement.score == pytest.approx(15 * 0.5 ** (5 / 30), abs=0.01)
        again = scoring.score_read(session, lead.id, now=clock.now(), at=at)
        assert again == past

    def test_explaining_a_lead_never_scored_is_404_with_the_reason(self, session, clock):
        lead = make_lead(session, now=clock.now())
        with pytest.raises(NotFound, match="has no score yet"):
            scoring.score_read(session, lead.id, now=clock.now())


class TestContractChange:
    def test_a_new_threshold_is_applied_to_open_leads_by_the_rescore_job(
        self, session, clock, engine
    ):
        now = clock.now()
        telecom = account(session, now, domain="fabrikam.net", industry="telecom", country="US")
        lead = make_lead(session, now=now, title="Manager", account_id=telecom.id)
        add(session, lead.id, "webinar_attended", now)
        assert lead.stage == "lead"
        session.commit()
        text = default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: 15\n")
        contract_service.apply(session, text, actor=TEST_ACTOR, reason="lower bar", now=now)
        session.commit()
        result = jobs.rescore_due(now=now)
        assert (result.scored, result.moved) == (1, 1)
        session.expire_all()
        lead = session.get(Lead, lead.id)
        assert lead.stage == "mql"
        last = session.scalars(
            select(LeadTransition)
            .where(LeadTransition.lead_id == lead.id)
            .order_by(LeadTransition.id.desc())
        ).first()
        assert (last.reason, last.contract_version) == ("mql:fit_and_engagement", 2)
        assert jobs.rescore_due(now=now).scored == 0  # safe to run twice


class TestRescoreJob:
    def test_unscored_leads_and_decay_crossings_are_picked_and_a_failure_is_isolated(
        self, session, clock, monkeypatch
    ):
        now = clock.now()
        a = make_lead(session, now=now)  # created without capture: never scored
        b = make_lead(session, now=now)
        c = make_lead(session, now=now, title="Manager", country="US")
        add(session, c.id, "pricing_page_visit", now)
        add(session, c.id, "email_reply", now)
        add(session, c.id, "content_download", now)  # 35: above the recycle threshold 30
        assert c.rescore_at is not None and c.rescore_at > now
        ids = a.id, b.id, c.id
        session.commit()
        real = scoring.evaluate

        def flaky(s, lead_id, **kw):
            if lead_id == b.id:
                raise RuntimeError("boom")
            return real(s, lead_id, **kw)

        monkeypatch.setattr(scoring, "evaluate", flaky)
        result = jobs.rescore_due(now=now)
        assert result.scored == 1 and result.failed == [b.id]
        monkeypatch.setattr(scoring, "evaluate", real)
        assert jobs.rescore_due(now=now).scored == 0  # b waits an hour; c is not due yet
        later = now + timedelta(days=7)  # 35 halves to 30 in 6.7 days
        result = jobs.rescore_due(now=later)
        assert result.scored == 2  # b's hour passed; c's decayed score crossed 30
        session.expire_all()
        scored = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(ids)))}
        assert scored[c.id].engagement_score < 30 and scored[c.id].scored_at == later
        assert (
            session.scalars(select(ScoreHistory.trigger).where(ScoreHistory.lead_id == c.id)).all()[
                -1
            ]
            == "due"
        )

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.core.actor import Actor
from leadledger.core.errors import Conflict, InvalidInput, NotFound
from leadledger.leads.models import Lead
from leadledger.lifecycle import service
from leadledger.lifecycle.models import LeadTransition
from tests.factories import make_lead

SDR = Actor(label="user:sam@example.com")


def transitions(session) -> int:
    return session.scalar(select(func.count()).select_from(LeadTransition))


class TestTransition:
    def test_a_new_lead_starts_with_one_recorded_entry(self, session, clock):
        lead = make_lead(session, now=clock.now())
        (row,) = service.transitions_of(session, lead.id)
        assert (row.from_stage, row.to_stage, row.contract_version) == (None, "lead", 1)
        assert lead.stage == "lead"

    def test_legal_move_appends_exactly_one_row(self, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        before = transitions(session)
        clock.advance(hours=2)
        row = service.transition(
            session,
            lead.id,
            "disqualified",
            reason="student",
            note="wrong list",
            actor=SDR,
            now=clock.now(),
        )
        session.commit()
        assert transitions(session) == before + 1
        assert (
            row.from_stage,
            row.to_stage,
            row.actor,
            row.reason,
            row.note,
            row.contract_version,
        ) == ("lead", "disqualified", "user:sam@example.com", "student", "wrong list", 1)
        assert row.at == clock.now()
        session.refresh(lead)
        assert lead.stage == "disqualified"
        assert lead.stage_changed_at == clock.now()
        assert lead.closed_at == clock.now()

    def test_illegal_move_is_refused_and_writes_nothing(self, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        before = transitions(session)
        with pytest.raises(Conflict) as info:
            service.transition(session, lead.id, "customer", actor=SDR, now=clock.now())
        session.rollback()
        assert "allowed: mql, nurture, disqualified" in info.value.message
        assert info.value.status == 409
        assert transitions(session) == before
        assert session.get(Lead, lead.id).stage == "lead"

    @pytest.mark.parametrize(
        ("to", "reason", "field"),
        [("nurture", None, "reason"), ("nurture", "junk", "reason"), ("won", None, "to")],
    )
    def test_bad_reason_or_unknown_stage_is_invalid_input(self, session, clock, to, reason, field):
        lead = make_lead(session, now=clock.now(), stage="mql")
        session.commit()
        before = transitions(session)
        with pytest.raises(InvalidInput) as info:
            service.transition(session, lead.id, to, reason=reason, actor=SDR, now=clock.now())
        session.rollback()
        assert info.value.loc == ["body", field]
        assert transitions(session) == before

    def test_unknown_lead(self, session, clock):
        with pytest.raises(NotFound):
            service.transition(session, 999_999, "mql", actor=SDR, now=clock.now())

    def test_milestones_and_recycle_count_through_a_full_cycle(self, session, clock):
        lead = make_lead(session, now=clock.now(), stage="sal")
        first_mql = lead.mql_at
        clock.advance(days=1)
        service.transition(
            session, lead.id, "nurture", reason="bad_timing", actor=SDR, now=clock.now()
        )
        clock.advance(days=30)
        service.transition(session, lead.id, "mql", actor=SDR, now=clock.now())
        session.commit()
        session.refresh(lead)
        assert lead.recycle_count == 1
        assert lead.mql_at == first_mql  # first time kept
        assert lead.stage_changed_at == clock.now()
        stages = [t.to_stage for t in service.transitions_of(session, lead.id)]
        assert stages == ["lead", "mql", "sal", "nurture", "mql"]


def test_history_merges_moves_and_activities_in_time_order(session, clock):
    lead = make_lead(session, now=clock.now())
    t0 = clock.now()
    activity_service.add_activity(
        session,
        lead.id,
        ActivityCreate(type="webinar_attended", at=t0 + timedelta(hours=1)),
        actor=SDR,
        now=t0,
    )
    service.transition(session, lead.id, "mql", actor=SDR, now=t0 + timedelta(hours=2))
    activity_service.add_activity(
        session, lead.id, ActivityCreate(type="call", at=t0 + timedelta(hours=3)), actor=SDR, now=t0
    )
    session.commit()
    entries = service.history(session, lead.id)
    assert [(e.kind, e.summary) for e in entries] == [
        ("transition", "(new) -> lead"),
        ("activity", "webinar_attended"),
        ("transition", "lead -> mql"),
        ("activity", "call"),
    ]
    session.refresh(lead)
    assert lead.last_activity_at == t0 + timedelta(hours=3)

import random

from sqlalchemy import func, select

from leadledger.demo.service import seed
from leadledger.leads.models import Lead
from leadledger.lifecycle.models import LeadTransition


def test_demo_leads_move_only_through_the_lifecycle(session, clock):
    result = seed(session, now=clock.now(), rng=random.Random(7), leads=100)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Lead)) == 100
    moves = session.scalar(select(func.count()).select_from(LeadTransition))
    assert moves == 100 + result.transitions  # one entry per lead plus every move
    for lead in session.scalars(select(Lead)):
        rows = session.scalars(
            select(LeadTransition)
            .where(LeadTransition.lead_id == lead.id)
            .order_by(LeadTransition.at, LeadTransition.id)
        ).all()
        assert rows[0].from_stage is None
        assert rows[-1].to_stage == lead.stage
        assert all(a.to_stage == b.from_stage for a, b in zip(rows, rows[1:], strict=False))
    stages = set(session.scalars(select(Lead.stage)))
    assert {"lead", "mql", "customer", "disqualified"} <= stages


def demo_story(session) -> list[tuple]:
    rows = session.execute(
        select(Lead.email, LeadTransition.to_stage, LeadTransition.reason, LeadTransition.at)
        .join(LeadTransition, LeadTransition.lead_id == Lead.id)
        .order_by(Lead.email, LeadTransition.at, LeadTransition.id)
    )
    return [tuple(r) for r in rows]


def test_same_seed_same_demo(session, clock):
    seed(session, now=clock.now(), rng=random.Random(3), leads=20)
    first = demo_story(session)
    session.rollback()
    seed(session, now=clock.now(), rng=random.Random(3), leads=20)
    assert demo_story(session) == first
    session.rollback()
    seed(session, now=clock.now(), rng=random.Random(4), leads=20)
    assert demo_story(session) != first

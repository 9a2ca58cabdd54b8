"""Opportunities: the amount and expected close date of the pipeline a lead became. Stage moves
are asked of ``lifecycle`` (the only writer of ``lead.stage``); this service keeps the money."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Contract, Milestone, StageCategory
from leadledger.core.actor import Actor
from leadledger.core.errors import Conflict
from leadledger.leads import service as lead_service
from leadledger.lifecycle import service as lifecycle
from leadledger.opportunities.models import Opportunity
from leadledger.opportunities.schemas import OpportunityRecord
from leadledger.reports.rules import CENT
from leadledger.users.rules import Principal


def opportunity_stage(contract: Contract) -> str:
    stage = next((s for s in contract.stages if s.milestone == Milestone.opportunity), None)
    if stage is None:
        raise Conflict("the contract has no stage with milestone 'opportunity'")
    return stage.name


def closing_stage(contract: Contract, frm: str, outcome: str) -> str:
    """The stage a won or lost outcome moves to from ``frm``, by the contract's categories."""
    want = StageCategory.won if outcome == "won" else StageCategory.lost
    for name in contract.targets(frm):
        stage = contract.stage(name)
        if stage and stage.category == want:
            return name
    raise Conflict(
        f"the contract has no {want.value} stage reachable from '{frm}'",
        loc=["body", "outcome"],
        code="illegal_transition",
    )


def record(
    session: Session,
    lead_id: int,
    data: OpportunityRecord,
    *,
    actor: Actor,
    now: datetime,
    viewer: Principal | None = None,
) -> Opportunity:
    lead = lead_service.get_lead(session, lead_id, viewer=viewer, for_update=True)
    contract = contract_service.active(session).contract
    target = opportunity_stage(contract)
    if lead.opportunity_at is None:
        lifecycle.transition(session, lead.id, target, actor=actor, now=now, viewer=viewer)
    row = session.scalar(select(Opportunity).where(Opportunity.lead_id == lead.id))
    if row is None:
        row = Opportunity(lead_id=lead.id, opened_at=lead.opportunity_at or now, created_at=now)
        session.add(row)
    elif row.outcome is not None:
        raise Conflict(
            f"the opportunity of lead {lead.id} is already closed {row.outcome}",
            loc=["body", "outcome"],
        )
    row.amount = data.amount.quantize(CENT)
    row.expected_close_on = data.expected_close_on
    row.updated_at = now
    if data.outcome:
        stage = closing_stage(contract, lead.stage, data.outcome)
        lifecycle.transition(
            session, lead.id, stage, actor=actor, now=now, reason=data.reason, viewer=viewer
        )
        row.outcome, row.closed_at = data.outcome, now
    session.flush()
    return row


def get(session: Session, lead_id: int, *, viewer: Principal | None = None) -> Opportunity | None:
    lead_service.get_lead(session, lead_id, viewer=viewer)
    return session.scalar(select(Opportunity).where(Opportunity.lead_id == lead_id))

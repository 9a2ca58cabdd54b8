"""The only writer of ``lead.stage``: every move is checked against the active contract and
appended to ``lead_transition``."""

from datetime import datetime

from sqlalchemy import Integer, Select, String, insert, literal, select
from sqlalchemy.orm import Session

from leadledger.activities.schemas import ActivityRead
from leadledger.contract import service as contract_service
from leadledger.core.actor import Actor
from leadledger.core.errors import Conflict, InvalidInput, NotFound
from leadledger.core.types import UTCDateTime
from leadledger.leads.models import Lead
from leadledger.leads.queries import visible
from leadledger.lifecycle import rules
from leadledger.lifecycle.models import LeadTransition
from leadledger.lifecycle.schemas import HistoryEntry, TransitionRead
from leadledger.users.rules import NOTE, Principal, can_read_activity

STAMPED = (
    "mql_at",
    "sal_at",
    "sql_at",
    "opportunity_at",
    "converted_at",
    "closed_at",
    "recycle_count",
)


def _refuse(refusal: rules.Refusal) -> None:
    loc = ["body", refusal.field]
    if refusal.kind == "illegal":
        raise Conflict(refusal.message, loc=loc, code="illegal_transition")
    if refusal.kind == "unqualified":
        raise Conflict(refusal.message, loc=loc, code="qualification_missing")
    raise InvalidInput(refusal.message, loc=loc)


def _record(
    session: Session,
    lead: Lead,
    frm: str | None,
    to: str,
    *,
    at: datetime,
    actor: Actor,
    reason: str | None,
    note: str | None,
    judged_by: contract_service.ActiveContract,
) -> LeadTransition:
    version = judged_by.version
    stamped = {name: getattr(lead, name) for name in STAMPED}
    for name, value in rules.stamps(judged_by.contract, to, at, stamped).items():
        setattr(lead, name, value)
    lead.contract_version = version
    lead.updated_at = at
    if lead.id is None:  # a new lead is inserted with its first stage already set
        session.flush()
    row = LeadTransition(
        lead_id=lead.id,
        from_stage=frm,
        to_stage=to,
        at=at,
        actor=actor.label,
        actor_id=actor.user_id,
        reason=reason,
        note=note,
        contract_version=version,
    )
    session.add(row)
    session.flush()
    return row


def start(
    session: Session, lead: Lead, stage: str | None, *, actor: Actor, now: datetime
) -> LeadTransition:
    """Place a new lead in ``stage``, or the contract's default entry stage, recorded as a
    transition from nothing."""
    current = contract_service.active(session)
    stage = stage or current.contract.default_entry_stage()
    refusal = rules.check_transition(current.contract, None, stage, None)
    if refusal:
        if refusal.field == "to":
            refusal = rules.Refusal(refusal.kind, "stage", refusal.message)
        _refuse(refusal)
    return _record(
        session, lead, None, stage, at=now, actor=actor, reason=None, note=None, judged_by=current
    )


def entry(
    session: Session, stage: str | None, *, at: datetime
) -> tuple[dict, contract_service.ActiveContract]:
    """The stage fields of a new lead placed in ``stage`` (or the default entry stage), for a
    bulk insert that ``start_many`` then records; refused like ``start``."""
    current = contract_service.active(session)
    stage = stage or current.contract.default_entry_stage()
    refusal = rules.check_transition(current.contract, None, stage, None)
    if refusal:
        _refuse(rules.Refusal(refusal.kind, "stage", refusal.message))
    fields = rules.stamps(current.contract, stage, at, {name: None for name in STAMPED})
    fields.setdefault("recycle_count", 0)
    return fields | {"contract_version": current.version}, current


def start_many(
    session: Session,
    lead_ids: Select,
    stage: str,
    *,
    at: datetime,
    actor: Actor,
    version: int,
) -> None:
    """Record the first move of the leads ``lead_ids`` selects, inserted in bulk with the
    fields ``entry`` gave (one INSERT ... SELECT)."""
    ids = lead_ids.subquery()
    rows = select(
        ids.c.id,
        literal(None, String).label("from_stage"),
        literal(stage, String).label("to_stage"),
        literal(at, UTCDateTime()).label("at"),
        literal(actor.label, String).label("actor"),
        literal(actor.user_id, Integer).label("actor_id"),
        literal(version, Integer).label("contract_version"),
    )
    columns = ["lead_id", "from_stage", "to_stage", "at", "actor", "actor_id", "contract_version"]
    session.execute(insert(LeadTransition.__table__).from_select(columns, rows))


def transition(
    session: Session,
    lead_id: int,
    to: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    note: str | None = None,
    viewer: Principal | None = None,
) -> LeadTransition:
    """Move a lead, or raise ``Conflict`` (illegal move) / ``InvalidInput`` (unknown stage,
    missing or unknown reason) / ``NotFound`` (also a lead ``viewer`` may not see). Nothing is
    written when the move is refused."""
    lead = session.scalar(
        select(Lead).where(Lead.id == lead_id, visible(viewer)).with_for_update(of=Lead)
    )
    if lead is None:
        raise NotFound(f"no lead {lead_id}", loc=["path", "lead_id"])
    current = contract_service.active(session)
    reason = reason.strip() if reason and reason.strip() else None
    refusal = rules.check_transition(current.contract, lead.stage, to, reason)
    gate = current.contract.qualification_gate(to)
    if refusal is None and gate is not None:
        # imported here: scoring moves leads through this module
        from leadledger.scoring import service as scoring_service

        answers = scoring_service.qualification_values(session, lead.id)
        refusal = rules.check_gate(gate, to, answers)
    if refusal:
        _refuse(refusal)
    # A request that waited for the row lock read its clock before the move it waited for;
    # a lead's moves are kept in time order, so its story reads the same by time and by id.
    at = max(now, lead.stage_changed_at)
    return _record(
        session,
        lead,
        lead.stage,
        to,
        at=at,
        actor=actor,
        reason=reason,
        note=note,
        judged_by=current,
    )


def transitions_of(session: Session, lead_id: int) -> list[LeadTransition]:
    return list(
        session.scalars(
            select(LeadTransition)
            .where(LeadTransition.lead_id == lead_id)
            .order_by(LeadTransition.at, LeadTransition.id)
        )
    )


def history(
    session: Session, lead_id: int, *, viewer: Principal | None = None
) -> list[HistoryEntry]:
    """Transitions and activities of a lead, merged in time order (ties: moves first)."""
    # imported here: both import this module (leads create through start(), activities lock leads)
    from leadledger.activities import service as activity_service
    from leadledger.leads import service as lead_service

    lead_service.get_lead(session, lead_id, viewer=viewer)
    entries = [
        HistoryEntry(
            kind="transition",
            at=t.at,
            id=t.id,
            summary=f"{t.from_stage or '(new)'} -> {t.to_stage}"
            + (f" ({t.reason})" if t.reason else ""),
            detail=TransitionRead.model_validate(t).model_dump(mode="json")
            | ({} if can_read_activity(viewer, NOTE, t.actor_id) else {"note": None}),
        )
        for t in transitions_of(session, lead_id)
    ]
    entries += [
        HistoryEntry(
            kind="activity",
            at=a.at,
            id=a.id,
            summary=a.type,
            detail=ActivityRead.model_validate(a).model_dump(mode="json"),
        )
        for a in activity_service.activities_of(session, lead_id, viewer=viewer)
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind != "transition", e.id))

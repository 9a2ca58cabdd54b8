"""Leads: create, read, edit, list. Stage moves go through ``lifecycle.service``."""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadledger.accounts import service as account_service
from leadledger.contract import service as contract_service
from leadledger.core.actor import Actor
from leadledger.core.errors import InvalidInput, NotFound
from leadledger.core.normalize import email_domain
from leadledger.core.pagination import clamp_limit, contains, page_of, paginate, parse_sort
from leadledger.leads.models import Lead
from leadledger.leads.schemas import LeadCreate, LeadFilters, LeadUpdate
from leadledger.lifecycle import service as lifecycle
from leadledger.users import service as user_service
from leadledger.users.models import User

SORTS = {
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "stage_changed_at": Lead.stage_changed_at,
    "id": Lead.id,
}


def get_lead(session: Session, lead_id: int, *, for_update: bool = False) -> Lead:
    """The lead, or ``NotFound``. ``for_update`` locks its row until the transaction ends
    (PostgreSQL), for changes computed from its current values."""
    lead = session.get(Lead, lead_id, with_for_update=for_update)
    if lead is None:
        raise NotFound(f"no lead {lead_id}", loc=["path", "lead_id"])
    return lead


def _check_refs(session: Session, fields: dict) -> None:
    for name, exists, what in (
        ("account_id", account_service.account_exists, "account"),
        ("owner_id", user_service.user_exists, "user"),
        ("creating_team_id", user_service.team_exists, "team"),
    ):
        ref = fields.get(name)
        if ref is not None and not exists(session, ref):
            raise InvalidInput(f"no {what} {ref}", loc=["body", name])


def create_lead(
    session: Session, data: LeadCreate, *, actor: Actor, now: datetime, creator: User | None = None
) -> Lead:
    fields = data.model_dump(exclude={"stage"}, exclude_none=True)
    _check_refs(session, fields)
    if "domain" not in fields and data.email:
        fields["domain"] = email_domain(data.email)
    if "creating_team_id" not in fields and creator is not None:
        fields["creating_team_id"] = creator.team_id
    lead = Lead(
        **fields,
        created_by_id=actor.user_id,
        stage="",  # set by lifecycle.start below, in the same flush
        stage_changed_at=now,
        contract_version=0,
        recycle_count=0,
        created_at=now,
        updated_at=now,
    )
    lead.custom = lead.custom or {}
    session.add(lead)
    session.flush()
    lifecycle.start(session, lead, data.stage, actor=actor, now=now)
    return lead


def update_lead(session: Session, lead_id: int, data: LeadUpdate, *, now: datetime) -> Lead:
    lead = get_lead(session, lead_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    _check_refs(session, changes)
    if "custom" in changes:
        changes["custom"] = {**(lead.custom or {}), **changes["custom"]}
    if changes.get("email") and "domain" not in changes:
        changes["domain"] = email_domain(changes["email"])
    email = changes.get("email", lead.email)
    phone = changes.get("phone", lead.phone)
    if not email and not phone:
        raise InvalidInput("a lead needs an email or a phone number", loc=["body"])
    for name, value in changes.items():
        setattr(lead, name, value)
    lead.updated_at = now
    session.flush()
    return lead


def note_activity(lead: Lead, at: datetime, *, now: datetime) -> None:
    """Keep ``last_activity_at`` the latest activity time (activities may arrive late)."""
    if lead.last_activity_at is None or at > lead.last_activity_at:
        lead.last_activity_at = at
        lead.updated_at = now


def list_leads(
    session: Session,
    filters: LeadFilters,
    *,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Lead], str | None]:
    order = parse_sort(sort, SORTS)
    limit = clamp_limit(limit)
    stmt = select(Lead)
    if filters.stage:
        contract = contract_service.active(session).contract
        unknown = [s for s in filters.stage if contract.stage(s) is None]
        if unknown:
            names = ", ".join(s.name for s in contract.stages)
            raise InvalidInput(
                f"unknown stage '{unknown[0]}'; stages are: {names}", loc=["query", "stage"]
            )
        stmt = stmt.where(Lead.stage.in_(filters.stage))
    if filters.owner_id is not None:
        stmt = stmt.where(Lead.owner_id == filters.owner_id)
    if filters.team_id is not None:
        stmt = stmt.where(Lead.creating_team_id == filters.team_id)
    if filters.source is not None:
        stmt = stmt.where(Lead.source == filters.source)
    if filters.created_from is not None:
        stmt = stmt.where(Lead.created_at >= filters.created_from)
    if filters.created_to is not None:
        stmt = stmt.where(Lead.created_at < filters.created_to)
    if filters.q:
        like = contains(filters.q)
        stmt = stmt.where(
            or_(
                Lead.email.like(like, escape="\\"),
                Lead.first_name.ilike(like, escape="\\"),
                Lead.last_name.ilike(like, escape="\\"),
                Lead.company_name.ilike(like, escape="\\"),
            )
        )
    rows = list(session.scalars(paginate(stmt, order, Lead.id, cursor, limit)))
    return page_of(rows, order, limit)

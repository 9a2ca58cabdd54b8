"""Leads: create, read, edit, list. Stage moves go through ``lifecycle.service``."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from leadledger.accounts import service as account_service
from leadledger.contract import service as contract_service
from leadledger.core.actor import Actor
from leadledger.core.errors import Forbidden, InvalidInput, NotFound
from leadledger.core.normalize import email_domain
from leadledger.core.pagination import clamp_limit, contains, page_of, paginate, parse_sort
from leadledger.leads.models import Lead
from leadledger.leads.queries import visible
from leadledger.leads.schemas import LeadCreate, LeadFilters, LeadUpdate
from leadledger.lifecycle import service as lifecycle
from leadledger.privacy import service as privacy_service
from leadledger.programs import service as program_service
from leadledger.users import service as user_service
from leadledger.users.permissions import Reach
from leadledger.users.rules import Principal

SORTS = {
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "stage_changed_at": Lead.stage_changed_at,
    "id": Lead.id,
}


def get_lead(
    session: Session, lead_id: int, *, viewer: Principal | None = None, for_update: bool = False
) -> Lead:
    """The lead, or ``NotFound`` (also when ``viewer`` may not see it: a 404, so its existence
    is not confirmed). ``for_update`` locks its row until the transaction ends (PostgreSQL), for
    changes computed from its current values."""
    stmt = select(Lead).where(Lead.id == lead_id, visible(viewer))
    if for_update:
        stmt = stmt.with_for_update(of=Lead)
    lead = session.scalars(stmt).first()
    if lead is None:
        raise NotFound(f"no lead {lead_id}", loc=["path", "lead_id"])
    return lead


def _check_refs(session: Session, fields: dict, viewer: Principal | None) -> None:
    for name, exists, what in (
        ("account_id", account_service.account_exists, "account"),
        ("owner_id", user_service.user_exists, "user"),
        ("creating_team_id", user_service.team_exists, "team"),
    ):
        ref = fields.get(name)
        if ref is not None and not exists(session, ref):
            raise InvalidInput(f"no {what} {ref}", loc=["body", name])
    if viewer is None or viewer.reach is Reach.all:
        return
    # a user who sees only their teams' leads may not hand one to, or credit, another team
    team = fields.get("creating_team_id")
    if team is not None and team not in viewer.team_ids:
        raise Forbidden(f"team {team} is not yours to credit", loc=["body", "creating_team_id"])
    owner = fields.get("owner_id")
    if owner is not None and owner != viewer.user_id:
        owner_team = user_service.team_of(session, owner)
        if owner_team is None or owner_team not in viewer.team_ids:
            raise Forbidden(f"user {owner} is not in your team", loc=["body", "owner_id"])


def create_lead(
    session: Session,
    data: LeadCreate,
    *,
    actor: Actor,
    now: datetime,
    viewer: Principal | None = None,
    derived: dict[str, Any] | None = None,
) -> Lead:
    """``derived`` holds what capture worked out (company key, seniority, raw values...),
    never what a client sent."""
    fields = data.model_dump(exclude={"stage"}, exclude_none=True)
    _check_refs(session, fields, viewer)
    privacy_service.refuse_or_lift(session, data.email, consent=bool(data.consent_source))
    if "domain" not in fields and "domain" not in (derived or {}) and data.email:
        fields["domain"] = email_domain(data.email)
    if "creating_team_id" not in fields and actor.user_id is not None:
        fields["creating_team_id"] = user_service.team_of(session, actor.user_id)
    if fields.get("program"):  # the first-touch program, by its row (created when new)
        names = {fields["program"]}
        fields["program_id"] = program_service.resolve(
            session, names, channel=fields.get("source"), now=now
        )[fields["program"]]
    lead = Lead(
        **fields,
        **{k: v for k, v in (derived or {}).items() if v is not None},
        created_by_id=actor.user_id,
        recycle_count=0,
        created_at=now,
        updated_at=now,
    )
    lead.custom = lead.custom or {}
    session.add(lead)
    # lifecycle.start sets the stage before the lead is first written: no autoflush before it
    with session.no_autoflush:
        lifecycle.start(session, lead, data.stage, actor=actor, now=now)
    return lead


def update_lead(
    session: Session,
    lead_id: int,
    data: LeadUpdate,
    *,
    now: datetime,
    viewer: Principal | None = None,
) -> Lead:
    lead = get_lead(session, lead_id, viewer=viewer, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    _check_refs(session, changes, viewer)
    if "custom" in changes:
        changes["custom"] = {**(lead.custom or {}), **changes["custom"]}
    if changes.get("email") and changes["email"] != lead.email:
        consent = changes.get("consent_source") or lead.consent_source
        privacy_service.refuse_or_lift(session, changes["email"], consent=bool(consent))
    if changes.get("email") and "domain" not in changes:
        changes["domain"] = email_domain(changes["email"])
    email = changes.get("email", lead.email)
    phone = changes.get("phone", lead.phone)
    if not email and not phone:
        raise InvalidInput("a lead needs an email or a phone number", loc=["body"])
    if "program" in changes:
        program = changes["program"]
        changes["program_id"] = (
            program_service.resolve(session, {program}, channel=lead.source, now=now)[program]
            if program
            else None
        )
    for name, value in changes.items():
        setattr(lead, name, value)
    lead.updated_at = now
    session.flush()
    return lead


def is_visible(session: Session, lead_id: int, viewer: Principal | None) -> bool:
    return session.scalar(select(Lead.id).where(Lead.id == lead_id, visible(viewer))) is not None


def find_by_email(session: Session, email: str) -> Lead | None:
    """The earliest lead with this (normalised) e-mail, locked for the change that follows."""
    return session.scalars(
        select(Lead).where(Lead.email == email).order_by(Lead.id).limit(1).with_for_update()
    ).first()


def known_emails(
    session: Session, emails: list[str], *, viewer: Principal | None = None
) -> dict[str, tuple[int, str | None, bool]]:
    """e-mail -> (earliest lead id, how it was captured, whether ``viewer`` may reach it) for
    those already known."""
    known: dict[str, tuple[int, str | None, bool]] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # a table filling fast (an import) has stale statistics: use the index
        session.execute(text("SET LOCAL enable_seqscan = off"))
    for start in range(0, len(emails), 500):
        # no ORDER BY: PostgreSQL would walk the primary key instead of the e-mail index
        rows = session.execute(
            select(Lead.email, Lead.id, Lead.via, visible(viewer)).where(
                Lead.email.in_(emails[start : start + 500])
            )
        )
        for email, lead_id, via, reachable in rows:
            if email not in known or lead_id < known[email][0]:
                known[email] = (lead_id, via, bool(reachable))
    if postgres:
        session.execute(text("SET LOCAL enable_seqscan = on"))
    return known


FILLABLE = ("first_name", "last_name", "phone", "title", "company_name", "country", "domain")


def fill_blanks(session: Session, lead: Lead, values: dict[str, Any], *, now: datetime) -> None:
    """A later capture completes a known person's empty fields; it never overwrites."""
    changed = False
    for name in FILLABLE:
        if getattr(lead, name) is None and values.get(name):
            setattr(lead, name, values[name])
            changed = True
    if changed:
        lead.updated_at = now
        session.flush()


def note_activity(lead: Lead, at: datetime, *, now: datetime) -> None:
    """Keep ``last_activity_at`` the latest activity time (activities may arrive late)."""
    if lead.last_activity_at is None or at > lead.last_activity_at:
        lead.last_activity_at = at
        lead.updated_at = now


def list_leads(
    session: Session,
    filters: LeadFilters,
    *,
    viewer: Principal | None = None,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Lead], str | None]:
    order = parse_sort(sort, SORTS)
    limit = clamp_limit(limit)
    stmt = select_leads(session, filters, viewer=viewer)
    rows = list(session.scalars(paginate(stmt, order, Lead.id, cursor, limit)))
    return page_of(rows, order, limit)


def select_leads(
    session: Session, filters: LeadFilters, *, viewer: Principal | None = None
) -> Select[tuple[Lead]]:
    """The leads ``viewer`` may read that match ``filters``, unordered: the one query behind
    lists, counts and exports. An unknown stage raises ``InvalidInput``."""
    stmt = select(Lead).where(visible(viewer))
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
    return stmt

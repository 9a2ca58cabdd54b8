"""The reports' reads: SQLAlchemy Core selects over transitions, activities, opportunities and
costs, the same on SQLite and PostgreSQL. Every select that counts leads filters with
``leads.queries.visible(viewer)``. Times come back as epoch seconds (numbers are cheap to fetch
in bulk); percentiles and buckets are computed by ``rules``."""

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session, aliased

from leadledger.activities.models import Activity
from leadledger.core.audit import AuditEvent
from leadledger.leads.models import Lead
from leadledger.leads.queries import visible
from leadledger.lifecycle.models import LeadTransition
from leadledger.opportunities.models import Opportunity
from leadledger.programs.models import Program
from leadledger.reports.rules import NONE, Period
from leadledger.users.models import Team, User
from leadledger.users.rules import Principal

T = LeadTransition
TOUCH = "capture"  # capture.service.TOUCH: a later touch, naming its program in the payload


def epoch(session: Session, column: ColumnElement) -> ColumnElement[float]:
    """Seconds since 1970 of a UTC time column, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def in_period(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def grouped(frm: FromClause, grouping: str | None) -> tuple[FromClause, ColumnElement]:
    """``frm`` (which has ``lead``) joined to what the grouping reads, and the group's value."""
    if grouping in ("program", "channel"):
        program = aliased(Program)
        frm = frm.outerjoin(program, program.id == Lead.program_id)
        col = program.name if grouping == "program" else program.channel
    elif grouping == "team":
        team = aliased(Team)
        frm = frm.outerjoin(team, team.id == Lead.creating_team_id)
        col = team.key
    elif grouping == "owner":
        owner = aliased(User)
        frm = frm.outerjoin(owner, owner.id == Lead.owner_id)
        col = owner.email
    elif grouping is None:
        return frm, literal("all")
    else:
        col = {"source": Lead.source, "region": Lead.country, "grade": Lead.fit_grade}[grouping]
    return frm, func.coalesce(col, NONE)


def contract_versions(session: Session, period: Period | None) -> list[int]:
    stmt = select(T.contract_version).distinct()
    if period is not None:
        stmt = stmt.where(in_period(T.at, period))
    return sorted(session.scalars(stmt))


# --- funnel --------------------------------------------------------------------------------


def funnel_cohort(
    session: Session,
    stages: list[str],
    period: Period,
    grouping: str | None,
    viewer: Principal | None,
) -> list[tuple]:
    """Per lead created in ``period``: (group, first entry into each stage as epoch seconds)."""
    frm, group = grouped(Lead.__table__.join(T, T.lead_id == Lead.id), grouping)
    at = epoch(session, T.at)
    firsts = [func.min(case((T.to_stage == s, at))) for s in stages]
    stmt = (
        select(group, *firsts)
        .select_from(frm)
        .where(in_period(Lead.created_at, period), visible(viewer))
        # by the transition's lead id: SQLite then reads the cohort by the created_at index
        # instead of walking every lead in id order
        .group_by(T.lead_id, group)
    )
    return [tuple(r) for r in session.execute(stmt)]


def funnel_flow(
    session: Session, period: Period, grouping: str | None, viewer: Principal | None
) -> list[tuple[str, str, int]]:
    """(group, stage, leads that entered it in ``period``)."""
    frm, group = grouped(T.__table__.join(Lead, Lead.id == T.lead_id), grouping)
    stmt = (
        select(group, T.to_stage, func.count(distinct(T.lead_id)))
        .select_from(frm)
        .where(in_period(T.at, period), visible(viewer))
        .group_by(group, T.to_stage)
    )
    return [tuple(r) for r in session.execute(stmt)]


# --- the lead ledger -----------------------------------------------------------------------


def _handed(handed: list[str], period: Period | None):  # noqa: ANN202
    """Lead id and first move into a handed stage, for the leads whose first such move falls
    in ``period``: the moves of the period not preceded by an earlier one (by the index), rather
    than grouping every lead's history."""
    stmt = select(T.lead_id, func.min(T.at).label("handed_at")).where(T.to_stage.in_(handed))
    if period is not None:
        earlier = aliased(LeadTransition)
        stmt = stmt.where(
            in_period(T.at, period),
            ~exists().where(
                earlier.lead_id == T.lead_id,
                earlier.to_stage.in_(handed),
                earlier.at < period.start,
            ),
        )
    return stmt.group_by(T.lead_id).subquery("handed")


def _owner_and_team(frm: FromClause) -> tuple[FromClause, ColumnElement, ColumnElement]:
    owner, team = aliased(User), aliased(Team)
    frm = frm.outerjoin(owner, owner.id == Lead.owner_id).outerjoin(team, team.id == owner.team_id)
    return frm, func.coalesce(owner.email, NONE), func.coalesce(team.key, NONE)


def current_reason() -> ColumnElement:
    """The reason given for the move into the lead's current stage."""
    cur = aliased(LeadTransition)
    return (
        select(cur.reason)
        .where(cur.lead_id == Lead.id, cur.to_stage == Lead.stage, cur.at == Lead.stage_changed_at)
        .order_by(cur.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def ledger_groups(
    session: Session, handed: list[str], period: Period | None, viewer: Principal | None
) -> list[tuple]:
    """(owner, owner's team, stage, reason, reached opportunity, leads) over the leads first
    handed to sales in ``period`` (None: ever)."""
    h = _handed(handed, period)
    frm, owner, team = _owner_and_team(h.join(Lead, Lead.id == h.c.lead_id))
    reason = current_reason().label("reason")
    opp = Lead.opportunity_at.is_not(None).label("opp")
    inner = (
        select(owner.label("owner"), team.label("team"), Lead.stage, reason, opp)
        .select_from(frm)
        .where(visible(viewer))
        .subquery()
    )
    c = inner.c
    stmt = select(c.owner, c.team, c.stage, c.reason, c.opp, func.count()).group_by(
        c.owner, c.team, c.stage, c.reason, c.opp
    )
    return [tuple(r) for r in session.execute(stmt)]


def first_handed(handed_stamps: list[str]) -> ColumnElement:
    """When a lead was first handed to sales, from its milestone stamps (the first time it
    reached each stage; ``lifecycle`` writes them with the transitions)."""
    cols = [getattr(Lead, name) for name in handed_stamps]
    if not cols:
        return literal(None)
    first = cols[0]
    for col in cols[1:]:
        first = case(
            (first.is_(None), col), (col.is_(None), first), (col < first, col), else_=first
        )
    return first


def _waiting(
    handed_stamps: list[str], waiting: list[str], period: Period | None, viewer: Principal | None
) -> Select:
    frm, owner, team = _owner_and_team(Lead.__table__)
    handed_at = first_handed(handed_stamps)
    stmt = (
        select(
            Lead.id,
            owner.label("owner"),
            team.label("team"),
            Lead.stage,
            Lead.stage_changed_at,
            handed_at.label("handed_at"),
        )
        .select_from(frm)
        .where(Lead.stage.in_(waiting), Lead.opportunity_at.is_(None), visible(viewer))
    )
    return stmt.where(in_period(handed_at, period)) if period is not None else stmt


def ledger_waiting(
    session: Session,
    handed_stamps: list[str],
    waiting: list[str],
    stop_types: list[str],
    period: Period | None,
    viewer: Principal | None,
) -> tuple[list[tuple], dict[int, dict[str, datetime]]]:
    """The handed leads still waiting on sales (id, owner, team, stage, entered, handed), and
    per lead the first time of each stopping activity since it entered its stage."""
    w = _waiting(handed_stamps, waiting, period, viewer).subquery("waiting")
    leads = [tuple(r) for r in session.execute(select(w))]
    firsts: dict[int, dict[str, datetime]] = {}
    if stop_types and leads:
        stmt = (
            select(Activity.lead_id, Activity.type, func.min(Activity.at))
            .select_from(w.join(Activity, Activity.lead_id == w.c.id))
            .where(Activity.type.in_(stop_types), Activity.at >= w.c.stage_changed_at)
            .group_by(Activity.lead_id, Activity.type)
        )
        for lead_id, kind, at in session.execute(stmt):
            firsts.setdefault(lead_id, {})[kind] = at
    return leads, firsts


def leads_by_id(session: Session, ids: list[int], viewer: Principal | None) -> list[tuple]:
    stmt = (
        select(Lead.id, Lead.first_name, Lead.last_name, Lead.email, Lead.company_name)
        .where(Lead.id.in_(ids), visible(viewer))
        .order_by(Lead.id)
    )
    return [tuple(r) for r in session.execute(stmt)]


# --- service levels ------------------------------------------------------------------------


def sla_starts(
    session: Session,
    start_stage: str,
    stop_stages: list[str],
    stop_types: list[str],
    period: Period,
    viewer: Principal | None,
) -> list[tuple]:
    """Each entry into ``start_stage`` in ``period``: (transition id, lead id, owner, team,
    started at, first stopping activity after, first stopping stage after), times as epoch
    seconds."""
    frm, owner, team = _owner_and_team(T.__table__.join(Lead, Lead.id == T.lead_id))
    later = aliased(LeadTransition)
    by_activity = (
        select(func.min(Activity.at))
        .where(Activity.lead_id == T.lead_id, Activity.type.in_(stop_types), Activity.at >= T.at)
        .scalar_subquery()
        if stop_types
        else literal(None)
    )
    by_stage = (
        select(func.min(later.at))
        .where(later.lead_id == T.lead_id, later.to_stage.in_(stop_stages), later.id > T.id)
        .scalar_subquery()
        if stop_stages
        else literal(None)
    )
    if stop_types:
        by_activity = epoch(session, by_activity)
    if stop_stages:
        by_stage = epoch(session, by_stage)
    stmt = (
        select(T.id, T.lead_id, owner, team, epoch(session, T.at), by_activity, by_stage)
        .select_from(frm)
        .where(T.to_stage == start_stage, in_period(T.at, period), visible(viewer))
    )
    return [tuple(r) for r in session.execute(stmt)]


def assignments(session: Session, lead_ids: list[int], since: datetime) -> dict[int, list]:
    """Owner changes recorded in the audit trail per lead since ``since`` (the routing
    domain's assignment rows replace this after the merge)."""
    out: dict[int, list] = {}
    for start in range(0, len(lead_ids), 500):
        chunk = lead_ids[start : start + 500]
        stmt = select(AuditEvent.lead_id, AuditEvent.at).where(
            AuditEvent.action == "assign",
            AuditEvent.entity == "lead",
            AuditEvent.lead_id.in_(chunk),
            AuditEvent.at >= since,
        )
        for lead_id, at in session.execute(stmt):
            out.setdefault(lead_id, []).append(at)
    return out


# --- money and ownership -------------------------------------------------------------------


def deals(session: Session, period: Period, viewer: Principal | None) -> list[tuple]:
    """Leads whose opportunity opened or that were won in ``period``: (id, first-touch program,
    created at, opportunity at, won at, amount or None, sourcing team kind)."""
    team = aliased(Team)
    stmt = (
        select(
            Lead.id,
            Lead.program_id,
            Lead.created_at,
            Lead.opportunity_at,
            Lead.converted_at,
            Opportunity.amount,
            func.coalesce(cast(team.kind, String(20)), NONE),
        )
        .select_from(
            Lead.__table__.outerjoin(Opportunity, Opportunity.lead_id == Lead.id).outerjoin(
                team, team.id == Lead.creating_team_id
            )
        )
        .where(
            (in_period(Lead.opportunity_at, period) | in_period(Lead.converted_at, period)),
            visible(viewer),
        )
    )
    return [tuple(r) for r in session.execute(stmt)]


def touches(session: Session, lead_ids: list[int]) -> list[tuple[int, str, datetime]]:
    """Later touches that name a program: (lead id, program name, at)."""
    name = Activity.payload["program"].as_string()
    out = []
    for start in range(0, len(lead_ids), 500):
        stmt = select(Activity.lead_id, name, Activity.at).where(
            Activity.type == TOUCH,
            Activity.lead_id.in_(lead_ids[start : start + 500]),
            name.is_not(None),
        )
        out += [tuple(r) for r in session.execute(stmt)]
    return out


def first_entries(
    session: Session, stage: str, period: Period, grouping: str, viewer: Principal | None
) -> list[tuple[str, int, int]]:
    """(group, leads that first reached ``stage`` in ``period``, of those now won)."""
    first = (
        select(T.lead_id, func.min(T.at).label("at"))
        .where(T.to_stage == stage)
        .group_by(T.lead_id)
        .having(in_period(func.min(T.at), period))
        .subquery()
    )
    frm, group = _team_kind_or(first.join(Lead, Lead.id == first.c.lead_id), grouping)
    stmt = (
        select(group, func.count(), func.count(Lead.converted_at))
        .select_from(frm)
        .where(visible(viewer))
        .group_by(group)
    )
    return [tuple(r) for r in session.execute(stmt)]


def _team_kind_or(frm: FromClause, grouping: str) -> tuple[FromClause, ColumnElement]:
    if grouping == "team_kind":
        team = aliased(Team)
        kind = func.coalesce(cast(team.kind, String(20)), NONE)
        return frm.outerjoin(team, team.id == Lead.creating_team_id), kind
    return grouped(frm, grouping)


def created_by_team_kind(
    session: Session, period: Period, viewer: Principal | None
) -> list[tuple[str, int]]:
    frm, group = _team_kind_or(Lead.__table__, "team_kind")
    stmt = (
        select(group, func.count())
        .select_from(frm)
        .where(in_period(Lead.created_at, period), visible(viewer))
        .group_by(group)
    )
    return [tuple(r) for r in session.execute(stmt)]


def qualified_by_sdr(
    session: Session, stage: str, period: Period, viewer: Principal | None
) -> list[tuple[str, int]]:
    """Leads moved to ``stage`` in ``period`` by a sales-development user, by the kind of the
    team that created them."""
    actor, actor_team = aliased(User), aliased(Team)
    frm, group = _team_kind_or(T.__table__.join(Lead, Lead.id == T.lead_id), "team_kind")
    frm = frm.join(actor, actor.id == T.actor_id).join(actor_team, actor_team.id == actor.team_id)
    stmt = (
        select(group, func.count(distinct(T.lead_id)))
        .select_from(frm)
        .where(
            T.to_stage == stage,
            in_period(T.at, period),
            cast(actor_team.kind, String(20)) == "sdr",
            visible(viewer),
        )
        .group_by(group)
    )
    return [tuple(r) for r in session.execute(stmt)]


def reasons_by_source(
    session: Session, stages: list[str], period: Period, viewer: Principal | None
) -> list[tuple[str, str, str | None, int]]:
    """(source, stage, reason, moves) for moves into ``stages`` in ``period``."""
    source = func.coalesce(Lead.source, NONE)
    stmt = (
        select(source, T.to_stage, T.reason, func.count())
        .select_from(T.__table__.join(Lead, Lead.id == T.lead_id))
        .where(T.to_stage.in_(stages), in_period(T.at, period), visible(viewer))
        .group_by(source, T.to_stage, T.reason)
    )
    return [tuple(r) for r in session.execute(stmt)]


def open_pipeline(session: Session, viewer: Principal | None) -> tuple[int, float]:
    """Open opportunities now: (how many, their amount)."""
    stmt = (
        select(func.count(), func.coalesce(func.sum(Opportunity.amount), 0))
        .select_from(Opportunity.__table__.join(Lead, Lead.id == Opportunity.lead_id))
        .where(Lead.opportunity_at.is_not(None), Lead.closed_at.is_(None), visible(viewer))
    )
    n, amount = session.execute(stmt).one()
    return n, float(amount)


def count_in_stage(session: Session, stages: list[str], viewer: Principal | None) -> int:
    stmt = select(func.count()).select_from(Lead).where(Lead.stage.in_(stages), visible(viewer))
    return session.scalar(stmt) or 0


def created_count(
    session: Session, period: Period, viewer: Principal | None, team_kinds: list[str] | None = None
) -> int:
    frm, group = _team_kind_or(Lead.__table__, "team_kind")
    stmt = (
        select(func.count())
        .select_from(frm)
        .where(in_period(Lead.created_at, period), visible(viewer))
    )
    if team_kinds is not None:
        stmt = stmt.where(group.in_(team_kinds))
    return session.scalar(stmt) or 0


def won_amounts(session: Session, period: Period, viewer: Principal | None) -> list[float]:
    stmt = (
        select(Opportunity.amount)
        .select_from(Opportunity.__table__.join(Lead, Lead.id == Opportunity.lead_id))
        .where(in_period(Lead.converted_at, period), visible(viewer))
    )  # won in the period (measured: won among those created in it is won_cycles' set)
    return [float(a) for a in session.scalars(stmt)]


def won_cycles(session: Session, period: Period, viewer: Principal | None) -> list[float]:
    """Seconds from creation to won for the leads created in ``period`` and won since."""
    stmt = select(epoch(session, Lead.converted_at) - epoch(session, Lead.created_at)).where(
        in_period(Lead.created_at, period), Lead.converted_at.is_not(None), visible(viewer)
    )
    return [float(x) for x in session.scalars(stmt)]


def backtest_leads(session: Session, since: datetime, viewer: Principal | None) -> list[tuple]:
    """Leads created since ``since`` with their fit facts and what became of them: (id,
    title, seniority, country, source, email, domain, industry, employees, created at,
    reached mql, reached sql, won at, amount, stage)."""
    from leadledger.accounts.models import Account  # read beside the lead, never written

    custom_industry = Lead.custom["industry"].as_string()
    custom_employees = Lead.custom["employees"].as_string()
    stmt = (
        select(
            Lead.id,
            Lead.title,
            Lead.seniority,
            Lead.country,
            Lead.source,
            Lead.email,
            Lead.domain,
            func.coalesce(Account.industry, custom_industry),
            func.coalesce(cast(Account.employees, String(20)), custom_employees),
            Lead.created_at,
            Lead.mql_at,
            Lead.sql_at,
            Lead.converted_at,
            Opportunity.amount,
            Lead.stage,
        )
        .select_from(
            Lead.__table__.outerjoin(Account, Account.id == Lead.account_id).outerjoin(
                Opportunity, Opportunity.lead_id == Lead.id
            )
        )
        .where(Lead.created_at >= since, visible(viewer))
        .order_by(Lead.id)
    )
    return [tuple(r) for r in session.execute(stmt)]


def backtest_activities(
    session: Session, since: datetime, viewer: Principal | None
) -> list[tuple[int, str, str | None, datetime]]:
    """(lead id, type, channel of a capture touch, at) for the leads created since ``since``."""
    stmt = (
        select(
            Activity.lead_id, Activity.type, Activity.payload["channel"].as_string(), Activity.at
        )
        .select_from(Activity.__table__.join(Lead, Lead.id == Activity.lead_id))
        .where(Lead.created_at >= since, visible(viewer))
    )
    return [tuple(r) for r in session.execute(stmt)]

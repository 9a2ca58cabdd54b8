"""Typed factories with valid defaults; a test overrides only what it is about."""

import itertools
from collections import deque
from datetime import datetime

from sqlalchemy.orm import Session

from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.actor import Actor
from leadledger.leads import service as lead_service
from leadledger.leads.models import Lead
from leadledger.leads.schemas import LeadCreate
from leadledger.lifecycle import service as lifecycle
from leadledger.scoring import service as scoring_service
from leadledger.scoring.schemas import QualificationIn
from leadledger.users import service as user_service
from leadledger.users.models import Role, Team, TokenScope, User

_seq = itertools.count(1)
TEST_ACTOR = Actor(label="test")


def make_team(
    session: Session, *, key: str | None = None, kind: str = "sdr", parent: Team | None = None
) -> Team:
    key = key or f"team_{next(_seq)}"
    return user_service.add_team(
        session,
        key=key,
        name=key.title(),
        kind=TeamKind(kind),
        parent_key=parent.key if parent else None,
    )


def make_user(
    session: Session, *, email: str | None = None, role: str = Role.sdr, team: Team | None = None
) -> User:
    email = email or f"user{next(_seq)}@example.com"
    return user_service.add_user(
        session, email=email, role=Role(role), team_key=team.key if team else None
    )


def make_token(
    session: Session,
    user: User,
    *,
    now: datetime,
    scope: str = "admin",
    expires_at: datetime | None = None,
) -> str:
    """A token whose scope does not narrow the user's role unless asked."""
    return user_service.create_token(
        session, user, name="test", now=now, scope=TokenScope(scope), expires_at=expires_at
    )[1]


def make_lead(session: Session, *, now: datetime, stage: str | None = None, **overrides) -> Lead:
    """A lead in ``stage``, reached by legal moves (with the first valid reason where needed)."""
    n = next(_seq)
    fields = {
        "email": f"person{n}@acme-{n}.com",
        "first_name": "Pat",
        "last_name": f"Lee{n}",
        "company_name": f"Acme {n}",
    } | overrides
    lead = lead_service.create_lead(session, LeadCreate(**fields), actor=TEST_ACTOR, now=now)
    if stage and stage != lead.stage:
        contract = contract_service.active(session).contract
        for step in path(contract, lead.stage, stage):
            target = contract.stage(step)
            codes = contract.reason_codes(target)
            reason = codes[0] if target.reason_required else None
            if contract.qualification_gate(step) is not None:
                qualify_all(session, lead.id, now=now)
            lifecycle.transition(session, lead.id, step, reason=reason, actor=TEST_ACTOR, now=now)
    session.flush()
    return lead


def qualify_all(session: Session, lead_id: int, *, now: datetime) -> None:
    """The SDR's answers before the SQL gate: every criterion of the contract met."""
    sql = contract_service.active(session).contract.sql
    met = {c.key: {"value": "met"} for c in sql.criteria}
    scoring_service.qualify(
        session, lead_id, QualificationIn(criteria=met), actor=TEST_ACTOR, now=now
    )


def path(contract, start: str, goal: str) -> list[str]:  # noqa: ANN001
    """The shortest list of legal moves from ``start`` to ``goal``."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            steps = []
            while previous[here] is not None:
                steps.append(here)
                here = previous[here]
            return steps[::-1]
        for nxt in contract.targets(here):
            if nxt not in previous:
                previous[nxt] = here
                queue.append(nxt)
    raise ValueError(f"no path from {start} to {goal}")

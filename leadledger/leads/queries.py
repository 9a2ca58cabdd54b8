"""The record rule in SQL: the leads a principal may read and change. Every query that
returns leads (lists, by id, exports, reports, search) filters with ``visible``; its pure twin
is ``users.rules.can_reach_lead``, and tests check the two agree row for row."""

from sqlalchemy import ColumnElement, false, or_, select, true

from leadledger.leads.models import Lead
from leadledger.users.models import User
from leadledger.users.permissions import Reach
from leadledger.users.rules import Principal


def visible(viewer: Principal | None) -> ColumnElement[bool]:
    """``None`` is trusted code acting for no one in particular (a service calling another)."""
    if viewer is None or viewer.reach is Reach.all:
        return true()
    allowed = []
    if viewer.user_id is not None:
        allowed += [Lead.owner_id == viewer.user_id, Lead.created_by_id == viewer.user_id]
    if viewer.team_ids:
        teams = sorted(viewer.team_ids)
        allowed += [
            Lead.creating_team_id.in_(teams),
            Lead.owner_id.in_(select(User.id).where(User.team_id.in_(teams))),
        ]
    return or_(*allowed) if allowed else false()

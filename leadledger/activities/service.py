from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from leadledger.activities.models import Activity
from leadledger.activities.schemas import ActivityCreate
from leadledger.core.actor import Actor
from leadledger.core.errors import Forbidden
from leadledger.leads import service as lead_service
from leadledger.users.permissions import Permission
from leadledger.users.rules import NOTE, Principal


def add_activity(
    session: Session,
    lead_id: int,
    data: ActivityCreate,
    *,
    actor: Actor,
    now: datetime,
    viewer: Principal | None = None,
) -> Activity:
    lead = lead_service.get_lead(session, lead_id, viewer=viewer, for_update=True)
    if data.type == NOTE and viewer is not None and not viewer.can(Permission.note_write):
        raise Forbidden(f"role '{viewer.role}' may not write notes", loc=["body", "type"])
    at = data.at or now
    row = Activity(
        lead_id=lead.id,
        type=data.type,
        at=at,
        payload=data.payload,
        actor_id=actor.user_id,
        created_at=now,
    )
    session.add(row)
    lead_service.note_activity(lead, at, now=now)
    session.flush()
    # imported here: scoring reads activities through this module
    from leadledger.scoring import service as scoring_service

    scoring_service.evaluate(session, lead.id, now=now, trigger="activity")
    return row


def activities_of(
    session: Session, lead_id: int, *, viewer: Principal | None = None
) -> list[Activity]:
    """A lead's activities in time order; internal notes only for those who may read them
    (``users.rules.can_read_activity``)."""
    stmt = select(Activity).where(Activity.lead_id == lead_id)
    if viewer is not None and not viewer.can(Permission.note_read):
        stmt = stmt.where(or_(Activity.type != NOTE, Activity.actor_id == viewer.user_id))
    return list(session.scalars(stmt.order_by(Activity.at, Activity.id)))


def activity_rows(session: Session, lead_ids: Select):
    """(lead id, type, at, payload) of the leads ``lead_ids`` selects, by lead and time: one
    query for many leads (training sets, reports)."""
    stmt = (
        select(Activity.lead_id, Activity.type, Activity.at, Activity.payload)
        .where(Activity.lead_id.in_(lead_ids))
        .order_by(Activity.lead_id, Activity.at, Activity.id)
    )
    return session.execute(stmt.execution_options(yield_per=5000))

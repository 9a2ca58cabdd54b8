from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadledger.activities.models import Activity
from leadledger.activities.schemas import ActivityCreate
from leadledger.core.actor import Actor
from leadledger.leads import service as lead_service


def add_activity(
    session: Session, lead_id: int, data: ActivityCreate, *, actor: Actor, now: datetime
) -> Activity:
    lead = lead_service.get_lead(session, lead_id, for_update=True)
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
    return row


def activities_of(session: Session, lead_id: int) -> list[Activity]:
    return list(
        session.scalars(
            select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.at, Activity.id)
        )
    )

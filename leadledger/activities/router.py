from typing import Annotated

from fastapi import APIRouter

from leadledger.activities import service
from leadledger.activities.schemas import ActivityCreate, ActivityRead
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId
from leadledger.leads import service as lead_service
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["activities"])


@router.post("/leads/{lead_id}/activities", status_code=201, response_model=ActivityRead)
def add_activity(
    lead_id: PathId,
    body: ActivityCreate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.activity_create)],
    clock: ClockDep,
) -> ActivityRead:
    row = service.add_activity(
        session, lead_id, body, actor=viewer.actor, now=clock.now(), viewer=viewer
    )
    return ActivityRead.model_validate(row)


@router.get("/leads/{lead_id}/activities", response_model=list[ActivityRead])
def list_activities(
    lead_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.lead_read)]
) -> list[ActivityRead]:
    lead_service.get_lead(session, lead_id, viewer=viewer)
    rows = service.activities_of(session, lead_id, viewer=viewer)
    return [ActivityRead.model_validate(r) for r in rows]

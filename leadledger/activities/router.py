from fastapi import APIRouter

from leadledger.activities import service
from leadledger.activities.schemas import ActivityCreate, ActivityRead
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId
from leadledger.users.dependencies import CurrentUser
from leadledger.users.service import actor_of

router = APIRouter(tags=["activities"])


@router.post("/leads/{lead_id}/activities", status_code=201, response_model=ActivityRead)
def add_activity(
    lead_id: PathId, body: ActivityCreate, session: SessionDep, user: CurrentUser, clock: ClockDep
) -> ActivityRead:
    row = service.add_activity(session, lead_id, body, actor=actor_of(user), now=clock.now())
    return ActivityRead.model_validate(row)

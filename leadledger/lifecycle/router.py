from fastapi import APIRouter

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId
from leadledger.lifecycle import service
from leadledger.lifecycle.schemas import HistoryEntry, TransitionCreate, TransitionRead
from leadledger.users.dependencies import CurrentUser
from leadledger.users.service import actor_of

router = APIRouter(tags=["lifecycle"])


@router.post("/leads/{lead_id}/transitions", status_code=201, response_model=TransitionRead)
def move_lead(
    lead_id: PathId, body: TransitionCreate, session: SessionDep, user: CurrentUser, clock: ClockDep
) -> TransitionRead:
    row = service.transition(
        session,
        lead_id,
        body.to,
        reason=body.reason,
        note=body.note,
        actor=actor_of(user),
        now=clock.now(),
    )
    return TransitionRead.model_validate(row)


@router.get("/leads/{lead_id}/history", response_model=list[HistoryEntry])
def lead_history(lead_id: PathId, session: SessionDep, user: CurrentUser) -> list[HistoryEntry]:
    return service.history(session, lead_id)

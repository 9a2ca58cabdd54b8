from typing import Annotated

from fastapi import APIRouter

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId
from leadledger.lifecycle import service
from leadledger.lifecycle.schemas import HistoryEntry, TransitionCreate, TransitionRead
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["lifecycle"])


@router.post("/leads/{lead_id}/transitions", status_code=201, response_model=TransitionRead)
def move_lead(
    lead_id: PathId,
    body: TransitionCreate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_move)],
    clock: ClockDep,
) -> TransitionRead:
    row = service.transition(
        session,
        lead_id,
        body.to,
        reason=body.reason,
        note=body.note,
        actor=viewer.actor,
        now=clock.now(),
        viewer=viewer,
    )
    return TransitionRead.model_validate(row)


@router.get("/leads/{lead_id}/history", response_model=list[HistoryEntry])
def lead_history(
    lead_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.lead_read)]
) -> list[HistoryEntry]:
    return service.history(session, lead_id, viewer=viewer)

from typing import Annotated

from fastapi import APIRouter

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.errors import NotFound
from leadledger.core.schemas import PathId
from leadledger.opportunities import service
from leadledger.opportunities.schemas import OpportunityRead, OpportunityRecord
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["opportunities"])


@router.post("/leads/{lead_id}/opportunity", response_model=OpportunityRead)
def record_opportunity(
    lead_id: PathId,
    body: OpportunityRecord,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_move)],
    clock: ClockDep,
) -> OpportunityRead:
    row = service.record(session, lead_id, body, actor=viewer.actor, now=clock.now(), viewer=viewer)
    return OpportunityRead.model_validate(row)


@router.get("/leads/{lead_id}/opportunity", response_model=OpportunityRead)
def get_opportunity(
    lead_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.lead_read)]
) -> OpportunityRead:
    row = service.get(session, lead_id, viewer=viewer)
    if row is None:
        raise NotFound(f"lead {lead_id} has no opportunity", loc=["path", "lead_id"])
    return OpportunityRead.model_validate(row)

from typing import Annotated

from fastapi import APIRouter

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId
from leadledger.programs import service
from leadledger.programs.schemas import CostCreate, CostRead, ProgramCreate, ProgramRead
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["programs"])


@router.post("/programs", status_code=201, response_model=ProgramRead)
def add_program(
    body: ProgramCreate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.program_manage)],
    clock: ClockDep,
) -> ProgramRead:
    return ProgramRead.model_validate(service.add_program(session, body, now=clock.now()))


@router.get("/programs", response_model=list[ProgramRead])
def list_programs(
    session: SessionDep, viewer: Annotated[Principal, require(P.program_read)]
) -> list[ProgramRead]:
    return service.list_programs(session)


@router.post("/programs/{program_id}/costs", status_code=201, response_model=CostRead)
def add_cost(
    program_id: PathId,
    body: CostCreate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.program_manage)],
    clock: ClockDep,
) -> CostRead:
    return CostRead.model_validate(service.add_cost(session, program_id, body, now=clock.now()))


@router.get("/programs/{program_id}/costs", response_model=list[CostRead])
def list_costs(
    program_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.program_read)]
) -> list[CostRead]:
    program = service.get_program(session, program_id)
    return [CostRead.model_validate(c) for c in service.costs_of(session, program.id)]

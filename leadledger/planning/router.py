from typing import Annotated

from fastapi import APIRouter, Query

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import PathId
from leadledger.planning import service
from leadledger.planning.schemas import PlanCreate, PlanRead
from leadledger.reports.schemas import Report
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["planning"])


@router.post("/plans", status_code=201, response_model=PlanRead)
def create_plan(
    body: PlanCreate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.plan_write)],
    clock: ClockDep,
) -> PlanRead:
    return service.create_plan(session, body, actor=viewer.actor, now=clock.now(), viewer=viewer)


@router.get("/plans", response_model=list[PlanRead])
def list_plans(
    session: SessionDep, viewer: Annotated[Principal, require(P.report_read)]
) -> list[PlanRead]:
    return [PlanRead.model_validate(p) for p in service.list_plans(session)]


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(
    plan_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.report_read)]
) -> PlanRead:
    return PlanRead.model_validate(service.get_plan(session, plan_id))


@router.get("/reports/plan-vs-actual", response_model=Report)
def plan_vs_actual(
    plan_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    session: SessionDep,
    viewer: Annotated[Principal, require(P.report_read)],
    clock: ClockDep,
) -> Report:
    return service.plan_vs_actual(session, plan_id, now=clock.now(), viewer=viewer)

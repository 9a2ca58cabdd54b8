from typing import Annotated

from fastapi import APIRouter, Query

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId, UtcDateTime
from leadledger.scoring import service
from leadledger.scoring.schemas import (
    QualificationIn,
    QualificationRead,
    ScoreHistoryRead,
    ScoreModelRead,
    ScoreRead,
)
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["scoring"])


@router.get("/leads/{lead_id}/score", response_model=ScoreRead)
def lead_score(
    lead_id: PathId,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_read)],
    clock: ClockDep,
    at: Annotated[
        UtcDateTime | None, Query(description="the score as of this time; default: now")
    ] = None,
) -> ScoreRead:
    return service.score_read(session, lead_id, now=clock.now(), at=at, viewer=viewer)


@router.get("/leads/{lead_id}/score/history", response_model=list[ScoreHistoryRead])
def lead_score_history(
    lead_id: PathId,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_read)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ScoreHistoryRead]:
    rows = service.history(session, lead_id, viewer=viewer, limit=limit)
    return [ScoreHistoryRead.model_validate(r) for r in rows]


@router.get("/leads/{lead_id}/qualification", response_model=QualificationRead)
def lead_qualification(
    lead_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.lead_read)]
) -> QualificationRead:
    return service.qualification_read(session, lead_id, viewer=viewer)


@router.post("/leads/{lead_id}/qualification", response_model=QualificationRead)
def qualify_lead(
    lead_id: PathId,
    body: QualificationIn,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_qualify)],
    clock: ClockDep,
) -> QualificationRead:
    service.qualify(session, lead_id, body, actor=viewer.actor, now=clock.now(), viewer=viewer)
    return service.qualification_read(session, lead_id, viewer=viewer)


@router.get("/score/models", response_model=list[ScoreModelRead])
def score_models(
    session: SessionDep, viewer: Annotated[Principal, require(P.score_read)]
) -> list[ScoreModelRead]:
    return [ScoreModelRead.model_validate(r) for r in service.models(session)]


@router.post("/score/models/{version}/activate", response_model=ScoreModelRead)
def activate_model(
    version: PathId,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.score_train)],
    clock: ClockDep,
) -> ScoreModelRead:
    return ScoreModelRead.model_validate(service.activate(session, version, now=clock.now()))

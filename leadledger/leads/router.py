from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId, QueryId, parse_input
from leadledger.leads import service
from leadledger.leads.schemas import (
    Channel,
    LeadFilters,
    LeadPage,
    LeadRead,
    LeadUpdate,
)
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["leads"])


def lead_filters(
    stage: Annotated[list[str], Query(description="repeat for several stages")] = [],  # noqa: B006
    owner_id: QueryId = None,
    team_id: QueryId = None,
    source: Channel | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Annotated[str | None, Query(description="text in name, email or company")] = None,
) -> LeadFilters:
    """The filters of every lead listing (``GET /leads``, ``GET /leads:export``)."""
    return parse_input(
        LeadFilters,
        {
            "stage": stage,
            "owner_id": owner_id,
            "team_id": team_id,
            "source": source,
            "created_from": created_from,
            "created_to": created_to,
            "q": q,
        },
        prefix="query",
    )


Filters = Annotated[LeadFilters, Depends(lead_filters)]


@router.get("/leads", response_model=LeadPage)
def list_leads(
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_read)],
    filters: Filters,
    sort: Annotated[
        str, Query(description="created_at, updated_at, stage_changed_at, id; -x for descending")
    ] = "-created_at",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> LeadPage:
    rows, next_cursor = service.list_leads(
        session, filters, viewer=viewer, sort=sort, cursor=cursor, limit=limit
    )
    return LeadPage(items=[LeadRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/leads/{lead_id}", response_model=LeadRead)
def get_lead(
    lead_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.lead_read)]
) -> LeadRead:
    return LeadRead.model_validate(service.get_lead(session, lead_id, viewer=viewer))


@router.patch("/leads/{lead_id}", response_model=LeadRead)
def update_lead(
    lead_id: PathId,
    body: LeadUpdate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_update)],
    clock: ClockDep,
) -> LeadRead:
    lead = service.update_lead(session, lead_id, body, now=clock.now(), viewer=viewer)
    return LeadRead.model_validate(lead)

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import QueryId, parse_input
from leadledger.exports import service
from leadledger.exports.rules import MEDIA_TYPES, Format, Preset
from leadledger.leads.schemas import Channel, LeadFilters
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["exports"])


@router.get(
    "/leads:export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
            "description": "the file, streamed",
        }
    },
)
def export_leads(
    session: SessionDep,
    viewer: Annotated[Principal, require(P.lead_export)],
    clock: ClockDep,
    format_: Annotated[Format, Query(alias="format")] = Format.csv,
    preset: Annotated[
        Preset, Query(description="the header set: leadledger, hubspot or salesforce")
    ] = Preset.leadledger,
    stage: Annotated[list[str], Query(description="repeat for several stages")] = [],  # noqa: B006
    owner_id: QueryId = None,
    team_id: QueryId = None,
    source: Channel | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Annotated[str | None, Query(description="text in name, email or company")] = None,
) -> StreamingResponse:
    """The leads you may read that match the filters (those of ``GET /leads``), as one file."""
    filters = parse_input(
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
    export = service.start_export(
        session, filters, viewer=viewer, fmt=format_, preset=preset, now=clock.now()
    )
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )

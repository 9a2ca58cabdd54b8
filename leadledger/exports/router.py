from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.exports import service
from leadledger.exports.rules import MEDIA_TYPES, Format, Preset
from leadledger.leads.router import Filters
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
    filters: Filters,
    format_: Annotated[Format, Query(alias="format")] = Format.csv,
    preset: Annotated[
        Preset, Query(description="the header set: leadledger, hubspot or salesforce")
    ] = Preset.leadledger,
) -> StreamingResponse:
    """The leads you may read that match the filters (those of ``GET /leads``), as one file."""
    export = service.start_export(
        session, filters, viewer=viewer, fmt=format_, preset=preset, now=clock.now()
    )
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )

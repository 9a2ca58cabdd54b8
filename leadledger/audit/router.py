from typing import Annotated

from fastapi import APIRouter, Query

from leadledger.audit import service
from leadledger.audit.schemas import AuditEventRead, AuditFilters, AuditPage
from leadledger.core.dependencies import SessionDep
from leadledger.core.schemas import QueryId, parse_input
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def list_audit(
    session: SessionDep,
    viewer: Annotated[Principal, require(P.audit_read)],
    lead_id: QueryId = None,
    actor_id: QueryId = None,
    action: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> AuditPage:
    """The audit trail, newest first. There is no route to change or delete an entry."""
    filters = parse_input(
        AuditFilters, {"lead_id": lead_id, "actor_id": actor_id, "action": action}, prefix="query"
    )
    rows, next_cursor = service.list_events(session, filters, cursor=cursor, limit=limit)
    return AuditPage(
        items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )

"""Reading the audit trail (it is written by the flush hook in ``core.audit``)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadledger.audit.schemas import AuditFilters
from leadledger.core.audit import AuditEvent
from leadledger.core.pagination import clamp_limit, page_of, paginate, parse_sort

SORTS = {"id": AuditEvent.id}


def list_events(
    session: Session, filters: AuditFilters, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[AuditEvent], str | None]:
    """Newest first."""
    order = parse_sort("-id", SORTS)
    stmt = select(AuditEvent)
    if filters.lead_id is not None:
        stmt = stmt.where(AuditEvent.lead_id == filters.lead_id)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        action = filters.action
        if "." in action:
            stmt = stmt.where(AuditEvent.action == action)
        else:
            stmt = stmt.where(AuditEvent.action.startswith(f"{action}.", autoescape=True))
    rows = list(session.scalars(paginate(stmt, order, AuditEvent.id, cursor, clamp_limit(limit))))
    return page_of(rows, order, clamp_limit(limit))

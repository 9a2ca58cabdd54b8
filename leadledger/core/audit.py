"""The audit trail: a hook on every session's flush writes one append-only row per created,
changed or deleted record of an audited model, with who (actor, source, request id) and the
changed fields' old and new values, in the same transaction as the change itself. A model is
audited by declaring ``__audit__ = AuditSpec(...)``; explicit events (sign-in, export, erase)
go through ``record``."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from leadledger.core.clock import get_clock
from leadledger.core.db import Base

ERASED = "[erased]"


@dataclass(frozen=True)
class AuditContext:
    actor: str
    source: str
    actor_id: int | None = None
    request_id: str | None = None
    client: str | None = None


SYSTEM = AuditContext(actor="system", source="system")
CLI = AuditContext(actor="system:cli", source="cli")
_current: ContextVar[AuditContext] = ContextVar("audit_context", default=SYSTEM)


@contextmanager
def acting_as(context: AuditContext) -> Iterator[None]:
    """Record changes made in this block (any session) under ``context``: the CLI, the demo,
    the worker. A request sets its context on its own session instead (``set_context``)."""
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def set_context(session: Session, context: AuditContext) -> None:
    session.info["audit"] = context


@contextmanager
def suppressed(session: Session) -> Iterator[None]:
    """No automatic rows for the block: only for a privacy erasure, whose changes would copy the
    very values it removes into the trail; it records one explicit event instead."""
    session.info["audit_off"] = True
    try:
        yield
    finally:
        session.info.pop("audit_off", None)


def context_of(session: Session) -> AuditContext:
    return session.info.get("audit") or _current.get()


@dataclass(frozen=True)
class AuditSpec:
    """How a model is audited. ``lead`` names the attribute holding the lead the row concerns;
    ``actions`` names the action of an update that changes a given field (``stage`` ->
    ``transition``)."""

    entity: str
    lead: str | None = None
    exclude: frozenset[str] = frozenset({"updated_at"})
    actions: dict[str, str] = field(default_factory=dict)


class AuditEvent(Base):
    """One audited event. Append-only: no route or command edits or deletes these rows; only a
    privacy erasure blanks the personal values inside them."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_lead_id_id", "lead_id", "id"),
        Index("ix_audit_event_actor_id_id", "actor_id", "id"),
        Index("ix_audit_event_action_client_at", "action", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str | None] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    lead_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(context: AuditContext, **values: Any) -> dict[str, Any]:
    return {
        "at": get_clock().now(),
        "actor": context.actor,
        "actor_id": context.actor_id,
        "source": context.source,
        "request_id": context.request_id,
        "client": context.client,
        "entity": None,
        "entity_id": None,
        "lead_id": None,
        "changes": {},
    } | values


def record(
    session: Session,
    action: str,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    lead_id: int | None = None,
    changes: dict[str, Any] | None = None,
    context: AuditContext | None = None,
) -> None:
    """An explicit audit event (sign-in, export, import, erasure), in the session's transaction."""
    values = _row(
        context or context_of(session),
        action=action,
        entity=entity,
        entity_id=entity_id,
        lead_id=lead_id,
        changes={k: jsonable(v) for k, v in (changes or {}).items()},
    )
    session.execute(insert(AuditEvent), [values])


def _changes(obj: object, verb: str, spec: AuditSpec) -> dict[str, list]:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        name = attr.key
        if name in spec.exclude:
            continue
        history = state.attrs[name].history
        if verb == "create":
            old, new = None, state.dict.get(name)
            if new is None:
                continue
        elif verb == "delete":
            old, new = state.dict.get(name), None
        else:
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
        changes[name] = [jsonable(old), jsonable(new)]
    return changes


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _flush_context) -> None:  # noqa: ANN001
    if session.info.get("audit_off"):
        return
    context = context_of(session)
    rows = []
    for verb, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            spec: AuditSpec | None = getattr(type(obj), "__audit__", None)
            if spec is None:
                continue
            changes = _changes(obj, verb, spec)
            if verb == "update" and not changes:
                continue
            action = next((a for f, a in spec.actions.items() if f in changes), None)
            state = inspect(obj)
            # a new row's key is in its attributes by now, though not yet in its identity
            ident = [state.dict.get(c.key) for c in state.mapper.primary_key]
            rows.append(
                _row(
                    context,
                    action=f"{spec.entity}.{action if verb == 'update' and action else verb}",
                    entity=spec.entity,
                    entity_id=ident[0] if len(ident) == 1 else None,
                    lead_id=state.dict.get(spec.lead) if spec.lead else None,
                    changes=changes,
                )
            )
    if rows:
        session.connection().execute(insert(AuditEvent), rows)

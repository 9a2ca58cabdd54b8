"""The intake API: one lead, a batch of up to 1,000, and the log of failed captures."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from leadledger.capture import service
from leadledger.capture.schemas import (
    BatchIn,
    BatchItem,
    BatchResult,
    CaptureIn,
    CaptureResult,
    IntakeErrorPage,
    IntakeErrorRead,
)
from leadledger.core.clock import Clock
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.errors import LeadLedgerError
from leadledger.core.schemas import PathId, parse_input
from leadledger.leads import service as lead_service
from leadledger.leads.schemas import LeadRead
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["capture"])
Capturer = Annotated[Principal, require(P.lead_create)]
IdempotencyKey = Annotated[
    str | None,
    Header(description="send the same key again to get the first answer, creating nothing"),
]


class CaptureAnswer(LeadRead):
    outcome: str  # created (201) or merged (200: a touch on the lead already known)
    flagged: dict[str, str]  # this capture's values kept raw because they could not be cleaned


REPLAYED = "Idempotent-Replayed"  # set on an answer repeated for a reused key


def idempotent(
    session: Session,
    scope: str,
    key: str | None,
    body: Any,
    run: Callable[[], tuple[int, Any]],
    response: Response,
) -> tuple[int, Any]:
    """Run once per key: the same key and body return the first answer (marked with the
    ``Idempotent-Replayed: true`` header) and create nothing; the same key with another body
    is 409."""
    if key is None:
        return run()
    stored = service.replay_of(session, scope, key, service.body_hash(body))
    if stored is not None:
        response.headers[REPLAYED] = "true"
        return stored.status_code, stored.response
    status, answer = run()
    service.remember(session, scope, key, status, answer)
    return status, answer


def _capture(session: Session, data: CaptureIn, viewer: Principal, clock: Clock) -> CaptureResult:
    return service.capture(
        session,
        data,
        source=service.Source(via=viewer.source),
        actor=viewer.actor,
        now=clock.now(),
        viewer=viewer,
    )


def _capture_one(
    session: Session, body: CaptureIn, viewer: Principal, clock: Clock
) -> tuple[int, Any]:
    result = _capture(session, body, viewer, clock)
    status = 201 if result.outcome == "created" else 200
    if not viewer.can(P.lead_read):  # a capture-only token learns nothing about stored leads
        return status, result.model_dump(mode="json")
    lead = lead_service.get_lead(session, result.lead_id, viewer=viewer)
    answer = CaptureAnswer(
        **LeadRead.model_validate(lead).model_dump(),
        outcome=result.outcome,
        flagged=result.problems,
    )
    return (201 if result.outcome == "created" else 200), answer.model_dump(mode="json")


def _failed(request: Request, session: Session, clock: Clock, exc: LeadLedgerError, body) -> None:
    session.rollback()  # the request's transaction holds SQLite's write lock; end it first
    service.log_failure(
        channel="api",
        via=request.url.path,
        client=request.client.host if request.client else None,
        error=exc,
        payload=body,
        now=clock.now(),
    )


@router.post("/leads", status_code=201, response_model=CaptureAnswer | CaptureResult)
def capture_lead(
    body: CaptureIn,
    request: Request,
    response: Response,
    session: SessionDep,
    viewer: Capturer,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Capture one lead: 201 with the new lead, or 200 with the lead already known by this
    e-mail (the capture is recorded on it as a touch). Values that cannot be cleaned are kept
    raw and listed in ``flagged``. A token that may not read leads (scope ``capture``) gets
    only the outcome, the lead's id and the flagged values."""
    payload = body.model_dump(mode="json", exclude_unset=True)
    try:
        status, answer = idempotent(
            session,
            f"user:{viewer.user_id}",
            idempotency_key,
            payload,
            lambda: _capture_one(session, body, viewer, clock),
            response,
        )
    except LeadLedgerError as exc:
        _failed(request, session, clock, exc, payload)
        raise
    response.status_code = status
    return answer


@router.post("/leads:batch", response_model=BatchResult)
def capture_batch(
    body: BatchIn,
    request: Request,
    response: Response,
    session: SessionDep,
    viewer: Capturer,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Capture up to 1,000 leads; each item is created, merged as a touch, or rejected with its
    error (and kept in the intake log), independently of the others."""

    def run() -> tuple[int, Any]:
        items = []
        for index, raw in enumerate(body.leads):
            try:
                with session.begin_nested():
                    data = parse_input(CaptureIn, raw, prefix="body")
                    result = _capture(session, data, viewer, clock)
                items.append(BatchItem(index=index, **result.model_dump()))
            except LeadLedgerError as exc:
                loc = ["leads", index, *exc.loc[1:]] if exc.loc[:1] == ["body"] else exc.loc
                error = {"error": exc.code, "detail": exc.message, "loc": loc}
                items.append(BatchItem(index=index, outcome="rejected", error=error))
                service.add_failure(
                    session,
                    channel="batch",
                    via=viewer.source,
                    client=request.client.host if request.client else None,
                    error=exc,
                    payload=raw,
                    now=clock.now(),
                )
        counts = {o: sum(i.outcome == o for i in items) for o in ("created", "merged", "rejected")}
        return 200, BatchResult(**counts, items=items).model_dump(mode="json")

    payload = body.model_dump(mode="json")
    return idempotent(session, f"user:{viewer.user_id}", idempotency_key, payload, run, response)[1]


class ReplayIn(BaseModel):
    changes: dict[str, Any] = {}


@router.get("/intake/errors", response_model=IntakeErrorPage)
def list_intake_errors(
    session: SessionDep,
    viewer: Annotated[Principal, require(P.intake_manage)],
    channel: str | None = None,
    include_replayed: bool = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> IntakeErrorPage:
    """Failed captures (bad payloads, rate-limited posts, rejected rows, spam), newest first."""
    rows, next_cursor = service.list_failures(
        session, channel=channel, include_replayed=include_replayed, cursor=cursor, limit=limit
    )
    return IntakeErrorPage(
        items=[IntakeErrorRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.post("/intake/errors/{error_id}/replay", response_model=CaptureResult)
def replay_intake_error(
    error_id: PathId,
    body: ReplayIn,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.intake_manage)],
    clock: ClockDep,
) -> Any:
    """Capture a failed payload again, with ``changes`` (the fix) applied to its fields."""
    return service.replay(
        session, error_id, actor=viewer.actor, now=clock.now(), changes=body.changes, viewer=viewer
    )

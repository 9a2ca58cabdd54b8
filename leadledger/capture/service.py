"""Capture: one door for every lead that arrives (intake API, batch, web forms, imports).
Values are cleaned by the pure rules in ``capture.normalize`` and kept raw beside the clean
ones; a person already known by the same e-mail gets a touch instead of a second lead (the
matching issue widens this); failures are kept in the intake log for replay."""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, select, update
from sqlalchemy.orm import Session

from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.capture.models import IdempotencyKey, IntakeError, RateCounter
from leadledger.capture.normalize import normalize_lead_fields
from leadledger.capture.schemas import UTM_FIELDS, CaptureIn, CaptureResult
from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Contract
from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.config import get_settings
from leadledger.core.db import insert_unique, serialize, session_scope
from leadledger.core.errors import Conflict, InvalidInput, LeadLedgerError, NotFound
from leadledger.core.pagination import clamp_limit, page_of, paginate, parse_sort
from leadledger.core.schemas import parse_input
from leadledger.leads import service as lead_service
from leadledger.leads.models import Lead
from leadledger.leads.schemas import Channel, LeadCreate
from leadledger.scoring import service as scoring_service
from leadledger.users.rules import Principal

log = logging.getLogger("leadledger")
TOUCH = "capture"  # the activity type of a capture that matched a known person
# the capture field a normalisation problem is about, as the API names it
FIELD_OF = {"company": "company_name"}


@dataclass(frozen=True)
class Source:
    """Where a capture came from, decided by the server (never by the browser)."""

    via: str  # form:<name>, api:<token name>, import:<id>, cli
    channel: Channel | None = None  # overrides the payload's (forms, imports)
    program: str | None = None  # overrides the payload's (forms, imports)
    team_id: int | None = None  # the creating team (forms, imports)
    utm: dict[str, str] = field(default_factory=dict)


def _person(data: CaptureIn) -> dict[str, str | None]:
    return {
        "first_name": data.first_name,
        "last_name": data.last_name,
        "email": data.email,
        "phone": data.phone,
        "company": data.company_name,
        "website": data.website,
        "country": data.country,
        "title": data.title,
    }


def _require(contract: Contract, clean: dict[str, str], problems: dict[str, str]) -> None:
    """Refuse a capture with no valid way to reach the person (the contract decides which)."""
    if clean.get("email"):
        return
    if contract.capture.require == "email":
        raise InvalidInput(
            f"email: {problems.get('email', 'required field is missing')}",
            loc=["body", "email"],
        )
    if clean.get("phone"):
        return
    reasons = [f"{f}: {problems[f]}" for f in ("email", "phone") if f in problems]
    raise InvalidInput(
        "; ".join(reasons) or "a lead needs an email or a phone number",
        loc=["body", "email" if "email" in problems or "phone" not in problems else "phone"],
    )


def clean(data: CaptureIn, contract: Contract) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned person fields and the problems of the others (pure: no database)."""
    values, problems = normalize_lead_fields(
        _person(data), default_region=contract.capture.default_region
    )
    problems = {FIELD_OF.get(k, k): v for k, v in problems.items()}
    _require(contract, values, problems)
    return values, problems


def capture(
    session: Session,
    data: CaptureIn,
    *,
    source: Source,
    actor: Actor,
    now: datetime,
    viewer: Principal | None = None,
) -> CaptureResult:
    """Create the lead, or record a touch on the lead already known by this e-mail."""
    contract = contract_service.active(session).contract
    values, problems = clean(data, contract)
    utm = {k.removeprefix("utm_"): getattr(data, k) for k in UTM_FIELDS if getattr(data, k)}
    utm |= source.utm
    channel = source.channel or data.source
    program = source.program or data.program
    raw = data.model_dump(mode="json", exclude_defaults=True)
    if "email" in values:  # two captures of one new person at once must make one lead
        serialize(session, f"capture:{values['email']}")
    existing = lead_service.find_by_email(session, values["email"]) if "email" in values else None
    if existing is not None and not lead_service.is_visible(session, existing.id, viewer):
        raise Conflict(
            "this person is already a lead of another team; ask its owner or an admin",
            loc=["body", "email"],
            code="duplicate",
        )
    if existing is not None:
        touch = {"channel": channel, "via": source.via, "program": program, "utm": utm, "raw": raw}
        activity_service.add_activity(
            session,
            existing.id,
            ActivityCreate(type=TOUCH, payload={k: v for k, v in touch.items() if v}),
            actor=actor,
            now=now,
        )
        lead_service.fill_blanks(session, existing, values, now=now)
        result = CaptureResult(outcome="merged", lead_id=existing.id, problems=problems)
        return scoring_service.after_capture(
            session, result, activity=data.activity, actor=actor, now=now
        )
    lead = lead_service.create_lead(
        session,
        LeadCreate(
            first_name=values.get("first_name"),
            last_name=values.get("last_name"),
            email=values.get("email"),
            phone=values.get("phone"),
            title=values.get("title"),
            company_name=values.get("company_name"),
            country=values.get("country"),
            source=channel,
            program=program,
            custom=data.custom,
            consent_source=data.consent_source,
            consent_at=data.consent_at,
            do_not_call=data.do_not_call if data.do_not_call is not None else False,
            stage=data.stage,
            account_id=data.account_id,
            owner_id=data.owner_id,
            creating_team_id=source.team_id or data.creating_team_id,
        ),
        actor=actor,
        now=now,
        viewer=viewer,
        derived={
            "domain": values.get("domain"),  # none for free mail: no company to name
            "company_key": values.get("company_key"),
            "seniority": values.get("seniority"),
            "department": values.get("department"),
            "utm": utm,
            "via": source.via,
            "raw": raw,
            "problems": problems,
        },
    )
    result = CaptureResult(outcome="created", lead_id=lead.id, problems=problems)
    return scoring_service.after_capture(
        session, result, activity=data.activity, actor=actor, now=now
    )


# --- the intake log ------------------------------------------------------------------------


def log_failure(
    *,
    channel: str,
    via: str | None,
    client: str | None,
    error: LeadLedgerError | str,
    payload: Any,
    now: datetime,
) -> None:
    """Keep a failed capture with its raw payload, in its own transaction (the request's own
    is rolled back). Never raises: the caller is already answering with an error."""
    try:
        with session_scope() as session:
            add_failure(
                session,
                channel=channel,
                via=via,
                client=client,
                error=error,
                payload=payload,
                now=now,
            )
    except Exception:  # the log must not turn a 4xx into a 500
        log.exception("could not write the intake log")


def add_failure(
    session: Session,
    *,
    channel: str,
    via: str | None,
    client: str | None,
    error: LeadLedgerError | str,
    payload: Any,
    now: datetime,
) -> None:
    """``log_failure`` inside a transaction that commits anyway (a batch, an import)."""
    reason = error if isinstance(error, str) else error.message
    session.add(
        IntakeError(
            at=now,
            channel=channel,
            via=via,
            client=client,
            reason=reason[:2000],
            loc=[] if isinstance(error, str) else error.loc,
            payload=_storable(payload),
        )
    )


def _storable(payload: Any) -> Any:
    """A JSON value of bounded size, whatever arrived."""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    try:
        text = json.dumps(payload)
    except (TypeError, ValueError):
        text = json.dumps(repr(payload))
        payload = repr(payload)
    if len(text) > 65_536:
        return {"truncated": text[:65_536]}
    return payload


SORTS = {"id": IntakeError.id}


def list_failures(
    session: Session,
    *,
    channel: str | None = None,
    include_replayed: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[IntakeError], str | None]:
    order = parse_sort("-id", SORTS)
    stmt = select(IntakeError)
    if channel:
        stmt = stmt.where(IntakeError.channel == channel)
    if not include_replayed:
        stmt = stmt.where(IntakeError.replayed_at.is_(None))
    limit = clamp_limit(limit)
    rows = list(session.scalars(paginate(stmt, order, IntakeError.id, cursor, limit)))
    return page_of(rows, order, limit)


def get_failure(session: Session, error_id: int) -> IntakeError:
    row = session.get(IntakeError, error_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no intake error {error_id}", loc=["path", "error_id"])
    return row


def replay(
    session: Session,
    error_id: int,
    *,
    actor: Actor,
    now: datetime,
    changes: dict[str, Any] | None = None,
    viewer: Principal | None = None,
) -> CaptureResult:
    """Capture a logged payload again, with ``changes`` applied (the operator's fix), under
    ``viewer``'s record rules."""
    row = get_failure(session, error_id)
    if row.replayed_at is not None:
        raise Conflict(f"intake error {error_id} was already replayed as lead {row.lead_id}")
    if not isinstance(row.payload, dict):
        raise InvalidInput(
            f"intake error {error_id} has no field payload to replay ({type(row.payload).__name__})"
        )
    payload = {**row.payload, **(changes or {})}
    data = parse_input(CaptureIn, payload, prefix="body")
    result = capture(
        session, data, source=Source(via=row.via or "replay"), actor=actor, now=now, viewer=viewer
    )
    row.replayed_at, row.lead_id = now, result.lead_id
    return result


def purge(session: Session, *, now: datetime) -> dict[str, int]:
    """Remove failed captures and raw payloads older than the retention setting, and
    idempotency keys older than a day."""
    cutoff = now - timedelta(days=get_settings().intake_retention_days)
    errors = session.execute(delete(IntakeError).where(IntakeError.at < cutoff)).rowcount
    raws = session.execute(
        update(Lead).where(Lead.created_at < cutoff, cast(Lead.raw, String) != "{}").values(raw={})
    ).rowcount
    keys = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - timedelta(days=1))
    ).rowcount
    session.execute(delete(RateCounter).where(RateCounter.window_start < now - timedelta(hours=1)))
    return {"intake_errors": errors, "raw_payloads": raws, "idempotency_keys": keys}


# --- idempotency ---------------------------------------------------------------------------


def body_hash(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def replay_of(session: Session, scope: str, key: str, digest: str) -> IdempotencyKey | None:
    """The stored answer for this key, if it was used; 409 when it was used with another body.
    Claims the key for this transaction otherwise (a concurrent twin waits, then reads it)."""
    if not 1 <= len(key) <= 200:
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 characters", loc=["header", "idempotency-key"]
        )
    claim = IdempotencyKey(
        scope=scope,
        key=key,
        request_hash=digest,
        status_code=0,
        response={},
        created_at=get_clock().now(),
    )
    try:
        insert_unique(session, claim, Conflict("taken"))
        return None
    except Conflict:
        stored = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        )
    if stored.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key was already used with a different body",
            loc=["header", "idempotency-key"],
            code="idempotency_mismatch",
        )
    return stored


def remember(session: Session, scope: str, key: str, status_code: int, response: Any) -> None:
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .values(status_code=status_code, response=response)
    )

"""Requests from the people leads are about: what is stored about me, forget me. Erasure
works across every table that can hold a person's data, so it writes them directly; it keeps
every row (stage, timestamps, counts) so funnel reports do not change, and blanks what names
the person. A tombstone (a keyed hash of the e-mail) refuses capturing them again until they
opt in anew."""

import csv
import hashlib
import hmac
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from leadledger.activities.models import Activity
from leadledger.activities.schemas import ActivityRead
from leadledger.capture.models import IdempotencyKey, IntakeError
from leadledger.core import audit
from leadledger.core.audit import ERASED, AuditEvent
from leadledger.core.config import get_settings
from leadledger.core.errors import Conflict, NotFound
from leadledger.imports.models import ImportJob
from leadledger.leads.models import Lead
from leadledger.leads.schemas import LeadRead
from leadledger.lifecycle.models import LeadTransition
from leadledger.lifecycle.schemas import TransitionRead
from leadledger.privacy.models import Tombstone
from leadledger.privacy.schemas import ErasureRead, PrivacyExport

# the lead columns that name or reach a person (and custom, raw and problems, which may quote
# them); company, stage and dates stay for reports
PERSONAL = ("first_name", "last_name", "email", "phone", "title", "consent_source")
# keys inside audit changes that held personal values (lead columns, activity payloads, notes)
PERSONAL_KEYS = frozenset(PERSONAL) | {"custom", "raw", "problems", "payload", "note"}


def email_hash(email: str) -> str:
    """Keyed, so the tombstone list cannot be checked against a list of known addresses."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def is_forgotten(session: Session, email: str) -> bool:
    return (
        session.scalar(select(Tombstone.id).where(Tombstone.email_hash == email_hash(email)))
        is not None
    )


def forgotten_among(session: Session, emails: list[str]) -> set[str]:
    """Which of ``emails`` belong to people erased on request."""
    by_hash = {email_hash(e): e for e in emails}
    found: set[str] = set()
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        rows = session.scalars(
            select(Tombstone.email_hash).where(
                Tombstone.email_hash.in_(hashes[start : start + 500])
            )
        )
        found.update(by_hash[h] for h in rows)
    return found


def refuse_or_lift(session: Session, email: str | None, *, consent: bool) -> None:
    """Before capturing ``email``: refuse a forgotten person, unless they have opted in again
    (then the tombstone goes)."""
    if not email or not is_forgotten(session, email):
        return
    if not consent:
        raise Conflict(
            "this person asked to be forgotten; capture them again only with their new consent "
            "(consent_source)",
            loc=["body", "email"],
            code="forgotten",
        )
    session.execute(delete(Tombstone).where(Tombstone.email_hash == email_hash(email)))
    audit.record(session, "privacy.opt_in_again", changes={"email_hash": email_hash(email)})


def _leads(session: Session, email: str) -> list[Lead]:
    rows = session.scalars(select(Lead).where(Lead.email == email).order_by(Lead.id))
    return list(rows)


def _nothing(session: Session, email: str) -> NotFound:
    if is_forgotten(session, email):
        return NotFound(f"{email} was erased on request; nothing about them is stored")
    return NotFound(f"nothing is stored about {email}", loc=["email"])


def _mentions(value: object, email: str) -> bool:
    """Does a stored JSON value hold ``email``? Read as text, whatever escapes it was kept in."""
    return email in json.dumps(value, ensure_ascii=False).lower()


def _intake_errors(session: Session, email: str) -> list[IntakeError]:
    """Failed captures whose raw payload holds the e-mail (the person may have no lead). The
    log keeps LEADLEDGER_INTAKE_RETENTION_DAYS of failures, so reading it through is bounded."""
    rows = session.scalars(select(IntakeError).order_by(IntakeError.id))
    return [row for row in rows if _mentions(row.payload, email.lower())]


def export(session: Session, email: str, *, now: datetime) -> PrivacyExport:
    leads = _leads(session, email)
    intake = _intake_errors(session, email)
    if not leads and not intake:
        raise _nothing(session, email)
    ids = [lead.id for lead in leads]
    activities = session.scalars(
        select(Activity).where(Activity.lead_id.in_(ids)).order_by(Activity.id)
    )
    transitions = session.scalars(
        select(LeadTransition).where(LeadTransition.lead_id.in_(ids)).order_by(LeadTransition.id)
    )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.lead_id.in_(ids)).order_by(AuditEvent.id)
    )
    result = PrivacyExport(
        email=email,
        exported_at=now,
        leads=[LeadRead.model_validate(r).model_dump(mode="json") for r in leads],
        activities=[ActivityRead.model_validate(r).model_dump(mode="json") for r in activities],
        transitions=[TransitionRead.model_validate(r).model_dump(mode="json") for r in transitions],
        audit=[_event(e) for e in events],
        intake_log=[
            {
                "at": e.at.isoformat(),
                "channel": e.channel,
                "via": e.via,
                "reason": e.reason,
                "payload": e.payload,
            }
            for e in intake
        ],
    )
    audit.record(session, "privacy.export", changes={"email_hash": email_hash(email)})
    return result


def _event(e: AuditEvent) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "action": e.action,
        "actor": e.actor,
        "source": e.source,
        "changes": e.changes,
    }


def _scrub(value: Any, needles: list[str]) -> Any:
    """``value`` with every string that contains one of ``needles`` replaced."""
    if isinstance(value, str):
        lowered = value.lower()
        return ERASED if any(n in lowered for n in needles) else value
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    return value


def _blank(changes: dict[str, Any], needles: list[str]) -> dict[str, Any]:
    out = {}
    for key, value in changes.items():
        if key in PERSONAL_KEYS:
            value = (
                [None if v is None else ERASED for v in value]
                if isinstance(value, list)
                else ERASED
            )
        out[key] = _scrub(value, needles)
    return out


def _scrub_error_files(session: Session, reach: list[str]) -> int:
    """Blank the rows of the imports' error files that hold the person's e-mail or phone;
    returns how many files changed."""
    changed = 0
    paths = session.scalars(select(ImportJob.error_file).where(ImportJob.rejected > 0))
    for path in filter(None, list(paths)):
        file = Path(path)
        if not file.is_file():
            continue
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [
            _blank_row(line) if any(n in line.lower() for n in reach) else line for line in lines
        ]
        if kept != lines:
            file.write_text("".join(kept), encoding="utf-8")
            changed += 1
            # an unfinished import resumes from the file's committed size: keep it true
            session.execute(
                update(ImportJob)
                .where(ImportJob.error_file == path)
                .values(error_file_size=file.stat().st_size)
            )
    return changed


def _blank_row(line: str) -> str:
    """An error-file row with every cell but the row number blanked; the row stays counted."""
    row = next(csv.reader([line]))
    out = io.StringIO()
    csv.writer(out).writerow([row[0], *([ERASED] * (len(row) - 1))])
    return out.getvalue().rstrip("\r\n") + ("\n" if line.endswith("\n") else "")


def erase(session: Session, email: str, *, now: datetime) -> ErasureRead:
    """Blank the person's data in every table; refuse (404) when nothing is stored."""
    leads = _leads(session, email)
    intake = _intake_errors(session, email)
    if not leads and not intake:
        raise _nothing(session, email)
    needles = sorted(
        {
            v.strip().lower()
            for lead in leads
            for v in (lead.email, lead.phone, lead.first_name, lead.last_name)
            if v and len(v.strip()) >= 3
        }
        | {email.lower()}
    )
    ids = [lead.id for lead in leads]
    counts = {"activities": 0, "transitions": 0, "audit_events": 0, "intake_errors": len(intake)}
    with audit.suppressed(session):
        for lead in leads:
            for name in PERSONAL:
                setattr(lead, name, None)
            lead.custom, lead.raw, lead.problems = {}, {}, {}
            lead.erased_at = now
            lead.updated_at = now
        for activity in session.scalars(select(Activity).where(Activity.lead_id.in_(ids))):
            activity.payload = {}
            counts["activities"] += 1
        for move in session.scalars(select(LeadTransition).where(LeadTransition.lead_id.in_(ids))):
            move.note = None
            counts["transitions"] += 1
        for event in session.scalars(select(AuditEvent).where(AuditEvent.lead_id.in_(ids))):
            event.changes = _blank(event.changes, needles)
            counts["audit_events"] += 1
        for error in intake:  # raw payloads may write them in any form: blank them whole
            error.payload, error.reason = {"erased": True}, ERASED
        # a remembered answer to an idempotent capture holds the lead as it was (a day's worth)
        for remembered in session.scalars(select(IdempotencyKey)).all():
            answer = remembered.response if isinstance(remembered.response, dict) else {}
            if answer.get("id") in ids or _mentions(remembered.response, email.lower()):
                session.delete(remembered)
        reach = [email.lower(), *(lead.phone for lead in leads if lead.phone)]
        counts["import_error_files"] = _scrub_error_files(session, reach)
        digest = email_hash(email)
        tombstone = session.scalar(select(Tombstone).where(Tombstone.email_hash == digest))
        if tombstone is None:
            session.add(Tombstone(email_hash=digest, erased_at=now, leads=len(leads)))
        else:
            tombstone.erased_at, tombstone.leads = now, tombstone.leads + len(leads)
        session.flush()
    result = ErasureRead(email_hash=digest, erased_at=now, leads=len(leads), **counts)
    audit.record(session, "privacy.erase", changes=result.model_dump(mode="json"))
    return result

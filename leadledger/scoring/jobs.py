"""Scoring's jobs, as plain functions the worker schedules (and ``leadledger score rescore |
retrain`` runs once). Each call does one batch in its own transaction, is safe to run twice,
and a lead that fails is logged and tried again later without stopping the others."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from leadledger.core.db import session_scope
from leadledger.scoring import service
from leadledger.scoring.schemas import Target

log = logging.getLogger("leadledger")
RETRY_AFTER = timedelta(hours=1)


@dataclass
class RescoreResult:
    scored: int = 0
    moved: int = 0  # became MQLs (or came back from nurture)
    failed: list[int] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not (self.scored or self.failed)


def rescore_due(
    *, now: datetime, batch: int = 200, session: Session | None = None
) -> RescoreResult:
    """Re-evaluate one batch of due leads: never scored (imports), an activity newer than
    their score, a decayed score crossing one of the contract's thresholds, a nurture
    cooldown ended, or a contract or model change. A lead whose evaluation fails is put off
    for an hour; the batch goes on."""
    if session is None:
        with session_scope() as own:
            return rescore_due(now=now, batch=batch, session=own)
    result = RescoreResult()
    for lead_id in service.due_lead_ids(session, now=now, limit=batch):
        try:
            with session.begin_nested():
                s = service.evaluate(session, lead_id, now=now, trigger="due")
        except Exception:  # one lead's failure must not stop the batch
            log.exception("rescoring lead %s failed; trying again later", lead_id)
            service.postpone(session, lead_id, until=now + RETRY_AFTER)
            result.failed.append(lead_id)
            continue
        result.scored += 1
        result.moved += bool(s.decision.move_to)
    return result


@dataclass
class RetrainResult:
    trained: int | None  # the new model version
    skipped: str | None  # why nothing was trained


def retrain(
    *, now: datetime, target: Target | None = None, max_age_days: float = 7, seed: int = 0
) -> RetrainResult:
    """Train a new model when the active one is older than ``max_age_days`` (or there is
    none), for the active model's target (default ``customer``). A refusal (too little data)
    is reported, not raised: the active model stays."""
    from leadledger.scoring.model import TrainingRefused

    with session_scope() as session:
        models = service.models(session)
        active = next((m for m in models if m.active), None)
        if active is not None and now - active.trained_at < timedelta(days=max_age_days):
            return RetrainResult(
                None, f"model {active.version} is younger than {max_age_days:g} days"
            )
        goal = target or (Target(active.target) if active else Target.customer)
        try:
            with session.begin_nested():
                row = service.train(session, goal, actor=service.SCORING, now=now, seed=seed)
        except TrainingRefused as exc:
            log.info("retrain refused: %s", exc.message)
            return RetrainResult(None, exc.message)
        return RetrainResult(row.version, None)

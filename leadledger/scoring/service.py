"""Scoring: gather a lead's facts and activities, call the pure rules, store the latest scores
on the lead and every change in ``score_history``, and move the lead to MQL through the
lifecycle when the contract's MQL rule (or recycle rule) says so. Also the SDR's qualification
answers, the predictive models and their training data."""

import json
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from leadledger.accounts import service as account_service
from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.capture.schemas import CaptureResult
from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Contract, StageCategory
from leadledger.core import audit
from leadledger.core.actor import Actor
from leadledger.core.db import serialize
from leadledger.core.errors import InvalidInput, NotFound
from leadledger.leads import service as lead_service
from leadledger.leads.models import Lead
from leadledger.lifecycle import service as lifecycle
from leadledger.scoring import rules
from leadledger.scoring.features import features, lead_events, lead_facts
from leadledger.scoring.models import QualificationAnswer, ScoreHistory, ScoreModel
from leadledger.scoring.predict import Scorer
from leadledger.scoring.schemas import (
    ContributionRead,
    CriterionRead,
    EngagementLineRead,
    EngagementRead,
    FitRead,
    FitRuleRead,
    MqlRead,
    PredictiveRead,
    QualificationIn,
    QualificationRead,
    RuleCheckRead,
    ScoreRead,
    Target,
)
from leadledger.users.rules import Principal

log = logging.getLogger("leadledger")
SCORING = Actor.system("scoring")
TOUCH = "capture"  # capture.service.TOUCH: a returning person's capture
TARGET_FIELD = {
    Target.customer: "converted_at",
    Target.opportunity: "opportunity_at",
    Target.sql: "sql_at",
}


# --- the active model ----------------------------------------------------------------------

_scorers: dict[int, Scorer] = {}


def pack(spec: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(spec, separators=(",", ":")).encode("utf-8"), 6)


def unpack(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def scorer_of(row: ScoreModel) -> Scorer:
    """A model version's scorer, built once per process (versions never change)."""
    scorer = _scorers.get(row.version)
    if scorer is None:
        scorer = Scorer(unpack(row.model))
        if len(_scorers) >= 4:
            _scorers.pop(next(iter(_scorers)))
        _scorers[row.version] = scorer
    return scorer


def active_model(session: Session) -> tuple[ScoreModel, Scorer] | None:
    """The active model and its scorer, read once per transaction."""
    cached = session.info.get("active_model")
    if cached is None or cached[0] is not session.get_transaction():
        version = session.scalar(select(ScoreModel.version).where(ScoreModel.active.is_(True)))
        found = None
        if version is not None:
            row = session.get(ScoreModel, version)
            found = (row, scorer_of(row))
        cached = (session.get_transaction(), found)
        session.info["active_model"] = cached
    return cached[1]


# --- scoring one lead ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """Everything one evaluation of a lead found, for storing and for explaining."""

    as_of: datetime
    contract_version: int
    fit: rules.FitResult
    engagement: rules.EngagementResult
    predictive: float | None
    model_version: int | None
    decision: rules.MqlDecision
    feats: dict[str, Any]


def _events(session: Session, lead: Lead, contract: Contract) -> list[rules.Event]:
    acts = [(a.type, a.at, a.payload) for a in activity_service.activities_of(session, lead.id)]
    return lead_events(lead.source, lead.created_at, acts, contract.engagement.capture_as, TOUCH)


def score(session: Session, lead: Lead, *, now: datetime) -> Scores:
    """The lead's scores and MQL decision as of ``now`` (activities after it unseen): no
    writes, so a past date gives the same answer every time."""
    active = contract_service.active(session)
    contract = active.contract
    account = account_service.get_account(session, lead.account_id) if lead.account_id else None
    facts = lead_facts(lead, account)
    events = _events(session, lead, contract)
    fit = rules.fit_grade(contract.icp, facts)
    e = contract.engagement
    eng = rules.engagement(events, e.points, e.half_life_days, now, daily_caps=e.daily_caps)
    feats = features(
        facts,
        events,
        as_of=now,
        created_at=lead.created_at,
        fit_points=fit.points,
        engagement_score=eng.score,
    )
    model = active_model(session)
    predictive = model[1].probability(feats) if model else None
    decision = rules.mql_decision(
        contract,
        stage=lead.stage,
        stage_changed_at=lead.stage_changed_at,
        recycle_count=lead.recycle_count or 0,
        fit=fit,
        engagement_now=eng,
        events=events,
        now=now,
    )
    return Scores(
        now,
        active.version,
        fit,
        eng,
        predictive,
        model[0].version if model else None,
        decision,
        feats,
    )


def _thresholds(contract: Contract) -> list[float]:
    out = [contract.mql.min_engagement, contract.recycle.reactivation_min_engagement]
    out += [r.min_engagement for r in contract.mql.rules if r.min_engagement is not None]
    return out


def _rescore_at(session: Session, lead: Lead, s: Scores) -> datetime | None:
    """When this lead's decision may change with no new activity: its decayed engagement
    falls below a threshold, or its nurture cooldown ends."""
    contract = contract_service.active(session).contract
    times = []
    crossing = rules.crossing_at(
        s.engagement.score, s.as_of, _thresholds(contract), contract.engagement.half_life_days
    )
    if crossing:
        times.append(crossing)
    if lead.stage == contract.recycle.nurture_stage:
        ready = lead.stage_changed_at + timedelta(days=contract.recycle.cooldown_days)
        if ready > s.as_of:
            times.append(ready)
    return min(times) if times else None


def _store(session: Session, lead: Lead, s: Scores, trigger: str) -> None:
    engagement = round(s.engagement.score, 2)
    predictive = round(s.predictive, 6) if s.predictive is not None else None
    changed = (
        lead.scored_at is None
        or (lead.fit_grade, lead.fit_points, lead.predictive_score)
        != (s.fit.grade, s.fit.points, predictive)
        or abs((lead.engagement_score or 0.0) - engagement) >= 0.05
    )
    lead.fit_grade, lead.fit_points = s.fit.grade, s.fit.points
    lead.engagement_score, lead.predictive_score = engagement, predictive
    lead.scored_at = s.as_of
    lead.rescore_at = _rescore_at(session, lead, s)
    if not changed:
        return
    session.add(
        ScoreHistory(
            lead_id=lead.id,
            as_of=s.as_of,
            fit_grade=s.fit.grade,
            fit_points=s.fit.points,
            engagement_score=engagement,
            predictive_score=predictive,
            contract_version=s.contract_version,
            model_version=s.model_version,
            trigger=trigger,
            detail={
                "fit": [r.id for r in s.fit.fired],
                "excluded_by": s.fit.excluded_by,
                "mql": s.decision.summary,
            },
        )
    )


def evaluate(session: Session, lead_id: int, *, now: datetime, trigger: str) -> Scores:
    """Re-score a lead, store what changed, and move it to MQL (or back from nurture) when
    the contract's rule holds: the move is the lifecycle's, by ``system:scoring``, with the
    rule as its reason and the explanation as its note."""
    lead = lead_service.get_lead(session, lead_id, for_update=True)
    s = score(session, lead, now=now)
    _store(session, lead, s, trigger)
    session.flush()
    if s.decision.move_to:
        lifecycle.transition(
            session,
            lead.id,
            s.decision.move_to,
            actor=SCORING,
            reason=s.decision.reason,
            note=s.decision.summary,
            now=now,
        )
    return s


def after_capture(
    session: Session,
    result: CaptureResult,
    *,
    activity: str | None,
    actor: Actor,
    now: datetime,
) -> CaptureResult:
    """Score a captured lead. A capture that says what the person did (``activity``, e.g.
    ``demo_request``) records that activity first, which scores the lead."""
    if activity:
        activity_service.add_activity(
            session, result.lead_id, ActivityCreate(type=activity), actor=actor, now=now
        )
    else:
        evaluate(session, result.lead_id, now=now, trigger="capture")
    return result


def mark_all_due(session: Session, *, now: datetime, why: str) -> int:
    """Every lead not yet won or lost is re-evaluated by the rescore job (a contract or model
    change judges them all again); one audit event says so."""
    contract = contract_service.active(session).contract
    closed = [
        s.name for s in contract.stages if s.category in (StageCategory.won, StageCategory.lost)
    ]
    count = session.execute(
        update(Lead).where(Lead.stage.not_in(closed)).values(rescore_at=now)
    ).rowcount
    if count:
        audit.record(session, "scoring.rescore_all", changes={"leads": count, "why": why})
    return count


def due_lead_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Leads to re-evaluate now: never scored, their decay or cooldown time reached, or an
    activity newer than their score (bulk imports). Claimed with SKIP LOCKED on PostgreSQL,
    so several workers never take the same lead."""
    due = or_(
        Lead.rescore_at <= now,
        Lead.scored_at.is_(None) & Lead.rescore_at.is_(None),
        Lead.last_activity_at > Lead.scored_at,
    )
    stmt = select(Lead.id).where(due).order_by(Lead.id).limit(limit)
    return list(session.scalars(stmt.with_for_update(skip_locked=True)))


def postpone(session: Session, lead_id: int, *, until: datetime) -> None:
    """Try a lead that failed to score again later instead of on every run."""
    session.execute(update(Lead).where(Lead.id == lead_id).values(rescore_at=until))


# --- reading scores ------------------------------------------------------------------------


def contributions(session: Session, s: Scores) -> list[tuple[str, float, Any]]:
    model = active_model(session)
    if model is None or s.model_version is None:
        return []
    scorer = model[1]
    x = scorer.encoder.encode(s.feats)
    if scorer.kind == "logistic":
        values = scorer.linear_contributions(x)
    else:
        from leadledger.scoring.model import tree_contributions

        values = tree_contributions(scorer, x)
    by_feature: dict[str, float] = {}
    for column, value in zip(scorer.encoder.columns, values, strict=True):
        name = scorer.encoder.source_of(column)
        by_feature[name] = by_feature.get(name, 0.0) + value
    top = sorted(by_feature.items(), key=lambda kv: -abs(kv[1]))[:8]
    return [(name, value, s.feats.get(name)) for name, value in top if value]


def history(
    session: Session, lead_id: int, *, viewer: Principal | None = None, limit: int = 200
) -> list[ScoreHistory]:
    lead_service.get_lead(session, lead_id, viewer=viewer)
    return list(
        session.scalars(
            select(ScoreHistory)
            .where(ScoreHistory.lead_id == lead_id)
            .order_by(ScoreHistory.as_of.desc(), ScoreHistory.id.desc())
            .limit(limit)
        )
    )


def score_at(session: Session, lead_id: int, at: datetime) -> ScoreHistory | None:
    """The stored score a lead had at ``at`` (what routing saw then)."""
    return session.scalars(
        select(ScoreHistory)
        .where(ScoreHistory.lead_id == lead_id, ScoreHistory.as_of <= at)
        .order_by(ScoreHistory.as_of.desc(), ScoreHistory.id.desc())
        .limit(1)
    ).first()


# --- qualification (BANT) ------------------------------------------------------------------


def answers(session: Session, lead_id: int) -> dict[str, QualificationAnswer]:
    """The latest answer per criterion."""
    rows = session.scalars(
        select(QualificationAnswer)
        .where(QualificationAnswer.lead_id == lead_id)
        .order_by(QualificationAnswer.id)
    )
    return {row.criterion: row for row in rows}


def qualification_values(session: Session, lead_id: int) -> dict[str, str]:
    """Criterion -> met / not_met / unknown: what the lifecycle's SQL gate reads."""
    return {key: row.value for key, row in answers(session, lead_id).items()}


def qualify(
    session: Session,
    lead_id: int,
    data: QualificationIn,
    *,
    actor: Actor,
    now: datetime,
    viewer: Principal | None = None,
) -> dict[str, QualificationAnswer]:
    """Record the SDR's answers to the contract's criteria, each with a value and a note."""
    lead = lead_service.get_lead(session, lead_id, viewer=viewer, for_update=True)
    active = contract_service.active(session)
    known = [c.key for c in active.contract.sql.criteria]
    for key in data.criteria:
        if key not in known:
            raise InvalidInput(
                f"unknown criterion '{key}'; the contract's criteria are: {', '.join(known)}",
                loc=["body", "criteria", key],
            )
    for key, answer in data.criteria.items():
        session.add(
            QualificationAnswer(
                lead_id=lead.id,
                criterion=key,
                value=answer.value,
                note=answer.note,
                at=now,
                actor=actor.label,
                actor_id=actor.user_id,
                contract_version=active.version,
            )
        )
    session.flush()
    return answers(session, lead.id)


# --- models --------------------------------------------------------------------------------


def models(session: Session) -> list[ScoreModel]:
    return list(session.scalars(select(ScoreModel).order_by(ScoreModel.version.desc())))


def get_model(session: Session, version: int | None = None) -> ScoreModel:
    stmt = select(ScoreModel).where(
        ScoreModel.active.is_(True) if version is None else ScoreModel.version == version
    )
    row = session.scalar(stmt)
    if row is None:
        what = "no active predictive model" if version is None else f"no model version {version}"
        raise NotFound(f"{what}; train one with leadledger score train", loc=["version"])
    return row


def _activate(session: Session, row: ScoreModel) -> None:
    session.execute(update(ScoreModel).where(ScoreModel.active.is_(True)).values(active=False))
    session.flush()
    row.active = True
    session.info.pop("active_model", None)


def activate(session: Session, version: int, *, now: datetime) -> ScoreModel:
    """Make an earlier model the active one again (a rollback)."""
    serialize(session, "score_model")
    row = get_model(session, version)
    if not row.active:
        _activate(session, row)
        session.flush()
        mark_all_due(session, now=now, why=f"model {version} activated")
    return row


def training_set(
    session: Session, target: Target, *, now: datetime
) -> tuple[list[dict[str, Any]], list[int]]:
    """Features and outcomes of every lead whose outcome for ``target`` is known: reached it
    (1), or lost, disqualified or in nurture without reaching it (0). Features are taken as of
    the moment the lead left marketing's side (accepted by sales, reached the target, closed
    or parked), so nothing sales did afterwards teaches the model."""
    from leadledger.accounts.models import Account

    contract = contract_service.active(session).contract
    reached = getattr(Lead, TARGET_FIELD[target])
    ended = [
        s.name for s in contract.stages if s.category in (StageCategory.lost, StageCategory.parked)
    ]
    known = or_(reached.is_not(None), Lead.stage.in_(ended))
    stmt = (
        select(Lead, Account)
        .outerjoin(Account, Account.id == Lead.account_id)
        .where(known)
        .order_by(Lead.id)
    )
    leads = list(session.execute(stmt))
    ids = select(Lead.id).where(known)
    acts: dict[int, list] = {}
    for lead_id, type_, at, payload in activity_service.activity_rows(session, ids):
        acts.setdefault(lead_id, []).append((type_, at, payload))
    e = contract.engagement
    rows, labels = [], []
    for lead, account in leads:
        outcome_at = getattr(lead, TARGET_FIELD[target])
        stops = [t for t in (lead.sal_at, outcome_at, lead.closed_at, lead.stage_changed_at) if t]
        as_of = min(stops)
        facts = lead_facts(lead, account)
        events = lead_events(
            lead.source, lead.created_at, acts.get(lead.id, []), e.capture_as, TOUCH
        )
        fit = rules.fit_grade(contract.icp, facts)
        eng = rules.engagement(events, e.points, e.half_life_days, as_of, daily_caps=e.daily_caps)
        rows.append(
            features(
                facts,
                events,
                as_of=as_of,
                created_at=lead.created_at,
                fit_points=fit.points,
                engagement_score=eng.score,
            )
        )
        labels.append(1 if outcome_at is not None else 0)
    return rows, labels


def train(
    session: Session, target: Target, *, actor: Actor, now: datetime, seed: int = 0
) -> ScoreModel:
    """Train, store and activate a new model version, or raise ``TrainingRefused`` (nothing
    stored; the active model stays) naming what is missing."""
    from leadledger.scoring.model import TrainingRefused, refusal
    from leadledger.scoring.model import train as fit_model

    rows, labels = training_set(session, target, now=now)
    positives = sum(labels)
    why = refusal(len(labels), positives, target.value)
    if why:
        raise TrainingRefused(why + "; the active model stays", loc=["target"])
    trained = fit_model(rows, labels, seed=seed)
    serialize(session, "score_model")
    latest = session.scalar(select(func.max(ScoreModel.version))) or 0
    row = ScoreModel(
        version=latest + 1,
        target=target.value,
        algorithm=trained.algorithm,
        active=False,
        trained_at=now,
        trained_by=actor.label,
        rows=len(labels),
        positives=positives,
        metrics=trained.metrics,
        features=trained.features,
        contract_version=contract_service.active(session).version,
        model=pack(trained.spec),
    )
    session.add(row)
    session.flush()
    _activate(session, row)
    session.flush()
    mark_all_due(session, now=now, why=f"model {row.version} trained")
    return row


# --- read models ---------------------------------------------------------------------------


def score_read(
    session: Session,
    lead_id: int,
    *,
    now: datetime,
    at: datetime | None = None,
    viewer: Principal | None = None,
) -> ScoreRead:
    """The lead's scores as of ``at`` (default now) with why: the fit rules fired, engagement
    per activity type with decay, the MQL rules, and the features that moved the predictive
    score most. 404 for a lead never scored, or a time before it existed."""
    lead = lead_service.get_lead(session, lead_id, viewer=viewer)
    if lead.scored_at is None:
        raise NotFound(
            f"lead {lead_id} has no score yet: it has not been scored since it was created "
            "(imported leads are scored by the rescore job: leadledger score rescore)",
            loc=["path", "lead_id"],
            code="not_scored",
        )
    when = at or now
    if when < lead.created_at:
        raise NotFound(
            f"lead {lead_id} did not exist on {when:%Y-%m-%d %H:%M} (created "
            f"{lead.created_at:%Y-%m-%d %H:%M})",
            loc=["query", "at"],
            code="not_scored",
        )
    s = score(session, lead, now=when)
    contribs = contributions(session, s)
    model = active_model(session)
    predictive = None
    if model is not None and s.predictive is not None:
        row = model[0]
        predictive = PredictiveRead(
            score=s.predictive,
            model_version=row.version,
            target=row.target,
            algorithm=row.algorithm,
            top_features=[
                ContributionRead(feature=name, value=value, contribution=round(c, 4))
                for name, c, value in contribs
            ],
        )
    return ScoreRead(
        lead_id=lead.id,
        stage=lead.stage,
        as_of=s.as_of,
        contract_version=s.contract_version,
        fit=FitRead(
            grade=s.fit.grade,
            points=s.fit.points,
            excluded_by=s.fit.excluded_by,
            rules=[
                FitRuleRead(
                    id=r.id, field=r.field, points=r.points, exclude=r.exclude, value=r.value
                )
                for r in s.fit.fired
            ],
        ),
        engagement=EngagementRead(
            score=round(s.engagement.score, 2),
            half_life_days=s.engagement.half_life_days,
            activities=[
                EngagementLineRead(
                    type=ln.type,
                    count=ln.count,
                    points=ln.points,
                    value=round(ln.value, 2),
                    last_at=ln.last_at,
                    capped=ln.capped,
                )
                for ln in s.engagement.lines
            ],
        ),
        predictive=predictive,
        mql=MqlRead(
            decision=s.decision.summary,
            rules=[RuleCheckRead(rule=c.rule, met=c.met, why=c.why) for c in s.decision.checks],
        ),
        scored_at=lead.scored_at,
    )


def qualification_read(
    session: Session, lead_id: int, *, viewer: Principal | None = None
) -> QualificationRead:
    lead = lead_service.get_lead(session, lead_id, viewer=viewer)
    sql = contract_service.active(session).contract.sql
    current = answers(session, lead.id)
    check = rules.sql_check(sql, {k: a.value for k, a in current.items()})
    criteria = []
    for c in sql.criteria:
        a = current.get(c.key)
        criteria.append(
            CriterionRead(
                key=c.key,
                label=c.label,
                question=c.question,
                value=a.value if a else None,
                note=a.note if a else None,
                at=a.at if a else None,
                actor=a.actor if a else None,
            )
        )
    return QualificationRead(
        lead_id=lead.id,
        criteria=criteria,
        min_met=sql.min_met,
        required=list(sql.required),
        met=list(check.met),
        missing=list(check.missing),
        sql_ready=check.ok,
        message=check.message,
    )

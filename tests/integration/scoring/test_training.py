"""The predictive model trained on a history made through the services: stored versioned
with its metrics, used at intake, explained; refused with the numbers when data is short."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.capture import service as capture_service
from leadledger.capture.schemas import CaptureIn
from leadledger.cli import app
from leadledger.contract import service as contract_service
from leadledger.demo.service import seed
from leadledger.leads import service as lead_service
from leadledger.leads.models import Lead
from leadledger.leads.schemas import LeadCreate
from leadledger.lifecycle import service as lifecycle
from leadledger.scoring import service as scoring
from leadledger.scoring.model import TrainingRefused
from leadledger.scoring.models import ScoreModel
from leadledger.scoring.schemas import QualificationIn, Target
from tests.factories import TEST_ACTOR, path

runner = CliRunner()
BANT = QualificationIn(criteria={k: {"value": "met"} for k in ("budget", "authority", "need")})


def history(session, now, *, n: int, won_share: float, seed_: int = 5) -> None:
    """``n`` leads that ended won or lost, their titles and webinars telling which (with
    noise), made by the same service calls as real use."""
    rng = random.Random(seed_)
    contract = contract_service.active(session).contract
    for i in range(n):
        won = rng.random() < won_share
        signal = won if rng.random() < 0.8 else not won
        start = now - timedelta(days=rng.uniform(30, 200))
        lead = lead_service.create_lead(
            session,
            LeadCreate(
                email=f"p{i}@example{i}.com",
                title="VP Marketing" if signal else "Analyst",
                source=rng.choice(["web_form", "event", "webinar"]),
            ),
            actor=TEST_ACTOR,
            now=start,
        )
        for k in range(rng.randint(2, 4) if signal else rng.randint(0, 2)):
            activity_service.add_activity(
                session,
                lead.id,
                ActivityCreate(type="webinar_attended", at=start + timedelta(hours=k + 1)),
                actor=TEST_ACTOR,
                now=start + timedelta(hours=k + 1),
            )
        at = start + timedelta(days=2)
        for step in path(contract, lead.stage, "customer" if won else "closed_lost"):
            if contract.qualification_gate(step):
                scoring.qualify(session, lead.id, BANT, actor=TEST_ACTOR, now=at)
            reason = "price" if step == "closed_lost" else None
            lifecycle.transition(session, lead.id, step, reason=reason, actor=TEST_ACTOR, now=at)
            at += timedelta(days=1)
    session.flush()


def test_training_on_the_demo_is_refused_with_the_numbers_needed(session, clock):
    seed(session, now=clock.now(), rng=random.Random(7), leads=100)
    session.commit()
    result = runner.invoke(app, ["score", "train"])
    assert result.exit_code == 1
    message = result.stderr
    assert "error: not enough data to train: needs at least 200 leads with a known outcome" in (
        message
    )
    assert "and at least 20 that reached customer (have " in message
    assert "Salesforce's Einstein asks for 1,000 leads and 120 conversions" in message
    assert "the active model stays" in message
    assert session.scalar(select(func.count()).select_from(ScoreModel)) == 0


def test_a_model_is_stored_versioned_with_its_metrics_used_at_intake_and_explained(session, clock):
    now = clock.now()
    history(session, now, n=240, won_share=0.25)
    row = scoring.train(session, Target.customer, actor=TEST_ACTOR, now=now)
    assert (row.version, row.active, row.target) == (1, True, "customer")
    assert row.rows == 240 and 40 <= row.positives <= 80
    m = row.metrics
    assert m["auc"] > 0.7 and 0 < m["pr_auc"] <= 1
    assert {"brier_skill", "calibration_slope", "lift_top10", "reliability"} <= set(m)
    assert m["calibration"] in ("isotonic", "platt") and m["folds"] == 5
    assert "seniority=vp" in row.features and row.algorithm in ("logistic", "lightgbm")
    assert scoring.unpack(row.model)["kind"] == row.algorithm
    session.commit()

    # intake uses the active model
    hot = capture_service.capture(
        session,
        CaptureIn(email="new@prospect.io", title="VP Marketing", source="webinar"),
        source=capture_service.Source(via="api:test"),
        actor=TEST_ACTOR,
        now=now,
    )
    cold = capture_service.capture(
        session,
        CaptureIn(email="x@prospect.io", title="Analyst", source="webinar"),
        source=capture_service.Source(via="api:test"),
        actor=TEST_ACTOR,
        now=now,
    )
    hot_lead, cold_lead = session.get(Lead, hot.lead_id), session.get(Lead, cold.lead_id)
    assert 0 < cold_lead.predictive_score < hot_lead.predictive_score < 1
    assert scoring.history(session, hot_lead.id)[0].model_version == 1

    explained = scoring.score_read(session, hot_lead.id, now=now)
    features = [c.feature for c in explained.predictive.top_features]
    assert "seniority" in features[:3]
    assert explained.predictive.score == pytest.approx(hot_lead.predictive_score, abs=1e-6)
    session.commit()
    cli = runner.invoke(app, ["score", "explain", str(hot_lead.id)])
    assert cli.exit_code == 0, cli.output
    assert "top features:" in cli.output and "seniority" in cli.output

    # a single-class target is refused and the model stays
    with pytest.raises(TrainingRefused, match="all 240 leads with a known outcome reached sql"):
        scoring.train(session, Target.sql, actor=TEST_ACTOR, now=now)
    session.rollback()
    assert scoring.get_model(session).version == 1

    second = scoring.train(session, Target.customer, actor=TEST_ACTOR, now=now, seed=1)
    assert second.version == 2 and scoring.get_model(session).version == 2
    scoring.activate(session, 1, now=now)
    assert scoring.get_model(session).version == 1

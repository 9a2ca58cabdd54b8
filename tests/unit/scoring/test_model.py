"""Training and scoring the predictive model on made-up data with a known signal."""

import math
import random

import pytest

from leadledger.scoring.model import (
    MIN_CLOSED,
    MIN_POSITIVES,
    TrainingRefused,
    build_encoding,
    refusal,
    train,
)
from leadledger.scoring.predict import Encoder, Scorer


def made_up(n: int, seed: int = 1) -> tuple[list[dict], list[int]]:
    """Seniority and webinars raise the odds; employees are often missing."""
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        senior = rng.choice(["vp", "director", "manager", "individual_contributor"])
        webinars = rng.randint(0, 4)
        employees = None if rng.random() < 0.3 else rng.randint(10, 5000)
        logit = -2.5 + (1.5 if senior in ("vp", "director") else 0) + 0.6 * webinars
        rows.append(
            {
                "seniority": senior,
                "n_webinar_attended": float(webinars),
                "employees": employees,
                "noise": rng.random(),
                "source": rng.choice(["web_form", "event"]),
            }
        )
        labels.append(1 if rng.random() < 1 / (1 + math.exp(-logit)) else 0)
    return rows, labels


@pytest.fixture(scope="module")
def trained():
    rows, labels = made_up(600)
    return rows, labels, train(rows, labels, seed=0)


def test_training_compares_candidates_and_reports_held_out_metrics(trained):
    rows, labels, t = trained
    m = t.metrics
    assert set(m["candidates"]) == {"logistic(C=0.05)", "logistic(C=1)", "lightgbm"}
    assert m["chosen"] == max(m["candidates"], key=m["candidates"].get)
    assert m["auc"] > 0.7  # the signal is found
    assert m["calibration"] in ("isotonic", "platt")
    assert 0.5 < m["calibration_slope"] < 1.5
    assert m["rows"] == 600 and m["positives"] == sum(labels)
    top = {c.split("=")[0] for c in m["top_features"][:4]}
    assert {"seniority", "n_webinar_attended"} <= top
    assert len(m["reliability"]) == 10


def test_the_plain_python_scorer_gives_calibrated_probabilities(trained):
    rows, labels, t = trained
    scorer = Scorer(t.spec)
    p = [scorer.probability(r) for r in rows]
    assert all(0 <= v <= 1 for v in p)
    mean = sum(p) / len(p)
    assert mean == pytest.approx(sum(labels) / len(labels), abs=0.05)
    hot = {"seniority": "vp", "n_webinar_attended": 4.0}
    cold = {"seniority": "individual_contributor", "n_webinar_attended": 0.0}
    assert scorer.probability(hot) > scorer.probability(cold)


@pytest.mark.parametrize("kind", ["lightgbm", "logistic"])
def test_plain_python_matches_the_library_exactly(kind):
    """The trees walked in Python give LightGBM's own raw scores, NaNs included; the
    logistic model gives scikit-learn's decision function."""
    import lightgbm as lgb
    import numpy as np

    from leadledger.scoring import model as m

    rows, labels = made_up(400, seed=2)
    encoding = build_encoding(rows)
    scorer_spec = {"encoding": encoding, "calibration": {"kind": "platt", "a": 1.0, "b": 0.0}}
    enc = Encoder(encoding)
    X = np.array([enc.encode(r) for r in rows])
    y = np.array(labels)
    if kind == "lightgbm":
        booster = lgb.train(m._lgbm_params(0), lgb.Dataset(X, label=y), num_boost_round=40)
        spec = scorer_spec | {"kind": kind, "trees": m._trees_of(booster), "model_text": ""}
        expected = booster.predict(X, raw_score=True)
    else:
        fitted = m._fit_logistic(X, y, 1.0, 0)
        model, mean, scale = fitted
        spec = scorer_spec | {
            "kind": kind,
            "mean": list(mean),
            "scale": list(scale),
            "coef": list(model.coef_[0]),
            "intercept": float(model.intercept_[0]),
        }
        expected = m._logistic_margin(fitted, X)
    scorer = Scorer(spec)
    got = [scorer.margin(list(x)) for x in X]
    assert np.allclose(got, expected, rtol=0, atol=1e-9)
    assert any(math.isnan(v) for v in X[:, enc.columns.index("employees")])


@pytest.mark.parametrize(
    ("closed", "positives", "start"),
    [
        (
            150,
            30,
            "not enough data to train: needs at least 200 leads with a known outcome "
            "(have 150, 50 more); why: 5-fold",
        ),
        (
            500,
            12,
            "not enough data to train: needs at least 20 that reached customer (have 12, 8 more)",
        ),
        (
            40,
            3,
            "not enough data to train: needs at least 200 leads with a known outcome (have "
            "40, 160 more) and at least 20 that reached customer (have 3, 17 more)",
        ),
        (300, 300, "all 300 leads with a known outcome reached customer: a model needs both"),
        (300, 0, "all 300 leads with a known outcome did not reach customer"),
    ],
)
def test_too_little_or_one_sided_data_is_refused_with_the_numbers(closed, positives, start):
    why = refusal(closed, positives, "customer")
    assert why.startswith(start), why
    assert refusal(MIN_CLOSED, MIN_POSITIVES, "customer") is None


def test_all_missing_or_constant_features_are_refused():
    rows = [{"employees": None, "source": "web_form", "has_phone": 1.0}] * 250
    labels = [1] * 30 + [0] * 220
    with pytest.raises(TrainingRefused, match="no feature varies among the 250 leads"):
        train(rows, labels)


def test_encoding_keeps_common_levels_and_what_varies():
    rows = [{"a": "x", "b": 1.0, "c": 2.0}] * 10 + [{"a": "y", "b": 1.0, "c": None}] * 3
    enc = build_encoding(rows)
    assert enc == {"numeric": ["c"], "categorical": {"a": ["x", "(other)"]}}


def test_batch_scoring_gives_the_same_probabilities_as_one_by_one(trained):
    from leadledger.scoring.model import predict_many

    rows, _, t = trained
    scorer = Scorer(t.spec)
    one_by_one = [scorer.probability(r) for r in rows[:100]]
    assert predict_many(scorer, rows[:100]) == pytest.approx(one_by_one, abs=1e-9)

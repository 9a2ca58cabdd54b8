"""Training the predictive score: regularised logistic regression and LightGBM compared by
cross-validation, the better one calibrated (isotonic or Platt, chosen on held-out folds) and
written as a JSON model that ``scoring.predict`` evaluates without numpy. numpy, scikit-learn
and LightGBM are imported inside the functions that need them, never at start-up."""

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from leadledger.core.errors import Conflict
from leadledger.scoring.features import Value
from leadledger.scoring.predict import OTHER, Calibration, Encoder, Scorer

MIN_CLOSED = 200
MIN_POSITIVES = 20
FOLDS = 5
WHY_MINIMUM = (
    "5-fold cross-validation needs at least 4 positives in every fold to measure AUC and "
    "calibration at all, and with fewer than about 20 positives a model learns the examples "
    "rather than the pattern (Salesforce's Einstein asks for 1,000 leads and 120 conversions)"
)
LOGISTIC_C = (0.05, 1.0)
LGBM_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    "verbose": -1,
    "num_threads": 1,
}
MAX_ROUNDS = 600
ISOTONIC_GAIN = 0.01  # the share of the Brier score isotonic must win by over Platt


class TrainingRefused(Conflict):
    """Not enough, or not usable, data: nothing is stored and the active model stays."""

    code = "training_refused"


def refusal(closed: int, positives: int, target: str) -> str | None:
    """Why training on ``closed`` leads with a known outcome, ``positives`` of which reached
    ``target``, is refused; ``None`` when it may go ahead."""
    negatives = closed - positives
    if closed and (positives == 0 or negatives == 0):
        which = f"reached {target}" if negatives == 0 else f"did not reach {target}"
        return (
            f"all {closed} leads with a known outcome {which}: a model needs both outcomes "
            "to learn what separates them"
        )
    short = []
    if closed < MIN_CLOSED:
        short.append(
            f"at least {MIN_CLOSED} leads with a known outcome (have {closed}, "
            f"{MIN_CLOSED - closed} more)"
        )
    if positives < MIN_POSITIVES:
        short.append(
            f"at least {MIN_POSITIVES} that reached {target} (have {positives}, "
            f"{MIN_POSITIVES - positives} more)"
        )
    if not short:
        return None
    return f"not enough data to train: needs {' and '.join(short)}; why: {WHY_MINIMUM}"


# --- encoding ----------------------------------------------------------------------------


def build_encoding(
    rows: Sequence[Mapping[str, Value]], *, min_level: int = 5, max_levels: int = 20
) -> dict[str, Any]:
    """Which features carry information in ``rows``: numbers that vary (missing counts as a
    value), and categories with their common levels (the rest as ``(other)``)."""
    numbers: dict[str, set] = {}
    texts: dict[str, Counter] = {}
    present: Counter = Counter()
    for row in rows:
        for name, value in row.items():
            if value is None:
                continue
            present[name] += 1
            if isinstance(value, str):
                texts.setdefault(name, Counter())[value] += 1
            elif len(numbers.setdefault(name, set())) < 3:
                numbers[name].add(value)
    n = len(rows)
    numeric, categorical = [], {}
    for name in sorted(present):
        distinct = numbers.get(name, set())
        n_text = sum(texts.get(name, Counter()).values())
        if n_text > present[name] - n_text:  # mostly text: a category
            counts = texts[name]
            common = [lvl for lvl, c in counts.most_common(max_levels) if c >= min_level]
            levels = common + ([OTHER] if len(common) < len(counts) else [])
            if len(levels) + (present[name] < n) >= 2:
                categorical[name] = levels
        elif len(distinct) + (present[name] < n) >= 2:
            numeric.append(name)
    return {"numeric": numeric, "categorical": categorical}


# --- metrics -----------------------------------------------------------------------------


def metrics(y, p, *, top: float = 0.10) -> dict[str, float]:  # noqa: ANN001
    """ROC AUC, PR AUC, precision and lift in the top 10%, Brier score and skill, and the
    calibration slope and intercept (logistic regression of the outcome on logit p)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    base = float(y.mean())
    k = max(1, int(round(len(y) * top)))
    order = np.argsort(-p, kind="stable")
    precision = float(y[order[:k]].mean())
    brier = float(brier_score_loss(y, p))
    reference = base * (1 - base)
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(logit, y)
    return {
        "auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "precision_top10": precision,
        "lift_top10": precision / base if base else 0.0,
        "brier": brier,
        "brier_skill": 1 - brier / reference if reference else 0.0,
        "calibration_slope": float(fit.coef_[0][0]),
        "calibration_intercept": float(fit.intercept_[0]),
        "mean_prediction": float(p.mean()),
        "base_rate": base,
    }


def reliability(y, p, bins: int = 10) -> list[dict[str, float]]:  # noqa: ANN001
    """Mean prediction against the observed rate in ``bins`` groups of equal size."""
    import numpy as np

    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, bins):
        if len(part):
            out.append(
                {
                    "n": int(len(part)),
                    "predicted": float(p[part].mean()),
                    "observed": float(y[part].mean()),
                }
            )
    return out


# --- the candidates ----------------------------------------------------------------------


def _standardise(X):  # noqa: ANN001, ANN202
    import numpy as np

    mean = np.nanmean(X, axis=0)
    mean = np.where(np.isnan(mean), 0.0, mean)
    scale = np.nanstd(X, axis=0)
    scale = np.where((scale == 0) | np.isnan(scale), 1.0, scale)
    Z = (X - mean) / scale
    return np.where(np.isnan(Z), 0.0, Z), mean, scale


def _fit_logistic(X, y, C: float, seed: int):  # noqa: ANN001, ANN202
    from sklearn.linear_model import LogisticRegression

    Z, mean, scale = _standardise(X)
    model = LogisticRegression(C=C, max_iter=500, random_state=seed).fit(Z, y)
    return model, mean, scale


def _logistic_margin(fitted, X):  # noqa: ANN001, ANN202
    import numpy as np

    model, mean, scale = fitted
    Z = (X - mean) / scale
    return model.decision_function(np.where(np.isnan(Z), 0.0, Z))


def _lgbm_params(seed: int) -> dict[str, Any]:
    return LGBM_PARAMS | {"seed": seed, "deterministic": True, "force_row_wise": True}


def _oof(X, y, folds, fit, margin):  # noqa: ANN001, ANN202
    import numpy as np

    out = np.zeros(len(y))
    for train, test in folds:
        out[test] = margin(fit(X[train], y[train]), X[test])
    return out


def _lgbm_oof(X, y, folds, seed: int):  # noqa: ANN001, ANN202
    """Out-of-fold raw scores and the number of rounds, chosen by the folds' mean AUC."""
    import lightgbm as lgb
    import numpy as np

    data = lgb.Dataset(X, label=y, free_raw_data=False)
    result = lgb.cv(
        _lgbm_params(seed) | {"metric": "auc"},
        data,
        num_boost_round=MAX_ROUNDS,
        folds=folds,
        callbacks=[lgb.early_stopping(50, verbose=False)],
        return_cvbooster=True,
        seed=seed,
    )
    booster = result["cvbooster"]
    rounds = booster.best_iteration
    out = np.zeros(len(y))
    for (_, test), fold_model in zip(folds, booster.boosters, strict=True):
        out[test] = fold_model.predict(X[test], num_iteration=rounds, raw_score=True)
    return out, rounds


def _calibrators(margin, y, folds):  # noqa: ANN001, ANN202
    """Held-out calibrated probabilities for isotonic and Platt: each fold calibrated by a
    map fitted on the other folds' out-of-fold scores."""
    import numpy as np

    out = {"isotonic": np.zeros(len(y)), "platt": np.zeros(len(y))}
    for train, test in folds:
        for kind in out:
            cal = Calibration(_fit_calibration(kind, margin[train], y[train]))
            out[kind][test] = [cal(m) for m in margin[test]]
    return out


def _fit_calibration(kind: str, margin, y) -> dict[str, Any]:  # noqa: ANN001
    if kind == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margin, y)
        return {
            "kind": "isotonic",
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        }
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6, max_iter=1000).fit(margin.reshape(-1, 1), y)
    return {"kind": "platt", "a": float(fit.coef_[0][0]), "b": float(fit.intercept_[0])}


MISSING_KIND = {"None": 0, "Zero": 1, "NaN": 2}


def _flatten(node: dict, t: dict[str, list]) -> int:
    """Append ``node`` and its subtree to ``t``; its index, or ~leaf for a leaf."""
    if "leaf_value" in node:
        t["leaf"].append(float(node["leaf_value"]))
        return ~(len(t["leaf"]) - 1)
    if node.get("decision_type", "<=") != "<=":
        raise ValueError("categorical splits are not used by leadledger's models")
    i = len(t["feature"])
    t["feature"].append(int(node["split_feature"]))
    t["threshold"].append(float(node["threshold"]))
    t["default_left"].append(bool(node["default_left"]))
    t["missing"].append(MISSING_KIND[node["missing_type"]])
    t["left"].append(0)
    t["right"].append(0)
    t["left"][i] = _flatten(node["left_child"], t)
    t["right"][i] = _flatten(node["right_child"], t)
    return i


def _trees_of(booster) -> list[dict[str, list]]:  # noqa: ANN001
    """LightGBM's trees flattened for ``predict._Trees``."""
    out = []
    for info in booster.dump_model()["tree_info"]:
        t: dict[str, list] = {
            k: []
            for k in ("feature", "threshold", "default_left", "missing", "left", "right", "leaf")
        }
        _flatten(info["tree_structure"], t)
        out.append(t)
    return out


@dataclass(frozen=True)
class Trained:
    spec: dict[str, Any]  # what ``predict.Scorer`` reads
    metrics: dict[str, Any]  # cross-validated, on held-out folds
    features: list[str]
    algorithm: str


def train(rows: Sequence[Mapping[str, Value]], labels: Sequence[int], *, seed: int = 0) -> Trained:
    """Compare the candidates by 5-fold out-of-fold AUC, calibrate the best on held-out
    folds, refit it on everything. Raises ``TrainingRefused`` for data no model can use."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    started = time.perf_counter()
    encoding = build_encoding(rows)
    encoder = Encoder(encoding)
    if not encoder.columns:
        raise TrainingRefused(
            f"no feature varies among the {len(rows)} leads: every feature is missing or the "
            "same for all, so there is nothing to learn from; the active model stays"
        )
    X = np.array([encoder.encode(r) for r in rows], dtype=float)
    y = np.asarray(labels, dtype=int)
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(X, y))

    candidates: dict[str, Any] = {}
    for C in LOGISTIC_C:
        candidates[f"logistic(C={C:g})"] = _oof(
            X, y, folds, lambda a, b, C=C: _fit_logistic(a, b, C, seed), _logistic_margin
        )
    lgbm_margin, rounds = _lgbm_oof(X, y, folds, seed)
    candidates["lightgbm"] = lgbm_margin
    metrics_of = {name: metrics(y, 1 / (1 + np.exp(-m))) for name, m in candidates.items()}
    best = max(candidates, key=lambda name: metrics_of[name]["auc"])
    held_out = _calibrators(candidates[best], y, folds)
    briers = {k: float(np.mean((p - y) ** 2)) for k, p in held_out.items()}
    # Platt keeps the model's ranking and has two parameters; isotonic steps tie leads and
    # overfit few positives, so it is taken only when clearly better on the held-out folds
    method = "isotonic" if briers["isotonic"] < briers["platt"] * (1 - ISOTONIC_GAIN) else "platt"
    calibration = _fit_calibration(method, candidates[best], y)

    spec: dict[str, Any] = {"encoding": encoding, "calibration": calibration}
    if best == "lightgbm":
        import lightgbm as lgb

        booster = lgb.train(_lgbm_params(seed), lgb.Dataset(X, label=y), num_boost_round=rounds)
        spec |= {
            "kind": "lightgbm",
            "trees": _trees_of(booster),
            "model_text": booster.model_to_string(),
        }
        gains = booster.feature_importance("gain")
        importance = dict(zip(encoder.columns, (float(g) for g in gains), strict=True))
    else:
        C = float(best.split("=")[1].rstrip(")"))
        model, mean, scale = _fit_logistic(X, y, C, seed)
        spec |= {
            "kind": "logistic",
            "C": C,
            "mean": [float(v) for v in mean],
            "scale": [float(v) for v in scale],
            "coef": [float(v) for v in model.coef_[0]],
            "intercept": float(model.intercept_[0]),
        }
        importance = {c: abs(w) for c, w in zip(encoder.columns, spec["coef"], strict=True)}
    p = held_out[method]
    top = sorted(importance, key=importance.get, reverse=True)[:10]
    result = metrics(y, p) | {
        "calibration": method,
        "calibration_brier": briers,
        "reliability": reliability(y, p),
        "candidates": {name: m["auc"] for name, m in metrics_of.items()},
        "chosen": best,
        "rounds": rounds if best == "lightgbm" else None,
        "folds": FOLDS,
        "seed": seed,
        "rows": len(y),
        "positives": int(y.sum()),
        "top_features": top,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return Trained(spec, result, encoder.columns, spec["kind"])


# --- explanations with LightGBM's own SHAP values -----------------------------------------


@lru_cache(maxsize=4)
def _booster(model_text: str):  # noqa: ANN202
    import lightgbm as lgb

    return lgb.Booster(model_str=model_text)


def tree_contributions(scorer: Scorer, x: list[float]) -> list[float]:
    """Per column, its SHAP value in log-odds (``pred_contrib``); the bias is left out."""
    import numpy as np

    row = np.array([x], dtype=float)
    contrib = _booster(scorer.model_text).predict(row, pred_contrib=True)[0]
    return [float(v) for v in contrib[:-1]]


def predict_many(scorer: Scorer, rows: Sequence[Mapping[str, Value]]) -> list[float]:
    """Probabilities of many leads at once, as matrices (batch re-scoring, benches)."""
    import numpy as np

    X = np.array([scorer.encoder.encode(r) for r in rows], dtype=float)
    if scorer.kind == "lightgbm":
        margin = _booster(scorer.model_text).predict(X, raw_score=True)
    else:
        Z = (X - np.array(scorer.mean)) / np.array(scorer.scale)
        margin = np.where(np.isnan(Z), 0.0, Z) @ np.array(scorer.coef) + scorer.intercept
    cal = scorer.calibration
    if cal.kind == "platt":
        p = 1 / (1 + np.exp(-(cal.a * margin + cal.b)))
    else:
        p = np.interp(margin, cal.x, cal.y)
    return [float(v) for v in p]

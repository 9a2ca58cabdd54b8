"""Scoring with a stored model in plain Python: no numpy, scikit-learn or LightGBM on the
intake path (they take seconds to import). A model is a JSON document written by
``scoring.model``: the encoding of the features, a logistic regression or LightGBM's trees,
and the calibration that turns its raw score into a probability."""

import math
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

from leadledger.scoring.features import Value

OTHER = "(other)"


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class Encoder:
    """Feature dict -> the model's column vector: numbers as they are (NaN when missing),
    categories one-hot over the levels seen in training (rare ones as ``(other)``)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.numeric: list[str] = list(spec["numeric"])
        self.categorical: dict[str, list[str]] = {
            k: list(v) for k, v in spec["categorical"].items()
        }
        self.columns: list[str] = list(self.numeric)
        self._offsets: dict[str, tuple[int, dict[str, int]]] = {}
        for name, levels in self.categorical.items():
            start = len(self.columns)
            self._offsets[name] = (start, {lvl: i for i, lvl in enumerate(levels)})
            self.columns += [f"{name}={lvl}" for lvl in levels]
        self._numeric = list(enumerate(self.numeric))
        # missing numbers are NaN, but an activity type the lead never had is a count of 0
        self._template = [0.0 if n.startswith("n_") else math.nan for n in self.numeric]
        self._template += [0.0] * (len(self.columns) - len(self.numeric))

    def encode(self, feats: Mapping[str, Value]) -> list[float]:
        x = self._template.copy()
        get = feats.get
        for i, name in self._numeric:
            v = get(name)
            if type(v) is float or type(v) is int:  # not bool, not text
                x[i] = float(v)
        for name, (start, index) in self._offsets.items():
            v = get(name)
            if type(v) is str:
                j = index.get(v, index.get(OTHER))
                if j is not None:
                    x[start + j] = 1.0
        return x

    def source_of(self, column: str) -> str:
        """The feature a column comes from (``source=webinar`` -> ``source``)."""
        return column.split("=", 1)[0] if "=" in column else column


class Calibration:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.kind = spec["kind"]
        if self.kind == "isotonic":
            self.x, self.y = list(spec["x"]), list(spec["y"])
        else:
            self.a, self.b = float(spec["a"]), float(spec["b"])

    def __call__(self, margin: float) -> float:
        if self.kind == "platt":
            return _sigmoid(self.a * margin + self.b)
        x, y = self.x, self.y
        if margin <= x[0]:
            return y[0]
        if margin >= x[-1]:
            return y[-1]
        i = bisect_right(x, margin)
        x0, x1, y0, y1 = x[i - 1], x[i], y[i - 1], y[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (margin - x0) / (x1 - x0)


class _Trees:
    """LightGBM's trees, flattened: a child index >= 0 is a node, ~i is leaf i."""

    def __init__(self, trees: list[dict[str, list]]) -> None:
        self.trees = [
            (
                t["feature"],
                t["threshold"],
                t["default_left"],
                t["missing"],
                t["left"],
                t["right"],
                t["leaf"],
            )
            for t in trees
        ]

    def margin(self, x: list[float]) -> float:
        total = 0.0
        for feature, threshold, default_left, missing, left, right, leaf in self.trees:
            if not feature:
                total += leaf[0]
                continue
            node = 0
            while node >= 0:
                v = x[feature[node]]
                kind = missing[node]  # 0 none, 1 zero, 2 NaN (LightGBM's MissingType)
                if v != v and kind != 2:
                    v = 0.0
                if (kind == 1 and abs(v) <= 1e-35) or (kind == 2 and v != v):
                    node = left[node] if default_left[node] else right[node]
                else:
                    node = left[node] if v <= threshold[node] else right[node]
            total += leaf[~node]
        return total


class Scorer:
    """A stored model, ready to score one lead in well under a millisecond."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.kind: str = spec["kind"]
        self.encoder = Encoder(spec["encoding"])
        self.calibration = Calibration(spec["calibration"])
        if self.kind == "logistic":
            self.mean = list(spec["mean"])
            self.scale = list(spec["scale"])
            self.coef = list(spec["coef"])
            self.intercept = float(spec["intercept"])
        else:
            self.trees = _Trees(spec["trees"])
            self.model_text: str = spec["model_text"]

    def _standard(self, x: list[float]) -> list[float]:
        # a missing value is imputed with the training mean: 0 once standardised
        return [
            0.0 if v != v else (v - m) / s for v, m, s in zip(x, self.mean, self.scale, strict=True)
        ]

    def margin(self, x: list[float]) -> float:
        if self.kind == "logistic":
            z = self._standard(x)
            return self.intercept + sum(c * v for c, v in zip(self.coef, z, strict=True))
        return self.trees.margin(x)

    def probability(self, feats: Mapping[str, Value]) -> float:
        return self.calibration(self.margin(self.encoder.encode(feats)))

    def linear_contributions(self, x: list[float]) -> list[float]:
        """Coefficient x standardised value per column (log-odds), for logistic models."""
        return [c * v for c, v in zip(self.coef, self._standard(x), strict=True)]

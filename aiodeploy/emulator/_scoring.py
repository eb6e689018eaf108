"""Deterministic models: a prediction is a function of the serving model and the row.

Every model of a project is the project's hidden "truth" (a linear score over the
features' signals) plus weights of its own, so models of one project agree roughly and
differ in detail, and a model's accuracy against actuals drawn from the truth is
plausible. Missing features count as missing values (imputed), never as errors.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

from ._records import ModelRecord, ProjectRecord
from ._training import FeatureSpec, sample_row, specs_of, target_spec, unit_hash

__all__ = ["POSITIVE_BASE_RATE", "Scored", "Scorer", "draw_actual", "scorer_for", "truth_for"]

POSITIVE_BASE_RATE = 0.25
"""Share of positive rows a binary model predicts on training data (before the threshold)."""

_TRAINING_ROWS = 400  # rows in the sample a model's target baseline is computed on
_MODEL_SPREAD = 0.45  # how far a model's weights stray from the project's truth
_PROBABILITY_BINS = 10
_BINARY_SPREAD = 1.6  # how sure binary models are: about a fifth of rows cross the threshold


@dataclasses.dataclass(frozen=True)
class Scored:
    """One row's prediction.

    Attributes:
        prediction: The predicted class (classification) or value (regression).
        values: DataRobot's ``predictionValues`` as ``(label, value)`` pairs: each class's
            probability (the positive class first for binary), or ``(target, value)``.
        score: The positive class's probability (binary), the value (regression), or the
            predicted class's index (multiclass): what target drift bins.
    """

    prediction: str | float
    values: tuple[tuple[str, float], ...]
    score: float

    def probability(self, label: str) -> float:
        """The probability given to a class (0 if the label is unknown)."""
        return next((value for name, value in self.values if name == label), 0.0)


class Scorer:
    """Scores rows for one model (or, with ``model_id=None``, the project's truth).

    Args:
        project: The model's project (target, its type and classes).
        features: Feature name to data type, as the model uses them.
        model_id: The model whose own weights are added to the truth's.
    """

    def __init__(
        self, project: ProjectRecord, features: Mapping[str, str], model_id: str | None
    ) -> None:
        self.project = project
        self.target_type = project.target_type
        self.specs: Sequence[FeatureSpec] = specs_of(features)
        self.features = dict(features)
        self.outputs: tuple[str, ...] = (
            project.classes if self.target_type == "Multiclass" else (project.target,)
        )
        self._weights = {
            (spec.name, out): self._weight(project.id, model_id, spec.name, out)
            for spec in self.specs
            if spec.tracked
            for out in self.outputs
        }
        norm = math.sqrt(sum(w * w for w in self._weights.values()) / len(self.outputs))
        self._norm = norm or 1.0
        impacts = {s.name: sum(abs(self._weights.get((s.name, o), 0)) for o in self.outputs)
                   for s in self.specs}  # fmt: skip
        top = max(impacts.values(), default=0.0) or 1.0
        self.impact = {name: round(value / top, 4) for name, value in impacts.items()}

    @staticmethod
    def _weight(project_id: str, model_id: str | None, feature: str, out: str) -> float:
        truth = 2 * unit_hash("truth", project_id, feature, out) - 1
        if model_id is None:
            return truth
        return truth + _MODEL_SPREAD * (2 * unit_hash("model", model_id, feature, out) - 1)

    def _linear(self, row: Mapping[str, Any], out: str) -> float:
        total = 0.0
        for spec in self.specs:
            weight = self._weights.get((spec.name, out))
            if weight:
                total += weight * spec.signal(row.get(spec.name))
        return total / self._norm

    def score(self, row: Mapping[str, Any]) -> Scored:
        """Predict one row (features it lacks are missing values)."""
        if self.target_type == "Regression":
            target = target_spec(self.project.target)
            value = round(
                max(target.lowest, target.mean + target.sd * self._linear(row, self.outputs[0])), 2
            )
            return Scored(value, ((self.project.target, value),), value)
        if self.target_type == "Multiclass":
            raw = [2.0 * self._linear(row, out) for out in self.outputs]
            top = max(raw)
            exps = [math.exp(r - top) for r in raw]
            total = sum(exps)
            probs = [round(e / total, 6) for e in exps]
            best = max(range(len(probs)), key=probs.__getitem__)
            ranked = sorted(zip(self.outputs, probs, strict=True), key=lambda p: -p[1])
            return Scored(self.outputs[best], tuple(ranked), float(best))
        # binary: the positive class's probability against the threshold
        logit = _BINARY_SPREAD * self._linear(row, self.outputs[0]) + math.log(
            POSITIVE_BASE_RATE / (1 - POSITIVE_BASE_RATE)
        )
        positive = round(1 / (1 + math.exp(-logit)), 6)
        pos, neg = self.positive_class, self.negative_class
        label = pos if positive >= self.threshold else neg
        return Scored(label, ((pos, positive), (neg, round(1 - positive, 6))), positive)

    # -- classes and the decision threshold ----------------------------------------------

    threshold = 0.5
    """A binary model's prediction threshold."""

    @property
    def classes(self) -> tuple[str, ...]:
        """A classification project's classes (empty for regression)."""
        return self.project.classes

    @property
    def positive_class(self) -> str:
        """A binary project's positive class."""
        return self.project.positive_class or self.project.classes[-1]

    @property
    def negative_class(self) -> str:
        """A binary project's other class."""
        return next(c for c in self.project.classes if c != self.positive_class)

    # -- what target drift is measured in ------------------------------------------------

    def target_bin_names(self) -> list[str]:
        """A label per target bin."""
        if self.target_type == "Multiclass":
            return list(self.outputs)
        edges = self.edges
        names = [f"< {edges[0]:.4g}"] + [f"{a:.4g} - {b:.4g}" for a, b in itertools.pairwise(edges)]
        return [*names, f">= {edges[-1]:.4g}"]

    @functools.cached_property
    def edges(self) -> tuple[float, ...]:
        """Edges of the target bins (binary: probabilities; regression: target deciles)."""
        if self.target_type == "Regression":
            target = target_spec(self.project.target)
            return tuple(
                target.mean + target.sd * NormalDist().inv_cdf(i / 10) for i in range(1, 10)
            )
        return tuple(i / _PROBABILITY_BINS for i in range(1, _PROBABILITY_BINS))

    def target_bin(self, scored: Scored) -> int:
        """The target bin of a prediction."""
        if self.target_type == "Multiclass":
            return int(scored.score)
        return sum(scored.score >= edge for edge in self.edges)

    @property
    def target_bin_count(self) -> int:
        """Number of target bins."""
        return len(self.outputs) if self.target_type == "Multiclass" else len(self.edges) + 1

    @functools.cached_property
    def training_rows(self) -> list[dict[str, Any]]:
        """The rows the baselines are computed on (drawn once from the training data)."""
        rng = random.Random(f"training:{self.project.id}")
        return [sample_row(self.features, rng) for _ in range(_TRAINING_ROWS)]

    @functools.cached_property
    def training_scored(self) -> list[Scored]:
        """This model's predictions on the training rows."""
        return [self.score(row) for row in self.training_rows]

    @functools.cached_property
    def target_baseline(self) -> list[int]:
        """Counts per target bin of this model's predictions on the training rows."""
        counts = [0] * self.target_bin_count
        for scored in self.training_scored:
            counts[self.target_bin(scored)] += 1
        return counts


_SCORERS: dict[tuple[str, str], Scorer] = {}


def scorer_for(model: ModelRecord, project: ProjectRecord) -> Scorer:
    """The scorer of a model (built once: its weights and baselines are costly)."""
    key = (project.id, model.id)
    scorer = _SCORERS.get(key)
    if scorer is None:
        scorer = _SCORERS[key] = Scorer(project, model.features, model.id)
    return scorer


def truth_for(model: ModelRecord, project: ProjectRecord) -> Scorer:
    """The project's truth over a model's features: what actuals are drawn from."""
    key = (project.id, f"truth:{model.id}")
    scorer = _SCORERS.get(key)
    if scorer is None:
        scorer = _SCORERS[key] = Scorer(project, model.features, None)
    return scorer


def draw_actual(
    truth: Scorer, truth_scored: Scored, rng: random.Random, noise: float = 0.0
) -> str | float:
    """An actual value for a row, drawn from the truth's prediction for it.

    ``noise`` (0-1) makes it worse for every model: that share of classification rows get
    a class at random, and regression values stray by that many standard deviations more.
    """
    if truth.target_type == "Regression":
        target = target_spec(truth.project.target)
        spread = target.sd * (0.15 + noise)
        value = float(truth_scored.prediction) + rng.gauss(0, spread)
        return round(max(target.lowest, value), 2)
    if rng.random() < noise:
        return rng.choice(truth.classes)
    labels = [name for name, _ in truth_scored.values]
    return rng.choices(labels, [value for _, value in truth_scored.values])[0]

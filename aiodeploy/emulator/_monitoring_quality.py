"""Drift and accuracy, computed from the hourly buckets and the joined actuals.

Drift compares a period's bins with the training baseline: each feature's training
distribution, and the model's own predictions on its training rows for the target.
Accuracy joins the rows predicted with an association id to the actuals posted for it;
its baseline is the model's score on a holdout drawn from the project's truth.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from typing import Any

from ._metrics import ACCURACY_METRICS, Labelled, accuracy_metric, drift_score
from ._monitoring_data import MonitoringData
from ._monitoring_service import Query
from ._scoring import Scorer, draw_actual
from ._training import parse_number

__all__ = [
    "accuracy",
    "accuracy_over_time",
    "baseline_metric",
    "feature_drift_scores",
    "holdout",
    "joined",
    "predictions_vs_actuals_over_time",
    "target_drift",
    "target_drift_score",
]

_HOLDOUT: dict[tuple[Scorer, int], list[Labelled]] = {}
_BASELINES: dict[tuple[Scorer, int, str], float | None] = {}


@dataclasses.dataclass(frozen=True)
class FeatureDriftScore:
    """One feature's drift over a period."""

    name: str
    score: float | None
    impact: float
    sample_size: int
    baseline_size: int


def target_drift_score(
    data: MonitoringData, query: Query, scorer: Scorer, metric: str = "psi"
) -> tuple[float | None, int]:
    """The target's drift score and the rows it was measured on (query of one model)."""
    counts = [0] * scorer.target_bin_count
    for *_, bucket in query.select(data):
        for index, count in enumerate(bucket.target_bins):
            counts[index] += count
    return drift_score(metric, counts, scorer.target_baseline), sum(counts)


def feature_drift_scores(
    data: MonitoringData, query: Query, scorer: Scorer, metric: str = "psi"
) -> list[FeatureDriftScore]:
    """Each tracked feature's drift, most impactful first (query of one model)."""
    selected = query.select(data)
    baseline_size = len(scorer.training_rows)
    found = []
    for spec in scorer.specs:
        if not spec.tracked:
            continue
        counts = [0] * spec.bin_count
        for *_, bucket in selected:
            for index, count in enumerate(bucket.feature_bins.get(spec.name, ())):
                counts[index] += count
        score = drift_score(metric, counts, spec.proportions())
        impact = scorer.impact.get(spec.name, 0.0)
        found.append(FeatureDriftScore(spec.name, score, impact, sum(counts), baseline_size))
    found.sort(key=lambda f: (-f.impact, f.name))
    return found


def target_drift(data: MonitoringData, query: Query, scorer: Scorer, metric: str) -> dict[str, Any]:
    """``GET deployments/{id}/targetDrift/`` (query of one model)."""
    score, size = target_drift_score(data, query, scorer, metric)
    return {
        "period": query.period.to_json(),
        "metric": metric,
        "modelId": query.models[0] if query.models else None,
        "targetName": scorer.project.target,
        "driftScore": score,
        "sampleSize": size,
        "baselineSampleSize": len(scorer.training_rows),
        **query.echo(),
    }


def joined(data: MonitoringData, query: Query, model_id: str) -> list[tuple[float, Labelled]]:
    """``(predicted at, (actual, prediction, probabilities))`` of a model's rows in the
    query's period that have an actual."""
    actuals = data.actuals(query.deployment_id)
    period, segment = query.period, query.segment
    found: list[tuple[float, Labelled]] = []
    for association_id, row in data.scored(query.deployment_id).items():
        if row.model_id != model_id or not period.start <= row.epoch < period.end:
            continue
        if segment is not None and row.segment[segment[0]] != segment[1]:
            continue
        actual = actuals.get(association_id)
        if actual is not None:
            found.append((row.epoch, (actual.value, row.prediction, dict(row.values))))
    return found


def holdout(scorer: Scorer, truth: Scorer) -> list[Labelled]:
    """The model's predictions on its training rows, with actuals drawn from the truth."""
    key = (scorer, id(truth))
    found = _HOLDOUT.get(key)
    if found is None:
        rng = random.Random(f"holdout:{scorer.project.id}")
        found = [
            (draw_actual(truth, truth.score(row), rng), scored.prediction, dict(scored.values))
            for row, scored in zip(scorer.training_rows, scorer.training_scored, strict=True)
        ]
        _HOLDOUT[key] = found
    return found


def baseline_metric(scorer: Scorer, truth: Scorer, metric: str) -> float | None:
    """The model's ``metric`` on its holdout (computed once)."""
    key = (scorer, id(truth), metric)
    if key not in _BASELINES:
        _BASELINES[key] = accuracy_metric(scorer.target_type, metric, holdout(scorer, truth))
    return _BASELINES[key]


def _metric_entry(
    target_type: str,
    metric: str,
    rows: Sequence[Labelled],
    baseline: float | None,
    baseline_size: int,
) -> dict[str, Any]:
    value = accuracy_metric(target_type, metric, rows)
    change = None
    if value is not None and baseline:
        change = round(100 * (value - baseline) / abs(baseline), 2)
    return {
        "value": value,
        "sampleSize": len(rows),
        "baselineValue": baseline,
        "baselineSampleSize": baseline_size,
        "percentChange": change,
    }


def accuracy(
    data: MonitoringData,
    query: Query,
    models: Sequence[tuple[str, Scorer, Scorer]],
    *,
    metric: str | None,
    baseline_model: tuple[str, Scorer, Scorer] | None,
) -> dict[str, Any]:
    """``GET deployments/{id}/accuracy/``: each metric (or ``metric``) for each model.

    ``models`` are ``(model id, scorer, truth)``; the baseline is the model's holdout
    score, or ``baseline_model``'s value over the same period.
    """
    rows: dict[str, list[Labelled]] = {
        m: [r for _, r in joined(data, query, m)] for m, *_ in models
    }
    data_items, metrics = [], {}
    for model_id, scorer, truth in models:
        names = [metric] if metric else list(ACCURACY_METRICS.get(scorer.target_type, {}))
        for name in names:
            if baseline_model is None:
                base_rows = holdout(scorer, truth)
                baseline = baseline_metric(scorer, truth, name)
            else:
                base_rows = [r for _, r in joined(data, query, baseline_model[0])]
                baseline = accuracy_metric(scorer.target_type, name, base_rows)
            entry = _metric_entry(
                scorer.target_type, name, rows[model_id], baseline, len(base_rows)
            )
            data_items.append({"modelId": model_id, "metricName": name, **entry})
            if model_id == models[0][0]:
                metrics[name] = entry
    return {
        "period": query.period.to_json(),
        "modelId": models[0][0],
        "metrics": metrics,
        "data": data_items,
        **query.echo(),
    }


def accuracy_over_time(
    data: MonitoringData,
    query: Query,
    models: Sequence[tuple[str, Scorer, Scorer]],
    *,
    metric: str,
    bucket_size: float,
) -> dict[str, Any]:
    """``GET deployments/{id}/accuracyOverTime/``: one metric per bucket and model."""
    slots = query.period.slots(bucket_size)
    buckets, baselines = [], []
    summary: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    for model_id, scorer, truth in models:
        rows = joined(data, query, model_id)
        for slot in slots:
            inside = [r for at, r in rows if slot.start <= at < slot.end]
            value = accuracy_metric(scorer.target_type, metric, inside)
            buckets.append(
                {
                    "period": slot.to_json(),
                    "value": value,
                    "sampleSize": len(inside),
                    "modelId": model_id,
                }
            )
        base = holdout(scorer, truth)
        base_entry = {
            "value": accuracy_metric(scorer.target_type, metric, base),
            "sampleSize": len(base),
        }
        baselines.append({"modelId": model_id, **base_entry})
        if not summary:
            every = [r for _, r in rows]
            summary = {
                "period": query.period.to_json(),
                "value": accuracy_metric(scorer.target_type, metric, every),
                "sampleSize": len(every),
            }
            baseline = {"period": None, **base_entry}
    return {
        "metric": metric,
        "modelId": models[0][0],
        "buckets": buckets,
        "summary": summary,
        "baseline": baseline,
        "baselines": baselines,
        **query.echo(),
    }


def _versus(
    rows: Sequence[Labelled], total: int, scorer: Scorer, classes: Sequence[str] | None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "rowCountTotal": total,
        "rowCountWithActual": len(rows),
        "meanPredictedValue": None,
        "meanActualValue": None,
        "predictedClassDistribution": None,
        "actualClassDistribution": None,
    }
    if not rows:
        return found
    if scorer.target_type == "Regression":
        pairs = [
            (p, a)
            for p, a in ((parse_number(p), parse_number(a)) for a, p, _ in rows)
            if p is not None and a is not None
        ]
        if not pairs:
            return found
        found["meanPredictedValue"] = round(sum(p for p, _ in pairs) / len(pairs), 6)
        found["meanActualValue"] = round(sum(a for _, a in pairs) / len(pairs), 6)
        return found
    for key, pick in (("predictedClassDistribution", 1), ("actualClassDistribution", 0)):
        labels = [str(row[pick]) for row in rows]
        found[key] = [
            {
                "className": name,
                "count": labels.count(name),
                "percent": round(100 * labels.count(name) / len(labels), 4),
            }
            for name in scorer.classes
            if not classes or name in classes
        ]
    return found


def predictions_vs_actuals_over_time(
    data: MonitoringData,
    query: Query,
    models: Sequence[tuple[str, Scorer, Scorer]],
    *,
    bucket_size: float,
    classes: Sequence[str] | None,
) -> dict[str, Any]:
    """``GET deployments/{id}/predictionsVsActualsOverTime/``: predicted against actual,
    per bucket and model (only the keys the official client accepts)."""
    buckets, baselines = [], []
    total_rows = with_actual = 0
    for model_id, scorer, truth in models:
        one = dataclasses.replace(query, models=[model_id])
        rows = joined(data, query, model_id)
        for slot in query.period.slots(bucket_size):
            inside = [r for at, r in rows if slot.start <= at < slot.end]
            total = sum(b.predictions for *_, b in one.select(data, slot))
            total_rows += total
            with_actual += len(inside)
            stats = _versus(inside, total, scorer, classes)
            buckets.append({"period": slot.to_json(), "modelId": model_id, **stats})
        base = holdout(scorer, truth)
        baselines.append({"modelId": model_id, **_versus(base, len(base), scorer, classes)})
    return {
        "summary": {"rowCountTotal": total_rows, "rowCountWithActual": with_actual},
        "baselines": baselines,
        "buckets": buckets,
        **query.echo(),
    }

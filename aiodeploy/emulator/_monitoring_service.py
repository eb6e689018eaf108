"""Service health and prediction statistics, computed from the hourly buckets.

Each function answers one monitoring read with the JSON shape the official client parses
(``serviceStats``, ``serviceStatsOverTime``, ``predictionsOverTime``).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from ._metrics import quantile
from ._monitoring_data import Bucket, MonitoringData, Segment, training_bucket
from ._scoring import Scorer
from ._windows import Period

__all__ = [
    "SERVICE_METRICS",
    "Query",
    "prediction_stats",
    "predictions_over_time",
    "service_metrics",
    "service_stats",
    "service_stats_over_time",
]

SERVICE_METRICS = (
    "totalPredictions", "totalRequests", "slowRequests", "executionTime", "responseTime",
    "userErrorRate", "serverErrorRate", "numConsumers", "cacheHitRatio", "medianLoad",
    "peakLoad",
)  # fmt: skip
"""The service stat metrics, as ``serviceStatsOverTime``'s ``metric`` names them."""

Selected = Sequence[tuple[float, str, Segment, Bucket]]


@dataclasses.dataclass(frozen=True)
class Query:
    """What a monitoring read asks for.

    Attributes:
        deployment_id: The deployment.
        period: The whole hours asked for.
        models: The models asked for (None: every model that served the deployment).
        segment: The segment filter (see ``MonitoringData.select``), or None.
        segment_attribute: The attribute to echo in the reply.
        segment_value: The value to echo in the reply.
    """

    deployment_id: str
    period: Period
    models: list[str] | None = None
    segment: tuple[int, str] | None = None
    segment_attribute: str | None = None
    segment_value: str | None = None

    def select(self, data: MonitoringData, period: Period | None = None) -> Selected:
        """The buckets this query reads (in ``period``, by default its own)."""
        within = period or self.period
        return list(
            data.select(self.deployment_id, within.start, within.end, self.models, self.segment)
        )

    def echo(self) -> dict[str, Any]:
        """The segment keys every reply carries (the official client takes a null
        ``segmentValue`` but refuses a null ``segmentAttribute``: it is left out)."""
        echoed: dict[str, Any] = {"segmentValue": self.segment_value}
        if self.segment_attribute is not None:
            echoed["segmentAttribute"] = self.segment_attribute
        return echoed


def service_metrics(
    selected: Selected,
    *,
    execution_quantile: float = 0.5,
    response_quantile: float = 0.5,
    slow_ms: float = 1000.0,
) -> dict[str, Any]:
    """Every service stat of the selected buckets (times in ms, loads in requests/minute)."""
    requests = sum(b.requests for *_, b in selected)
    responses = [ms for *_, b in selected for ms in b.response_ms]
    executions = [ms for *_, b in selected for ms in b.execution_ms]
    per_hour: dict[float, int] = {}
    for hour, _, _, bucket in selected:
        per_hour[hour] = per_hour.get(hour, 0) + bucket.requests
    loads = [count / 60 for count in per_hour.values() if count]
    response_time = quantile(responses, response_quantile)
    execution_time = quantile(executions, execution_quantile)
    return {
        "totalPredictions": sum(b.predictions for *_, b in selected),
        "totalRequests": requests,
        "slowRequests": sum(ms > slow_ms for ms in responses),
        "executionTime": None if execution_time is None else round(execution_time, 3),
        "responseTime": None if response_time is None else round(response_time, 3),
        "userErrorRate": round(sum(b.user_errors for *_, b in selected) / requests, 6)
        if requests
        else 0.0,
        "serverErrorRate": round(sum(b.server_errors for *_, b in selected) / requests, 6)
        if requests
        else 0.0,
        "numConsumers": len({seg[0] for _, _, seg, b in selected if b.requests}),
        "cacheHitRatio": 1.0 if requests else 0.0,
        "medianLoad": round(statistics.median(loads), 4) if loads else 0.0,
        "peakLoad": round(max(loads), 4) if loads else 0.0,
    }


def service_stats(
    data: MonitoringData,
    query: Query,
    *,
    execution_quantile: float,
    response_quantile: float,
    slow_ms: float,
) -> dict[str, Any]:
    """``GET deployments/{id}/serviceStats/``: every metric over the period."""
    metrics = service_metrics(
        query.select(data),
        execution_quantile=execution_quantile,
        response_quantile=response_quantile,
        slow_ms=slow_ms,
    )
    model_id = query.models[0] if query.models else None
    return {
        "period": query.period.to_json(),
        "modelId": model_id,
        "metrics": metrics,
        **query.echo(),
    }


def service_stats_over_time(
    data: MonitoringData,
    query: Query,
    *,
    metric: str,
    bucket_size: float,
    quantile_share: float,
    threshold_ms: float,
) -> dict[str, Any]:
    """``GET deployments/{id}/serviceStatsOverTime/``: one metric per bucket and model.

    Without ``modelId`` there is one series for the whole deployment (``modelId`` null).
    """
    options = {
        "execution_quantile": quantile_share,
        "response_quantile": quantile_share,
        "slow_ms": threshold_ms,
    }

    def value(selected: Selected) -> Any:
        return service_metrics(selected, **options)[metric]

    series: list[str | None] = [None] if not query.models else list(query.models)
    buckets = []
    for model_id in series:
        one = dataclasses.replace(query, models=None if model_id is None else [model_id])
        for slot in query.period.slots(bucket_size):
            selected = one.select(data, slot)
            buckets.append(
                {"period": slot.to_json(), "value": value(selected), "modelId": model_id}
            )
    summary = {"period": query.period.to_json(), "value": value(query.select(data))}
    return {
        "metric": metric,
        "modelId": series[0],
        "buckets": buckets,
        "summary": summary,
        **query.echo(),
    }


def _percentiles(bucket: Bucket, scorer: Scorer) -> list[dict[str, float]]:
    # read from the target bins: exact at bin edges, linear within a bin
    counts = bucket.target_bins
    total = sum(counts)
    if not total or scorer.target_type == "Multiclass":
        return []
    edges = list(scorer.edges)
    width = edges[1] - edges[0]
    bounds = [edges[0] - width, *edges, edges[-1] + width]
    if scorer.target_type == "Binary":
        bounds[0], bounds[-1] = 0.0, 1.0
    found = []
    for percent in (10, 25, 50, 75, 90):
        wanted = total * percent / 100
        seen = 0
        for index, count in enumerate(counts):
            if count and seen + count >= wanted:
                share = (wanted - seen) / count
                low, high = bounds[index], bounds[index + 1]
                found.append({"percent": percent, "value": round(low + share * (high - low), 6)})
                break
            seen += count
    return found


def prediction_stats(
    buckets: Sequence[Bucket],
    scorer: Scorer,
    classes: Sequence[str] | None = None,
    percentiles: bool = False,
) -> dict[str, Any]:
    """Row count, mean prediction, class shares (and percentiles) of some buckets."""
    merged = Bucket()
    for bucket in buckets:
        merged.predictions += bucket.predictions
        merged.score_sum += bucket.score_sum
        merged.add_target(bucket.target_bins)
        for name, count in bucket.class_counts.items():
            merged.class_counts[name] = merged.class_counts.get(name, 0) + count
        for name, total in bucket.probability_sums.items():
            merged.probability_sums[name] = merged.probability_sums.get(name, 0.0) + total
    rows = merged.predictions
    stats: dict[str, Any] = {
        "rowCount": rows,
        "meanPredictedValue": None,
        "percentiles": [],
        "meanProbabilities": [],
        "classDistribution": [],
    }
    if not rows:
        return stats
    if scorer.target_type != "Multiclass":
        stats["meanPredictedValue"] = round(merged.score_sum / rows, 6)
    if scorer.target_type != "Regression":
        wanted: Callable[[str], bool] = lambda name: not classes or name in classes  # noqa: E731
        stats["meanProbabilities"] = [
            {"className": name, "value": round(merged.probability_sums.get(name, 0.0) / rows, 6)}
            for name in scorer.classes
            if wanted(name)
        ]
        stats["classDistribution"] = [
            {
                "className": name,
                "count": merged.class_counts.get(name, 0),
                "percent": round(100 * merged.class_counts.get(name, 0) / rows, 4),
            }
            for name in scorer.classes
            if wanted(name)
        ]
    if percentiles:
        stats["percentiles"] = _percentiles(merged, scorer)
    return stats


def predictions_over_time(
    data: MonitoringData,
    query: Query,
    scorers: Sequence[tuple[str, Scorer]],
    *,
    bucket_size: float,
    classes: Sequence[str] | None,
    percentiles: bool,
) -> dict[str, Any]:
    """``GET deployments/{id}/predictionsOverTime/``: exactly ``baselines`` and ``buckets``
    (the official client refuses any other key)."""
    baselines, buckets = [], []
    for model_id, scorer in scorers:
        baseline = prediction_stats([training_bucket(scorer)], scorer, classes, percentiles)
        baselines.append({"modelId": model_id, **baseline})
        one = dataclasses.replace(query, models=[model_id])
        for slot in query.period.slots(bucket_size):
            selected = [b for *_, b in one.select(data, slot)]
            stats = prediction_stats(selected, scorer, classes, percentiles)
            buckets.append({"period": slot.to_json(), "modelId": model_id, **stats})
    return {"baselines": baselines, "buckets": buckets}

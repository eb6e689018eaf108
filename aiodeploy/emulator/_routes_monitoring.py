"""Monitoring reads: service stats, predictions, drift, accuracy, over a period.

Each reads the query DataRobot documents (``start``/``end`` rounded out to whole hours,
``modelId`` repeatable, ``segmentAttribute``/``segmentValue``, ...), answers 400 to any
other parameter, 404 to an unknown deployment or model, and computes its reply from the
recorded traffic. Without ``modelId``, service stats cover every model that served the
deployment; the other reads cover its current model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ._errors import not_found
from ._http import deployment_or_404, json_reply, state_of
from ._metrics import ACCURACY_METRICS, DRIFT_METRICS
from ._monitoring_data import MonitoringData
from ._monitoring_quality import (
    accuracy,
    accuracy_over_time,
    feature_drift_scores,
    predictions_vs_actuals_over_time,
    target_drift,
)
from ._monitoring_service import (
    SERVICE_METRICS,
    Query,
    predictions_over_time,
    service_stats,
    service_stats_over_time,
)
from ._paging import Paging
from ._params import QueryReader
from ._records import DeploymentRecord
from ._state import EmulatorState
from ._state_monitoring import ScorerTriple
from ._windows import read_bucket_size, read_models, read_period, read_segment

__all__ = ["add_monitoring_routes"]

_COMMON = ("start", "end", "modelId", "segmentAttribute", "segmentValue", "batchId")
_FEATURE_PAGES = Paging(default_limit=25, max_limit=100)


class _Read:
    """The parts of a monitoring read every route shares."""

    def __init__(self, request: web.Request, *extra: str, every_model: bool = False) -> None:
        self.state: EmulatorState = state_of(request)
        self.record: DeploymentRecord = deployment_or_404(request)
        self.reader = QueryReader(request.query, (*_COMMON, *extra))
        period = read_period(self.reader, self.state.monitoring.now())
        asked = read_models(self.reader)
        segment, attribute, value = read_segment(self.reader)
        models = asked if asked or every_model else [self.record.model_id]
        self.query = Query(self.record.id, period, models, segment, attribute, value)

    def share(self, name: str, default: float) -> float:
        """A quantile in ``(0, 1]``."""
        value = self.reader.number(name)
        if value is not None and not 0 < value <= 1:
            self.reader.errors[name] = "value must be greater than 0 and at most 1"
        return default if value is None else value

    def choice(self, name: str, choices: Any, default: str | None) -> str | None:
        """One of ``choices``."""
        value = self.reader.text(name)
        if value is not None and value not in choices:
            self.reader.errors[name] = f"value must be one of {', '.join(choices)}"
        return default if value is None else value

    def scorers(self) -> list[ScorerTriple]:
        """Check the query (400) and return its models' scorers (404 if one is unknown)."""
        self.reader.check()
        found = self.state.monitoring.scorers(self.query.models or [self.record.model_id])
        if found is None:
            raise not_found("Model not found.")
        return found

    @property
    def data(self) -> MonitoringData:
        """The monitoring data read."""
        return self.state.monitoring.data


async def get_service_stats(request: web.Request) -> web.Response:
    """``GET deployments/{id}/serviceStats/``."""
    read = _Read(
        request, "executionTimeQuantile", "responseTimeQuantile", "slowRequestsThreshold",
        every_model=True,
    )  # fmt: skip
    execution = read.share("executionTimeQuantile", 0.5)
    response = read.share("responseTimeQuantile", 0.5)
    slow = read.reader.number("slowRequestsThreshold")
    read.scorers()
    return json_reply(
        service_stats(
            read.data,
            read.query,
            execution_quantile=execution,
            response_quantile=response,
            slow_ms=1000.0 if slow is None else slow,
        )
    )


async def get_service_stats_over_time(request: web.Request) -> web.Response:
    """``GET deployments/{id}/serviceStatsOverTime/``."""
    read = _Read(request, "metric", "bucketSize", "quantile", "threshold", every_model=True)
    metric = read.choice("metric", SERVICE_METRICS, "totalPredictions")
    size = read_bucket_size(read.reader, read.query.period)
    share = read.share("quantile", 0.5)
    threshold = read.reader.number("threshold")
    read.scorers()
    return json_reply(
        service_stats_over_time(
            read.data,
            read.query,
            metric=str(metric),
            bucket_size=size,
            quantile_share=share,
            threshold_ms=1000.0 if threshold is None else threshold,
        )
    )


async def get_predictions_over_time(request: web.Request) -> web.Response:
    """``GET deployments/{id}/predictionsOverTime/``."""
    read = _Read(request, "bucketSize", "targetClass", "includePercentiles")
    size = read_bucket_size(read.reader, read.query.period)
    classes = read_models(read.reader, "targetClass")
    percentiles = bool(read.reader.boolean("includePercentiles"))
    scorers = [(model_id, scorer) for model_id, scorer, _ in read.scorers()]
    return json_reply(
        predictions_over_time(
            read.data,
            read.query,
            scorers,
            bucket_size=size,
            classes=classes,
            percentiles=percentiles,
        )
    )


async def get_target_drift(request: web.Request) -> web.Response:
    """``GET deployments/{id}/targetDrift/`` (one model)."""
    read = _Read(request, "metric")
    metric = str(read.choice("metric", tuple(DRIFT_METRICS), "psi"))
    model_id, scorer, _ = read.scorers()[0]
    query = dataclasses.replace(read.query, models=[model_id])
    return json_reply(target_drift(read.data, query, scorer, metric))


async def get_feature_drift(request: web.Request) -> web.Response:
    """``GET deployments/{id}/featureDrift/``: a page of features, most impactful first."""
    read = _Read(request, "metric", "offset", "limit")
    metric = str(read.choice("metric", tuple(DRIFT_METRICS), "psi"))
    window = _FEATURE_PAGES.read(read.reader)
    model_id, scorer, _ = read.scorers()[0]
    query = dataclasses.replace(read.query, models=[model_id])
    scores = feature_drift_scores(read.data, query, scorer, metric)
    page = _FEATURE_PAGES.envelope(
        request.url,
        scores,
        window,
        lambda f: {
            "name": f.name, "driftScore": f.score, "featureImpact": f.impact,
            "sampleSize": f.sample_size, "baselineSampleSize": f.baseline_size,
        },
    )  # fmt: skip
    head = {"period": query.period.to_json(), "metric": metric, "modelId": model_id}
    return json_reply({**head, **page, **query.echo()})


def _metric_names(triples: list[ScorerTriple]) -> tuple[str, ...]:
    return tuple(ACCURACY_METRICS.get(triples[0][1].target_type, {}))


async def get_accuracy(request: web.Request) -> web.Response:
    """``GET deployments/{id}/accuracy/``."""
    read = _Read(request, "targetClass", "metric", "baselineModelId")
    metric = read.reader.text("metric")
    baseline_id = read.reader.text("baselineModelId")
    if len(read.query.models or ()) > 1 and metric is None:
        read.reader.errors["metric"] = "metric is required with more than one modelId"
    triples = read.scorers()
    if metric is not None and metric not in _metric_names(triples):
        read.reader.errors["metric"] = f"value must be one of {', '.join(_metric_names(triples))}"
    baseline = None if baseline_id is None else read.state.monitoring.scorers([baseline_id])
    if baseline_id is not None and baseline is None:
        raise not_found("Model not found.")
    read.reader.check()
    return json_reply(
        accuracy(
            read.data,
            read.query,
            triples,
            metric=metric,
            baseline_model=None if baseline is None else baseline[0],
        )
    )


async def get_accuracy_over_time(request: web.Request) -> web.Response:
    """``GET deployments/{id}/accuracyOverTime/``."""
    read = _Read(request, "metric", "bucketSize", "targetClass")
    asked = read.reader.text("metric")
    size = read_bucket_size(read.reader, read.query.period)
    triples = read.scorers()
    names = _metric_names(triples)
    default = triples[0][1].project.metric
    metric = asked or (default if default in names else names[0])
    if metric not in names:
        read.reader.errors["metric"] = f"value must be one of {', '.join(names)}"
        read.reader.check()
    return json_reply(
        accuracy_over_time(read.data, read.query, triples, metric=metric, bucket_size=size)
    )


async def get_predictions_vs_actuals(request: web.Request) -> web.Response:
    """``GET deployments/{id}/predictionsVsActualsOverTime/``."""
    read = _Read(request, "bucketSize", "targetClass")
    size = read_bucket_size(read.reader, read.query.period)
    classes = read_models(read.reader, "targetClass")
    triples = read.scorers()
    return json_reply(
        predictions_vs_actuals_over_time(
            read.data, read.query, triples, bucket_size=size, classes=classes
        )
    )


_ROUTES: tuple[tuple[str, Callable[[web.Request], Any]], ...] = (
    ("serviceStats", get_service_stats),
    ("serviceStatsOverTime", get_service_stats_over_time),
    ("predictionsOverTime", get_predictions_over_time),
    ("targetDrift", get_target_drift),
    ("featureDrift", get_feature_drift),
    ("accuracy", get_accuracy),
    ("accuracyOverTime", get_accuracy_over_time),
    ("predictionsVsActualsOverTime", get_predictions_vs_actuals),
)


def add_monitoring_routes(router: web.UrlDispatcher) -> None:
    """Register the monitoring reads under ``/api/v2/deployments/{id}/``."""
    for name, handler in _ROUTES:
        router.add_get(f"/api/v2/deployments/{{deployment_id}}/{name}/", handler)

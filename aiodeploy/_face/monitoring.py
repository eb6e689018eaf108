"""Public methods: service health, predictions and drift over a period.

Names and arguments are the official client's (``Deployment.get_service_stats`` ...), the
deployment coming first. Periods are whole hours on DataRobot: ``start_time`` is rounded
down and ``end_time`` up before sending (naive datetimes are UTC); by default a period is
the seven days before the next top of the hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .._api import monitoring
from .._models_monitoring import (
    FeatureDrift,
    PredictionsOverTime,
    ServiceStats,
    ServiceStatsOverTime,
    TargetDrift,
)
from .._monitoring_args import bucket_param, checked_models, hour_window, share
from .._wire import DeploymentRef, check_id, deployment_id
from ._base import Face

__all__ = ["MonitoringMethods", "query"]

_DRIFT_METRICS = ("psi", "kl_divergence", "dissimilarity", "hellinger", "js_divergence")


def query(
    start_time: dt.datetime | None,
    end_time: dt.datetime | None,
    segment_attribute: str | None,
    segment_value: str | None,
    **more: Any,
) -> dict[str, Any]:
    """The query of a monitoring read: the period rounded to hours, then every parameter
    given (None values left out).

    Raises:
        TypeError, ValueError: a bad time or period.
    """
    params: dict[str, Any] = hour_window(start_time, end_time)
    given = {"segmentAttribute": segment_attribute, "segmentValue": segment_value, **more}
    params.update({key: value for key, value in given.items() if value is not None})
    return params


def _drift_metric(metric: str | None) -> str | None:
    if metric is not None and metric not in _DRIFT_METRICS:
        raise ValueError(f"metric must be one of {', '.join(_DRIFT_METRICS)}, got {metric!r}")
    return metric


class MonitoringMethods(Face):
    """Reads of a deployment's service health, predictions and drift."""

    async def get_service_stats(
        self,
        deployment: DeploymentRef,
        *,
        model_id: str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        execution_time_quantile: float | None = None,
        response_time_quantile: float | None = None,
        slow_requests_threshold: float | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> ServiceStats:
        """Service health over a period: predictions, requests, errors, response times.

        Sends ``GET deployments/{id}/serviceStats/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_id: only this model's traffic (default: the deployment's, every model).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            execution_time_quantile: quantile of ``execution_time`` (0-1; server: 0.5).
            response_time_quantile: quantile of ``response_time`` (0-1; server: 0.5).
            slow_requests_threshold: milliseconds above which a request is slow (1000).
            segment_attribute: ``DataRobot-Consumer``, ``DataRobot-Remote-IP`` or
                ``DataRobot-Host-IP``.
            segment_value: the value of ``segment_attribute`` to keep.

        Returns:
            :class:`ServiceStats`; e.g. ``stats.metrics.total_predictions``.

        Raises:
            ValueError, TypeError: a malformed id, time, period or quantile (before any
                request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = query(
            start_time, end_time, segment_attribute, segment_value,
            modelId=None if model_id is None else check_id(model_id, "model id"),
            executionTimeQuantile=share(execution_time_quantile, "execution_time_quantile"),
            responseTimeQuantile=share(response_time_quantile, "response_time_quantile"),
            slowRequestsThreshold=slow_requests_threshold,
        )  # fmt: skip
        return await monitoring.get_service_stats(self._session, deployment_id(deployment), params)

    async def get_service_stats_over_time(
        self,
        deployment: DeploymentRef,
        *,
        metric: str | None = None,
        model_id: str | Sequence[str] | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        bucket_size: str | dt.timedelta | None = None,
        quantile: float | None = None,
        threshold: int | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> ServiceStatsOverTime:
        """One service stat, bucket by bucket (per model when several are given).

        Sends ``GET deployments/{id}/serviceStatsOverTime/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            metric: e.g. ``totalPredictions`` (the server's default), ``responseTime``,
                ``serverErrorRate``: the names of :class:`ServiceStatsMetrics` in camelCase.
            model_id: a model id, or several (default: the deployment's whole traffic).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            bucket_size: ``PT1H``, ``P1D``, ``P7D`` ... or a timedelta of whole hours.
            quantile: for ``executionTime``/``responseTime`` (0-1).
            threshold: milliseconds for ``slowRequests``.
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.

        Returns:
            :class:`ServiceStatsOverTime` (``buckets``, ``summary``).

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            BadRequestError: the server refused a parameter (an unknown metric, say).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = query(
            start_time, end_time, segment_attribute, segment_value, metric=metric,
            modelId=checked_models(model_id), bucketSize=bucket_param(bucket_size),
            quantile=share(quantile, "quantile"), threshold=threshold,
        )  # fmt: skip
        dep = deployment_id(deployment)
        return await monitoring.get_service_stats_over_time(self._session, dep, params)

    async def get_predictions_over_time(
        self,
        deployment: DeploymentRef,
        *,
        model_ids: Sequence[str] | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        bucket_size: str | dt.timedelta | None = None,
        target_classes: Sequence[str] | None = None,
        include_percentiles: bool = False,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> PredictionsOverTime:
        """The deployment's predictions, bucket by bucket, beside each model's baseline.

        Sends ``GET deployments/{id}/predictionsOverTime/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_ids: the models to read (default: the current one).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            bucket_size: ``PT1H``, ``P1D``, ... or a timedelta of whole hours.
            target_classes: classes to keep (multiclass).
            include_percentiles: add percentiles (binary and regression).
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.

        Returns:
            :class:`PredictionsOverTime` (``baselines``, ``buckets``).

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = query(
            start_time, end_time, segment_attribute, segment_value,
            modelId=_ids(model_ids), bucketSize=bucket_param(bucket_size),
            targetClass=None if target_classes is None else list(target_classes),
            includePercentiles="true" if include_percentiles else None,
        )  # fmt: skip
        dep = deployment_id(deployment)
        return await monitoring.get_predictions_over_time(self._session, dep, params)

    async def get_target_drift(
        self,
        deployment: DeploymentRef,
        *,
        model_id: str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        metric: str | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> TargetDrift:
        """How far the predictions moved from the model's training baseline.

        Sends ``GET deployments/{id}/targetDrift/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_id: the model (default: the current one).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            metric: ``psi`` (the server's default), ``kl_divergence``, ``dissimilarity``,
                ``hellinger`` or ``js_divergence``.
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.

        Returns:
            :class:`TargetDrift` (``drift_score`` is None without predictions).

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = query(
            start_time, end_time, segment_attribute, segment_value,
            modelId=None if model_id is None else check_id(model_id, "model id"),
            metric=_drift_metric(metric),
        )  # fmt: skip
        return await monitoring.get_target_drift(self._session, deployment_id(deployment), params)

    async def get_feature_drift(
        self,
        deployment: DeploymentRef,
        *,
        model_id: str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        metric: str | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> list[FeatureDrift]:
        """How far each feature moved from the training data, most impactful first.

        Sends ``GET deployments/{id}/featureDrift/`` and follows its ``next`` pages.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_id: the model (default: the current one).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            metric: as for :meth:`get_target_drift`.
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.

        Returns:
            One :class:`FeatureDrift` per tracked feature.

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = query(
            start_time, end_time, segment_attribute, segment_value,
            modelId=None if model_id is None else check_id(model_id, "model id"),
            metric=_drift_metric(metric),
        )  # fmt: skip
        return await monitoring.get_feature_drift(self._session, deployment_id(deployment), params)


def _ids(values: Sequence[str] | None) -> list[str] | None:
    if isinstance(values, str):
        raise TypeError("model_ids must be a list of ids, not a string")
    return checked_models(values)

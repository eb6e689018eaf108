"""Public methods: accuracy from actuals, submitting actuals, deleting monitoring data.

Names and arguments are the official client's, the deployment coming first; periods are
rounded out to whole hours before sending (see :mod:`aiodeploy._face.monitoring`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import anyio

from .._api import deployments, monitoring
from .._models_monitoring import Accuracy, AccuracyOverTime, PredictionsVsActualsOverTime
from .._monitoring_args import (
    MAX_ACTUALS_PER_REQUEST,
    actuals_payload,
    bucket_param,
    checked_models,
    hour_window,
    read_actuals,
)
from .._wire import DeploymentRef, check_id, deployment_id
from ._base import Face
from .monitoring import query

__all__ = ["AccuracyMethods"]


def _classes(target_classes: Sequence[str] | None) -> list[str] | None:
    if isinstance(target_classes, str):
        raise TypeError("target_classes must be a list of class names, not a string")
    return None if target_classes is None else list(target_classes)


class AccuracyMethods(Face):
    """Accuracy reads, actuals, and deleting monitoring data."""

    async def get_accuracy(
        self,
        deployment: DeploymentRef,
        *,
        model_id: str | Sequence[str] | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        target_classes: Sequence[str] | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
        metric: str | None = None,
        baseline_model_id: str | None = None,
    ) -> Accuracy:
        """Accuracy metrics over a period, from the actuals joined to the predictions.

        Sends ``GET deployments/{id}/accuracy/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_id: a model id, or several (then ``metric`` is required; default: the
                current model).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            target_classes: classes to keep (multiclass).
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.
            metric: only this metric (e.g. ``LogLoss``, ``AUC``, ``RMSE``).
            baseline_model_id: compare with this model's value rather than the baseline.

        Returns:
            :class:`Accuracy`; ``accuracy.value("LogLoss")`` reads one metric (None
            without actuals).

        Raises:
            ValueError, TypeError: a malformed argument, or several models without a
                ``metric`` (before any request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        models = checked_models(model_id)
        if models is not None and len(models) > 1 and metric is None:
            raise ValueError("give a metric when asking for several models")
        params = query(
            start_time, end_time, segment_attribute, segment_value, modelId=models,
            targetClass=_classes(target_classes), metric=metric,
            baselineModelId=None
            if baseline_model_id is None
            else check_id(baseline_model_id, "baseline model id"),
        )  # fmt: skip
        return await monitoring.get_accuracy(self._session, deployment_id(deployment), params)

    async def get_accuracy_over_time(
        self,
        deployment: DeploymentRef,
        *,
        metric: str | None = None,
        model_id: str | Sequence[str] | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        bucket_size: str | dt.timedelta | None = None,
        target_classes: Sequence[str] | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> AccuracyOverTime:
        """One accuracy metric, bucket by bucket, beside each model's baseline.

        Sends ``GET deployments/{id}/accuracyOverTime/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            metric: e.g. ``LogLoss`` (default: the project's metric).
            model_id: a model id, or several (default: the current model).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            bucket_size: ``PT1H``, ``P1D``, ... or a timedelta of whole hours.
            target_classes: classes to keep (multiclass).
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.

        Returns:
            :class:`AccuracyOverTime` (``buckets``, ``baselines``, ``summary``).

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            BadRequestError: a metric the deployment's target type has not.
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = query(
            start_time, end_time, segment_attribute, segment_value, metric=metric,
            modelId=checked_models(model_id), bucketSize=bucket_param(bucket_size),
            targetClass=_classes(target_classes),
        )  # fmt: skip
        dep = deployment_id(deployment)
        return await monitoring.get_accuracy_over_time(self._session, dep, params)

    async def get_predictions_vs_actuals_over_time(
        self,
        deployment: DeploymentRef,
        *,
        model_ids: Sequence[str] | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        bucket_size: str | dt.timedelta | None = None,
        target_classes: Sequence[str] | None = None,
        segment_attribute: str | None = None,
        segment_value: str | None = None,
    ) -> PredictionsVsActualsOverTime:
        """Predictions against actuals, bucket by bucket.

        Sends ``GET deployments/{id}/predictionsVsActualsOverTime/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_ids: the models to read (default: the current one).
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            bucket_size: ``PT1H``, ``P1D``, ... or a timedelta of whole hours.
            target_classes: classes to keep (multiclass).
            segment_attribute: as for :meth:`get_service_stats`.
            segment_value: as for :meth:`get_service_stats`.

        Returns:
            :class:`PredictionsVsActualsOverTime` (``summary``, ``baselines``, ``buckets``).

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        if isinstance(model_ids, str):
            raise TypeError("model_ids must be a list of ids, not a string")
        params = query(
            start_time, end_time, segment_attribute, segment_value,
            modelId=checked_models(model_ids), bucketSize=bucket_param(bucket_size),
            targetClass=_classes(target_classes),
        )  # fmt: skip
        dep = deployment_id(deployment)
        return await monitoring.get_predictions_vs_actuals_over_time(self._session, dep, params)

    async def submit_actuals(
        self,
        deployment: DeploymentRef,
        actuals: Iterable[Mapping[str, Any]] | str | os.PathLike[str],
        *,
        batch_size: int = MAX_ACTUALS_PER_REQUEST,
        max_wait: float | None = None,
    ) -> None:
        """Submit actuals (the true outcomes of predictions) and wait until they count.

        Every actual is checked before the first request. Sends ``POST
        deployments/{id}/actuals/fromJSON/`` per batch and waits for each job (polls of
        ``status/{id}/``). A CSV file's values are text; for a regression deployment
        (read first with ``GET deployments/{id}/``) numeric text is sent as numbers.

        Args:
            deployment: its id, or a :class:`Deployment`.
            actuals: mappings with ``association_id`` and ``actual_value`` (optionally
                ``was_acted_on``: a bool, or ``true``/``false`` in any case; and
                ``timestamp``), or the path of a UTF-8 CSV file with those columns.
            batch_size: actuals per request (1-10000).
            max_wait: seconds for the whole call, every batch's job included (default:
                the client's ``max_wait``).

        Raises:
            ValueError, TypeError: no actuals, one without an association id or value, a
                ``was_acted_on`` that is not true or false, a file that is not UTF-8 CSV or
                has a row with more cells than its header (named by file and line), a bad
                ``batch_size`` or ``max_wait`` (before any request).
            OSError: the file cannot be read.
            UnprocessableEntityError: the server refused an actual.
            AsyncTimeoutError: ``max_wait`` passed first (the batches sent may still count).
            AsyncProcessUnsuccessfulError: a job failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(f"batch_size must be an int, got {batch_size!r}")
        if not 1 <= batch_size <= MAX_ACTUALS_PER_REQUEST:
            raise ValueError(f"batch_size must be 1-{MAX_ACTUALS_PER_REQUEST}, got {batch_size}")
        dep = deployment_id(deployment)
        from_file = isinstance(actuals, (str, os.PathLike))
        if isinstance(actuals, (str, os.PathLike)):
            items = actuals_payload(await anyio.to_thread.run_sync(read_actuals, actuals))
        else:
            items = actuals_payload(actuals)
        if from_file:
            found = await deployments.get_deployment(self._session, dep, deadline=deadline)
            if found.model is not None and found.model.target_type == "Regression":
                items = [{**item, "actualValue": _number(item["actualValue"])} for item in items]
        await monitoring.submit_actuals(
            self._session, dep, items, batch_size=batch_size, deadline=deadline
        )

    async def delete_monitoring_data(
        self,
        deployment: DeploymentRef,
        model_id: str,
        *,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        max_wait: float | None = None,
    ) -> None:
        """Delete a model's monitoring data (all of it, or a period's) and wait.

        Sends ``POST deployments/{id}/monitoringDataDeletions/`` and waits for its job.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_id: the model whose data goes.
            start_time: start of the period (rounded down to the hour).
            end_time: end of the period (rounded up to the hour).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            NotFoundError: no such deployment or model.
            AsyncTimeoutError: ``max_wait`` passed first (the deletion may still happen).
            AsyncProcessUnsuccessfulError: the job failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        payload = {"modelId": check_id(model_id, "model id"), **hour_window(start_time, end_time)}
        await monitoring.delete_monitoring_data(
            self._session, deployment_id(deployment), payload, deadline
        )


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value

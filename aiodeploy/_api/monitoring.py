"""Monitoring: service stats, predictions, drift and accuracy reads; actuals and deletions.

Like every resource module, its functions take arguments the face already checked; query
parameters come built (see :mod:`aiodeploy._monitoring_args`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from .._deadline import Deadline
from .._models_monitoring import (
    Accuracy,
    AccuracyOverTime,
    FeatureDrift,
    Period,
    PredictionsOverTime,
    PredictionsVsActualsOverTime,
    ServiceStats,
    ServiceStatsOverTime,
    TargetDrift,
)
from .._session import Session, new_page
from .._transport import QueryParams

__all__ = [
    "delete_monitoring_data",
    "get_accuracy",
    "get_accuracy_over_time",
    "get_feature_drift",
    "get_predictions_over_time",
    "get_predictions_vs_actuals_over_time",
    "get_service_stats",
    "get_service_stats_over_time",
    "get_target_drift",
    "submit_actuals",
]


class _FeatureDriftPage(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    data: list[FeatureDrift]
    period: Period | None = None
    metric: str | None = None
    model_id: str | None = None
    next: str | None = None


_service_stats = msgspec.json.Decoder(ServiceStats)
_service_over_time = msgspec.json.Decoder(ServiceStatsOverTime)
_predictions_over_time = msgspec.json.Decoder(PredictionsOverTime)
_target_drift = msgspec.json.Decoder(TargetDrift)
_feature_drift = msgspec.json.Decoder(_FeatureDriftPage)
_accuracy = msgspec.json.Decoder(Accuracy)
_accuracy_over_time = msgspec.json.Decoder(AccuracyOverTime)
_versus = msgspec.json.Decoder(PredictionsVsActualsOverTime)


def _path(dep_id: str, route: str) -> str:
    return f"deployments/{dep_id}/{route}/"


async def get_service_stats(session: Session, dep_id: str, params: QueryParams) -> ServiceStats:
    """``GET deployments/{id}/serviceStats/``."""
    return await session.get(_path(dep_id, "serviceStats"), _service_stats, params)


async def get_service_stats_over_time(
    session: Session, dep_id: str, params: QueryParams
) -> ServiceStatsOverTime:
    """``GET deployments/{id}/serviceStatsOverTime/``."""
    return await session.get(_path(dep_id, "serviceStatsOverTime"), _service_over_time, params)


async def get_predictions_over_time(
    session: Session, dep_id: str, params: QueryParams
) -> PredictionsOverTime:
    """``GET deployments/{id}/predictionsOverTime/``."""
    return await session.get(_path(dep_id, "predictionsOverTime"), _predictions_over_time, params)


async def get_target_drift(session: Session, dep_id: str, params: QueryParams) -> TargetDrift:
    """``GET deployments/{id}/targetDrift/``."""
    return await session.get(_path(dep_id, "targetDrift"), _target_drift, params)


async def get_feature_drift(
    session: Session, dep_id: str, params: QueryParams
) -> list[FeatureDrift]:
    """``GET deployments/{id}/featureDrift/`` and its ``next`` pages; each feature gets
    the page's period, metric and model."""
    page = await session.get(_path(dep_id, "featureDrift"), _feature_drift, params)
    features: list[FeatureDrift] = []
    followed: set[str] = set()
    while True:
        features.extend(
            msgspec.structs.replace(
                f, period=page.period, metric=page.metric, model_id=page.model_id
            )
            for f in page.data
        )
        if not page.next:
            return features
        page = await session.get(new_page(page.next, followed), _feature_drift)


async def get_accuracy(session: Session, dep_id: str, params: QueryParams) -> Accuracy:
    """``GET deployments/{id}/accuracy/``."""
    return await session.get(_path(dep_id, "accuracy"), _accuracy, params)


async def get_accuracy_over_time(
    session: Session, dep_id: str, params: QueryParams
) -> AccuracyOverTime:
    """``GET deployments/{id}/accuracyOverTime/``."""
    return await session.get(_path(dep_id, "accuracyOverTime"), _accuracy_over_time, params)


async def get_predictions_vs_actuals_over_time(
    session: Session, dep_id: str, params: QueryParams
) -> PredictionsVsActualsOverTime:
    """``GET deployments/{id}/predictionsVsActualsOverTime/``."""
    return await session.get(_path(dep_id, "predictionsVsActualsOverTime"), _versus, params)


async def submit_actuals(
    session: Session,
    dep_id: str,
    items: Sequence[Mapping[str, Any]],
    *,
    batch_size: int,
    deadline: Deadline,
) -> None:
    """``POST deployments/{id}/actuals/fromJSON/`` per batch, each 202 → its job waited for
    (in order: a later batch may correct an earlier one)."""
    for start in range(0, len(items), batch_size):
        body = {"data": list(items[start : start + batch_size])}
        status_url = await session.submit_job(
            "POST", _path(dep_id, "actuals/fromJSON"), body, deadline=deadline
        )
        await session.wait_job(status_url, deadline=deadline, kind="actuals")


async def delete_monitoring_data(
    session: Session, dep_id: str, payload: Mapping[str, str], deadline: Deadline
) -> None:
    """``POST deployments/{id}/monitoringDataDeletions/`` → 202 → the job."""
    status_url = await session.submit_job(
        "POST", _path(dep_id, "monitoringDataDeletions"), dict(payload), deadline=deadline
    )
    await session.wait_job(status_url, deadline=deadline, kind="monitoring-deletion")

"""Typed replies of the monitoring reads and the prediction API.

Like every wire object: camelCase on the wire, snake_case in Python, unknown fields
ignored, a default on every optional field, datetimes aware (UTC).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = [
    "Accuracy",
    "AccuracyMetric",
    "AccuracyOverTime",
    "AccuracyOverTimeBucket",
    "ClassCount",
    "ClassProbability",
    "FeatureDrift",
    "Percentile",
    "Period",
    "Prediction",
    "PredictionValue",
    "PredictionsOverTime",
    "PredictionsOverTimeBucket",
    "PredictionsVsActualsBucket",
    "PredictionsVsActualsOverTime",
    "PredictionsVsActualsSummary",
    "ServiceStats",
    "ServiceStatsBucket",
    "ServiceStatsMetrics",
    "ServiceStatsOverTime",
    "TargetDrift",
]


class _Base(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """Base of every wire object."""


class Period(_Base, frozen=True, kw_only=True):
    """A monitoring period: whole hours, ``[start, end)``, aware UTC datetimes."""

    start: datetime | None = None
    end: datetime | None = None


class ServiceStatsMetrics(_Base, frozen=True, kw_only=True):
    """Service health figures over a period (times in ms, loads in requests/minute)."""

    total_predictions: int = 0
    total_requests: int = 0
    slow_requests: int = 0
    execution_time: float | None = None
    response_time: float | None = None
    user_error_rate: float = 0.0
    server_error_rate: float = 0.0
    num_consumers: int = 0
    cache_hit_ratio: float = 0.0
    median_load: float = 0.0
    peak_load: float = 0.0


class ServiceStats(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/serviceStats/``: service health over a period.

    Attributes:
        model_id: The model the figures are for (None: every model that served).
        metrics: :class:`ServiceStatsMetrics`, e.g. ``metrics.total_predictions``.
    """

    period: Period = msgspec.field(default_factory=Period)
    model_id: str | None = None
    metrics: ServiceStatsMetrics = msgspec.field(default_factory=ServiceStatsMetrics)
    segment_attribute: str | None = None
    segment_value: str | None = None


class ServiceStatsBucket(_Base, frozen=True, kw_only=True):
    """One bucket of a service stat over time."""

    period: Period | None = None
    value: float | None = None
    model_id: str | None = None


class ServiceStatsOverTime(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/serviceStatsOverTime/``: one metric, bucket by bucket."""

    metric: str | None = None
    model_id: str | None = None
    buckets: list[ServiceStatsBucket] = msgspec.field(default_factory=list)
    summary: ServiceStatsBucket | None = None
    segment_attribute: str | None = None
    segment_value: str | None = None


class TargetDrift(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/targetDrift/``: how far predictions moved from the baseline."""

    period: Period = msgspec.field(default_factory=Period)
    metric: str | None = None
    model_id: str | None = None
    target_name: str | None = None
    drift_score: float | None = None
    sample_size: int | None = None
    baseline_sample_size: int | None = None
    segment_attribute: str | None = None
    segment_value: str | None = None


class FeatureDrift(_Base, frozen=True, kw_only=True):
    """One feature of ``GET deployments/{id}/featureDrift/`` (with the reply's period,
    metric and model copied in, as the official client does)."""

    name: str
    drift_score: float | None = None
    feature_impact: float | None = None
    sample_size: int | None = None
    baseline_sample_size: int | None = None
    period: Period | None = None
    metric: str | None = None
    model_id: str | None = None


class Percentile(_Base, frozen=True, kw_only=True):
    """A percentile of the predictions."""

    percent: float
    value: float | None = None


class ClassProbability(_Base, frozen=True, kw_only=True):
    """The mean probability of a class."""

    class_name: str
    value: float | None = None


class ClassCount(_Base, frozen=True, kw_only=True):
    """How many rows fell in a class."""

    class_name: str
    count: int = 0
    percent: float | None = None


class PredictionsOverTimeBucket(_Base, frozen=True, kw_only=True):
    """One bucket (or a model's baseline) of ``predictionsOverTime``."""

    period: Period | None = None
    model_id: str | None = None
    row_count: int | None = None
    mean_predicted_value: float | None = None
    percentiles: list[Percentile] = msgspec.field(default_factory=list)
    mean_probabilities: list[ClassProbability] = msgspec.field(default_factory=list)
    class_distribution: list[ClassCount] = msgspec.field(default_factory=list)


class PredictionsOverTime(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/predictionsOverTime/``: predictions, bucket by bucket."""

    baselines: list[PredictionsOverTimeBucket] = msgspec.field(default_factory=list)
    buckets: list[PredictionsOverTimeBucket] = msgspec.field(default_factory=list)


class AccuracyMetric(_Base, frozen=True, kw_only=True):
    """One accuracy metric of one model over the period, against its baseline."""

    metric_name: str
    model_id: str | None = None
    value: float | None = None
    sample_size: int | None = None
    baseline_value: float | None = None
    baseline_sample_size: int | None = None
    percent_change: float | None = None


class Accuracy(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/accuracy/``: accuracy from the actuals posted."""

    period: Period = msgspec.field(default_factory=Period)
    model_id: str | None = None
    data: list[AccuracyMetric] = msgspec.field(default_factory=list)
    segment_attribute: str | None = None
    segment_value: str | None = None

    def value(self, metric_name: str, model_id: str | None = None) -> float | None:
        """A metric's value (of ``model_id``, by default the first model), or None."""
        for item in self.data:
            if item.metric_name == metric_name and model_id in (None, item.model_id):
                return item.value
        return None


class AccuracyOverTimeBucket(_Base, frozen=True, kw_only=True):
    """One bucket (or a model's baseline) of ``accuracyOverTime``."""

    period: Period | None = None
    value: float | None = None
    sample_size: int | None = None
    model_id: str | None = None


class AccuracyOverTime(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/accuracyOverTime/``: one metric, bucket by bucket."""

    metric: str | None = None
    model_id: str | None = None
    buckets: list[AccuracyOverTimeBucket] = msgspec.field(default_factory=list)
    baselines: list[AccuracyOverTimeBucket] = msgspec.field(default_factory=list)
    summary: AccuracyOverTimeBucket | None = None
    segment_attribute: str | None = None
    segment_value: str | None = None


class PredictionsVsActualsBucket(_Base, frozen=True, kw_only=True):
    """One bucket (or a model's baseline) of ``predictionsVsActualsOverTime``."""

    period: Period | None = None
    model_id: str | None = None
    row_count_total: int = 0
    row_count_with_actual: int = 0
    mean_predicted_value: float | None = None
    mean_actual_value: float | None = None
    predicted_class_distribution: list[ClassCount] | None = None
    actual_class_distribution: list[ClassCount] | None = None


class PredictionsVsActualsSummary(_Base, frozen=True, kw_only=True):
    """Rows predicted, and those with an actual, over the whole period."""

    row_count_total: int = 0
    row_count_with_actual: int = 0


class PredictionsVsActualsOverTime(_Base, frozen=True, kw_only=True):
    """``GET deployments/{id}/predictionsVsActualsOverTime/``."""

    summary: PredictionsVsActualsSummary = msgspec.field(
        default_factory=PredictionsVsActualsSummary
    )
    baselines: list[PredictionsVsActualsBucket] = msgspec.field(default_factory=list)
    buckets: list[PredictionsVsActualsBucket] = msgspec.field(default_factory=list)
    segment_attribute: str | None = None
    segment_value: str | None = None


class PredictionValue(_Base, frozen=True, kw_only=True):
    """A class's probability (classification), or the target's value (regression)."""

    label: Any = None
    value: float | None = None


class Prediction(_Base, frozen=True, kw_only=True):
    """One row's prediction, from DataRobot's real-time prediction API.

    Attributes:
        row_id: The row's position in the request, from 0.
        prediction: The predicted class (classification) or value (regression).
        prediction_values: Each class's probability, or the regression value.
        prediction_threshold: A binary model's decision threshold.
        passthrough_values: The columns asked to be passed through, if any.
    """

    row_id: int = 0
    prediction: Any = None
    prediction_values: list[PredictionValue] = msgspec.field(default_factory=list)
    prediction_threshold: float | None = None
    passthrough_values: dict[str, Any] | None = None

    def probability(self, label: object) -> float | None:
        """The probability given to a class (labels compared as text), or None."""
        wanted = str(label)
        return next((v.value for v in self.prediction_values if str(v.label) == wanted), None)

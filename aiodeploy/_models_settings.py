"""Typed settings of a deployment, one struct per family, and challengers.

Wire names are camelCase, Python names snake_case; unknown fields are ignored and every
field has a default, so a newer server never breaks an older client. The families of the
``settings/`` document come first, then those with routes of their own.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._models import DriftTrackingSettings, FeatureDriftSettings, TargetDriftSettings

__all__ = [
    "AccuracyHealthSettings",
    "AssociationIdSettings",
    "BiasAndFairnessSettings",
    "Challenger",
    "ChallengerModel",
    "ChallengerModelsSettings",
    "ChallengerPredictionEnvironment",
    "ChallengerReplaySettings",
    "CustomBoundaries",
    "CustomMetricCondition",
    "CustomMetricsHealthSettings",
    "DataDriftHealthSettings",
    "FairnessHealthSettings",
    "ForecastDateSettings",
    "HealthSettings",
    "NamedRef",
    "PredictionIntervalsSettings",
    "PredictionWarningSettings",
    "PredictionsDataCollectionSettings",
    "RetrainingSettings",
    "RetrainingUser",
    "Schedule",
    "SecondaryDatasetConfig",
    "SegmentAnalysisSettings",
    "ServiceHealthSettings",
    "SettingsDocument",
    "TimelinessHealthSettings",
]


class _Base(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """Base of every settings struct."""


# -- the settings/ document --------------------------------------------------------------


class AssociationIdSettings(_Base, frozen=True, kw_only=True):
    """Association id: the column joining predictions to actuals (``associationId``)."""

    column_names: list[str] | None = None
    required_in_prediction_requests: bool = False
    auto_generate_id: bool = False


class PredictionsDataCollectionSettings(_Base, frozen=True, kw_only=True):
    """Whether prediction rows are stored (``predictionsDataCollection``)."""

    enabled: bool = False


class CustomBoundaries(_Base, frozen=True, kw_only=True):
    """Prediction warning boundaries: predictions above ``upper`` or below ``lower`` are
    anomalous."""

    upper: float | None = None
    lower: float | None = None


class PredictionWarningSettings(_Base, frozen=True, kw_only=True):
    """Prediction warnings (``predictionWarning``); ``custom_boundaries`` is ``None`` when
    the model's default boundaries are used."""

    enabled: bool = False
    custom_boundaries: CustomBoundaries | None = None


class PredictionIntervalsSettings(_Base, frozen=True, kw_only=True):
    """Prediction intervals (``predictionIntervals``; time-series deployments)."""

    enabled: bool = False
    percentiles: list[int] = msgspec.field(default_factory=list)


class ForecastDateSettings(_Base, frozen=True, kw_only=True):
    """Predictions by forecast date (``predictionsByForecastDate``; time series)."""

    enabled: bool = False
    column_name: str | None = None
    datetime_format: str | None = None


class ChallengerModelsSettings(_Base, frozen=True, kw_only=True):
    """Whether challenger models are enabled (``challengerModels``)."""

    enabled: bool = False


class SegmentAnalysisSettings(_Base, frozen=True, kw_only=True):
    """Segment analysis (``segmentAnalysis``): the attributes tracked."""

    enabled: bool = False
    attributes: list[str] = msgspec.field(default_factory=list)


class BiasAndFairnessSettings(_Base, frozen=True, kw_only=True):
    """Bias and fairness monitoring (``biasAndFairness``)."""

    protected_features: list[str] = msgspec.field(default_factory=list)
    preferable_target_value: Any = None
    fairness_metrics_set: str | None = None
    fairness_threshold: float | None = None


class SettingsDocument(_Base, frozen=True, kw_only=True):
    """The whole ``GET deployments/{id}/settings/`` document (every section it holds)."""

    target_drift: TargetDriftSettings = msgspec.field(default_factory=TargetDriftSettings)
    feature_drift: FeatureDriftSettings = msgspec.field(default_factory=FeatureDriftSettings)
    association_id: AssociationIdSettings = msgspec.field(default_factory=AssociationIdSettings)
    predictions_data_collection: PredictionsDataCollectionSettings = msgspec.field(
        default_factory=PredictionsDataCollectionSettings
    )
    prediction_warning: PredictionWarningSettings = msgspec.field(
        default_factory=PredictionWarningSettings
    )
    prediction_intervals: PredictionIntervalsSettings = msgspec.field(
        default_factory=PredictionIntervalsSettings
    )
    predictions_by_forecast_date: ForecastDateSettings = msgspec.field(
        default_factory=ForecastDateSettings
    )
    challenger_models: ChallengerModelsSettings = msgspec.field(
        default_factory=ChallengerModelsSettings
    )
    segment_analysis: SegmentAnalysisSettings = msgspec.field(
        default_factory=SegmentAnalysisSettings
    )
    bias_and_fairness: BiasAndFairnessSettings = msgspec.field(
        default_factory=BiasAndFairnessSettings
    )

    @property
    def drift_tracking(self) -> DriftTrackingSettings:
        """The two drift sections, as :meth:`get_drift_tracking_settings` returns them."""
        return DriftTrackingSettings(
            target_drift=self.target_drift, feature_drift=self.feature_drift
        )


# -- health settings (healthSettings/) -----------------------------------------------------


class ServiceHealthSettings(_Base, frozen=True, kw_only=True):
    """Service health: batches considered."""

    batch_count: int | None = None


class DataDriftHealthSettings(_Base, frozen=True, kw_only=True):
    """Data drift health thresholds."""

    time_interval: str | None = None
    batch_count: int | None = None
    drift_threshold: float | None = None
    importance_threshold: float | None = None
    low_importance_warning_count: int | None = None
    low_importance_failing_count: int | None = None
    high_importance_warning_count: int | None = None
    high_importance_failing_count: int | None = None
    excluded_features: list[str] = msgspec.field(default_factory=list)
    starred_features: list[str] = msgspec.field(default_factory=list)


class AccuracyHealthSettings(_Base, frozen=True, kw_only=True):
    """Accuracy health thresholds (``measurement``: ``percent`` or ``value``)."""

    batch_count: int | None = None
    metric: str | None = None
    measurement: str | None = None
    warning_threshold: float | None = None
    failing_threshold: float | None = None


class FairnessHealthSettings(_Base, frozen=True, kw_only=True):
    """Fairness health: protected classes below threshold before warning or failing."""

    protected_class_warning_count: int | None = None
    protected_class_failing_count: int | None = None


class CustomMetricCondition(_Base, frozen=True, kw_only=True):
    """A custom metric condition (``compare_operator``: ``lt`` or ``gt``)."""

    metric_id: str
    compare_operator: str
    threshold: float | None = None
    category_name: str | None = None


class CustomMetricsHealthSettings(_Base, frozen=True, kw_only=True):
    """Custom metrics health conditions."""

    warning_conditions: list[CustomMetricCondition] = msgspec.field(default_factory=list)
    failing_conditions: list[CustomMetricCondition] = msgspec.field(default_factory=list)


class TimelinessHealthSettings(_Base, frozen=True, kw_only=True):
    """Predictions or actuals timeliness (``expected_frequency``: an ISO 8601 duration)."""

    enabled: bool = False
    expected_frequency: str | None = None


class HealthSettings(_Base, frozen=True, kw_only=True):
    """Health settings of a deployment (``GET deployments/{id}/healthSettings/``)."""

    service: ServiceHealthSettings = msgspec.field(default_factory=ServiceHealthSettings)
    data_drift: DataDriftHealthSettings = msgspec.field(default_factory=DataDriftHealthSettings)
    accuracy: AccuracyHealthSettings = msgspec.field(default_factory=AccuracyHealthSettings)
    fairness: FairnessHealthSettings = msgspec.field(default_factory=FairnessHealthSettings)
    custom_metrics: CustomMetricsHealthSettings = msgspec.field(
        default_factory=CustomMetricsHealthSettings
    )
    predictions_timeliness: TimelinessHealthSettings = msgspec.field(
        default_factory=TimelinessHealthSettings
    )
    actuals_timeliness: TimelinessHealthSettings = msgspec.field(
        default_factory=TimelinessHealthSettings
    )


# -- the other routes ----------------------------------------------------------------------


class Schedule(_Base, frozen=True, kw_only=True):
    """A recurring schedule: each field a list of numbers or ``"*"`` (cron-like)."""

    minute: list[int | str] = msgspec.field(default_factory=list)
    hour: list[int | str] = msgspec.field(default_factory=list)
    day_of_month: list[int | str] = msgspec.field(default_factory=list)
    month: list[int | str] = msgspec.field(default_factory=list)
    day_of_week: list[int | str] = msgspec.field(default_factory=list)


class ChallengerReplaySettings(_Base, frozen=True, kw_only=True):
    """Challenger replay (``GET deployments/{id}/challengerReplaySettings/``)."""

    enabled: bool = False
    schedule: Schedule | None = None


class RetrainingUser(_Base, frozen=True, kw_only=True):
    """The user retraining runs as."""

    id: str
    username: str | None = None


class NamedRef(_Base, frozen=True, kw_only=True):
    """An object referred to by id, with its name."""

    id: str
    name: str | None = None


class RetrainingSettings(_Base, frozen=True, kw_only=True):
    """Retraining settings (``GET deployments/{id}/retrainingSettings/``); ``None`` where
    not set."""

    retraining_user: RetrainingUser | None = None
    dataset: NamedRef | None = None
    prediction_environment: NamedRef | None = None


class SecondaryDatasetConfig(_Base, frozen=True, kw_only=True):
    """The secondary dataset configuration of a Feature Discovery deployment
    (``GET deployments/{id}/model/secondaryDatasetConfiguration/``)."""

    secondary_dataset_config_id: str | None = None


class ChallengerModel(_Base, frozen=True, kw_only=True):
    """The model of a challenger."""

    id: str | None = None
    name: str | None = None
    project_id: str | None = None
    target_name: str | None = None
    target_type: str | None = None


class ChallengerPredictionEnvironment(_Base, frozen=True, kw_only=True):
    """Where a challenger's predictions are computed."""

    id: str | None = None
    name: str | None = None
    platform: str | None = None


class Challenger(_Base, frozen=True, kw_only=True):
    """A challenger model of a deployment (``deployments/{id}/challengers/{cid}/``)."""

    id: str
    name: str | None = None
    model: ChallengerModel | None = None
    model_package: NamedRef | None = None
    prediction_environment: ChallengerPredictionEnvironment | None = None

"""Every settings family, in one table: its fields (the official client's
``update_*_settings`` argument names), its route, how its current values are read from the
route's reply, and how values become the request body.

The typed ``update_*`` methods, ``settings set`` on the command line and fleet policies all
go through this table, so a family is spelled, checked and sent one way. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from . import _families_checks as checks
from ._families_health import HEALTH_KEYS, health_section
from ._models_settings import (
    ChallengerReplaySettings,
    HealthSettings,
    RetrainingSettings,
    SecondaryDatasetConfig,
    SettingsDocument,
)

__all__ = ["FAMILIES", "Family", "Readings", "Route", "snake_builtins"]


class Route(str, enum.Enum):
    """Where a family is read (``GET``) and changed; the value is the path under
    ``deployments/{id}/``."""

    SETTINGS = "settings/"
    HEALTH = "healthSettings/"
    REPLAY = "challengerReplaySettings/"
    ACCURACY = "accuracyMetrics/"
    RETRAINING = "retrainingSettings/"
    SECONDARY = "model/secondaryDatasetConfiguration/"

    @property
    def method(self) -> str:
        """The method of a change: ``PUT`` for accuracy metrics, else ``PATCH``."""
        return "PUT" if self is Route.ACCURACY else "PATCH"

    @property
    def has_job(self) -> bool:
        """Whether a change answers 202 and runs a job (only ``settings/`` does)."""
        return self is Route.SETTINGS


@dataclasses.dataclass(frozen=True)
class Readings:
    """What was read of a deployment's settings, route by route (``None``: not read)."""

    settings: SettingsDocument | None = None
    health: HealthSettings | None = None
    replay: ChallengerReplaySettings | None = None
    accuracy: list[str] | None = None
    retraining: RetrainingSettings | None = None
    secondary: SecondaryDatasetConfig | None = None


def snake_builtins(obj: Any) -> Any:
    """A struct as plain data keyed by Python (snake_case) names, at any depth."""
    if isinstance(obj, msgspec.Struct):
        # __struct_fields__ (the Python names): structs.fields() rebuilds type hints per call
        return {name: snake_builtins(getattr(obj, name)) for name in obj.__struct_fields__}
    if isinstance(obj, list):
        return [snake_builtins(item) for item in obj]
    return obj


@dataclasses.dataclass(frozen=True)
class Family:
    """One settings family.

    Attributes:
        name: as in ``get_<name>_settings`` (``association_id``).
        route: where it is read and changed.
        fields: argument name → check (see :mod:`aiodeploy._families_checks`).
        current: the current value of each readable field, from the route's reply.
        body: the request body for the given field values (those absent stay as they are,
            where the API allows it).
    """

    name: str
    route: Route
    fields: Mapping[str, checks.Check]
    current: Callable[[Readings], dict[str, Any]]
    body: Callable[[Mapping[str, Any]], dict[str, Any]]


def _doc(readings: Readings) -> SettingsDocument:
    assert readings.settings is not None
    return readings.settings


def _section(wire: str, names: Mapping[str, str]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A ``settings/`` body: one section, each given argument under its wire name."""

    def body(values: Mapping[str, Any]) -> dict[str, Any]:
        return {wire: {names[key]: value for key, value in values.items() if key in names}}

    return body


def _drift_body(values: Mapping[str, Any]) -> dict[str, Any]:
    sections = {"target_drift_enabled": "targetDrift", "feature_drift_enabled": "featureDrift"}
    return {sections[key]: {"enabled": value} for key, value in values.items()}


def _warning_current(readings: Readings) -> dict[str, Any]:
    warning = _doc(readings).prediction_warning
    bounds = warning.custom_boundaries
    return {
        "prediction_warning_enabled": warning.enabled,
        "use_default_boundaries": bounds is None,
        "lower_boundary": None if bounds is None else bounds.lower,
        "upper_boundary": None if bounds is None else bounds.upper,
    }


def _warning_body(values: Mapping[str, Any]) -> dict[str, Any]:
    # as the official client: default boundaries send null; custom ones need both bounds
    section: dict[str, Any] = {}
    if "prediction_warning_enabled" in values:
        section["enabled"] = values["prediction_warning_enabled"]
    if values.get("use_default_boundaries") is True:
        section["customBoundaries"] = None
    elif values.get("use_default_boundaries") is False:
        upper, lower = values.get("upper_boundary"), values.get("lower_boundary")
        if upper is None or lower is None:
            raise ValueError("custom boundaries need both lower_boundary and upper_boundary")
        section["customBoundaries"] = {"upper": upper, "lower": lower}
    return {"predictionWarning": section}


def _forecast_body(values: Mapping[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = {"enabled": values["enable_predictions_by_forecast_date"]}
    if section["enabled"]:  # as the official client: name and format only when enabling
        for key, wire in (("forecast_date_column_name", "columnName"),
                          ("forecast_date_format", "datetimeFormat")):  # fmt: skip
            if values.get(key) is None:
                raise ValueError(f"{key} is required to enable predictions by forecast date")
            section[wire] = values[key]
    return {"predictionsByForecastDate": section}


def _health_current(readings: Readings) -> dict[str, Any]:
    assert readings.health is not None
    found: dict[str, Any] = snake_builtins(readings.health)
    return found


def _replay_current(readings: Readings) -> dict[str, Any]:
    assert readings.replay is not None
    replay = readings.replay
    return {"enabled": replay.enabled, "schedule": snake_builtins(replay.schedule)}


def _retraining_current(readings: Readings) -> dict[str, Any]:
    assert readings.retraining is not None
    found = readings.retraining
    return {
        "retraining_user_id": found.retraining_user.id if found.retraining_user else None,
        "dataset_id": found.dataset.id if found.dataset else None,
        "prediction_environment_id": (
            found.prediction_environment.id if found.prediction_environment else None
        ),
    }


def _secondary_body(values: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"secondaryDatasetConfigId": values["secondary_dataset_config_id"]}
    if values.get("credential_ids"):
        body["credentialsIds"] = values["credential_ids"]
    return body


def _secondary_current(readings: Readings) -> dict[str, Any]:
    # credential ids cannot be read back: they are sent with a new config, never compared
    assert readings.secondary is not None
    return {"secondary_dataset_config_id": readings.secondary.secondary_dataset_config_id}


_HEALTH_SECTIONS = tuple(HEALTH_KEYS)
_FAMILY_LIST = (
    Family(
        "drift_tracking", Route.SETTINGS,
        {"target_drift_enabled": checks.boolean, "feature_drift_enabled": checks.boolean},
        lambda r: {"target_drift_enabled": _doc(r).target_drift.enabled,
                   "feature_drift_enabled": _doc(r).feature_drift.enabled},
        _drift_body,
    ),
    Family(
        "association_id", Route.SETTINGS,
        {"column_names": checks.str_list, "required_in_prediction_requests": checks.boolean},
        lambda r: {"column_names": _doc(r).association_id.column_names or [],
                   "required_in_prediction_requests":
                       _doc(r).association_id.required_in_prediction_requests},
        _section("associationId", {"column_names": "columnNames",
                                   "required_in_prediction_requests":
                                       "requiredInPredictionRequests"}),
    ),
    Family(
        "predictions_data_collection", Route.SETTINGS, {"enabled": checks.boolean},
        lambda r: {"enabled": _doc(r).predictions_data_collection.enabled},
        _section("predictionsDataCollection", {"enabled": "enabled"}),
    ),
    Family(
        "prediction_warning", Route.SETTINGS,
        {"prediction_warning_enabled": checks.boolean, "use_default_boundaries": checks.boolean,
         "lower_boundary": checks.number, "upper_boundary": checks.number},
        _warning_current, _warning_body,
    ),
    Family(
        "prediction_intervals", Route.SETTINGS,
        {"percentiles": checks.one_percentile, "enabled": checks.boolean},
        lambda r: {"percentiles": _doc(r).prediction_intervals.percentiles,
                   "enabled": _doc(r).prediction_intervals.enabled},
        _section("predictionIntervals", {"percentiles": "percentiles", "enabled": "enabled"}),
    ),
    Family(
        "predictions_by_forecast_date", Route.SETTINGS,
        {"enable_predictions_by_forecast_date": checks.boolean,
         "forecast_date_column_name": checks.nullable_str,
         "forecast_date_format": checks.nullable_str},
        lambda r: {"enable_predictions_by_forecast_date":
                       _doc(r).predictions_by_forecast_date.enabled,
                   "forecast_date_column_name": _doc(r).predictions_by_forecast_date.column_name,
                   "forecast_date_format": _doc(r).predictions_by_forecast_date.datetime_format},
        _forecast_body,
    ),
    Family(
        "challenger_models", Route.SETTINGS, {"challenger_models_enabled": checks.boolean},
        lambda r: {"challenger_models_enabled": _doc(r).challenger_models.enabled},
        _section("challengerModels", {"challenger_models_enabled": "enabled"}),
    ),
    Family(
        "segment_analysis", Route.SETTINGS,
        {"segment_analysis_enabled": checks.boolean,
         "segment_analysis_attributes": checks.str_list},
        lambda r: {"segment_analysis_enabled": _doc(r).segment_analysis.enabled,
                   "segment_analysis_attributes": _doc(r).segment_analysis.attributes},
        _section("segmentAnalysis", {"segment_analysis_enabled": "enabled",
                                     "segment_analysis_attributes": "attributes"}),
    ),
    Family(
        "bias_and_fairness", Route.SETTINGS,
        {"protected_features": checks.str_list, "fairness_metric_set": checks.text,
         "fairness_threshold": checks.unit_interval,
         "preferable_target_value": checks.target_value},
        lambda r: {"protected_features": _doc(r).bias_and_fairness.protected_features,
                   "fairness_metric_set": _doc(r).bias_and_fairness.fairness_metrics_set,
                   "fairness_threshold": _doc(r).bias_and_fairness.fairness_threshold,
                   "preferable_target_value": _doc(r).bias_and_fairness.preferable_target_value},
        _section("biasAndFairness", {"protected_features": "protectedFeatures",
                                     "fairness_metric_set": "fairnessMetricsSet",
                                     "fairness_threshold": "fairnessThreshold",
                                     "preferable_target_value": "preferableTargetValue"}),
    ),
    Family(
        "health", Route.HEALTH,
        {name: health_section(name) for name in _HEALTH_SECTIONS},
        _health_current,
        lambda values: checks.camel_keys(dict(values)),
    ),
    Family(
        "challenger_replay", Route.REPLAY,
        {"enabled": checks.boolean, "schedule": checks.schedule},
        _replay_current,
        lambda values: checks.camel_keys(dict(values)),
    ),
    Family(
        "accuracy_metrics", Route.ACCURACY, {"accuracy_metrics": checks.metric_names},
        lambda r: {"accuracy_metrics": r.accuracy},
        lambda values: {"data": values["accuracy_metrics"]},
    ),
    Family(
        "retraining", Route.RETRAINING,
        {"retraining_user_id": checks.nullable_id, "dataset_id": checks.nullable_id,
         "prediction_environment_id": checks.nullable_id},
        _retraining_current,
        lambda values: checks.camel_keys(dict(values)),
    ),
    Family(
        "secondary_dataset_config", Route.SECONDARY,
        {"secondary_dataset_config_id": checks.object_id, "credential_ids": checks.id_list},
        _secondary_current, _secondary_body,
    ),
)  # fmt: skip
FAMILIES: dict[str, Family] = {family.name: family for family in _FAMILY_LIST}
"""Every family by name, in the order of the official client's methods."""

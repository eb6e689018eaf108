"""DataRobot's rules on a ``settings/`` change that depend on the deployment.

:func:`~aiodeploy.emulator._settings.validate_settings_patch` checks a PATCH's shape; the
rules here judge a well-formed one against the deployment's model and the settings it
would leave in force (the stored ones, the pending changes and the PATCH, merged). A
broken rule is a 422 whose ``message`` says why, as DataRobot answers; the official client
shows that message in its ``ClientError``.

Choices where no public source says: segment attributes and protected features must be
features of the model (or, for segments, DataRobot's built-in request attributes); bias and
fairness is for binary classification only; a time-series deployment takes prediction
intervals whose percentile was computed for its model first, one at a time (as the official
client does before it PATCHes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ._records import ModelRecord, ProjectRecord

__all__ = ["FAIRNESS_METRICS_SETS", "SEGMENT_BUILTINS", "settings_problems"]

FAIRNESS_METRICS_SETS = (
    "proportionalParity",
    "equalParity",
    "predictionBalance",
    "trueFavorableAndUnfavorableRateParity",
    "favorableAndUnfavorablePredictiveValueParity",
)
SEGMENT_BUILTINS = ("DataRobot-Consumer", "DataRobot-Remote-IP", "DataRobot-Host-IP")


def settings_problems(
    patch: Mapping[str, Any],
    effective: Mapping[str, Any],
    model: ModelRecord,
    project: ProjectRecord,
    computed_percentiles: Collection[int],
) -> list[str]:
    """Why DataRobot would refuse a well-formed ``settings/`` PATCH (empty: it accepts it).

    Args:
        patch: the PATCH body (its shape already checked).
        effective: the settings the PATCH would leave in force.
        model: the deployment's current model.
        project: that model's project.
        computed_percentiles: the prediction-interval sizes computed for the model.
    """
    problems: list[str] = []
    _intervals(patch, effective, model, project, computed_percentiles, problems)
    _forecast_date(patch, effective, project, problems)
    _challengers(patch, effective, problems)
    _association_id(patch, effective, problems)
    _segments(patch, effective, model, problems)
    _fairness(patch, effective, model, project, problems)
    return problems


def _intervals(
    patch: Mapping[str, Any],
    effective: Mapping[str, Any],
    model: ModelRecord,
    project: ProjectRecord,
    computed: Collection[int],
    problems: list[str],
) -> None:
    if "predictionIntervals" not in patch:
        return
    section = effective.get("predictionIntervals", {})
    percentiles = section.get("percentiles") or []
    if not (section.get("enabled") or percentiles):
        return  # turning them off is always allowed
    if not project.time_series:
        problems.append("Prediction intervals are only supported for time series deployments.")
        return
    if len(percentiles) > 1:
        problems.append("Only one prediction interval percentile can be set at a time.")
    missing = [p for p in percentiles if p not in computed]
    if missing:
        problems.append(
            f"Prediction intervals of {missing[0]}% are not calculated for model {model.id}: "
            f"calculate them first (POST projects/{project.id}/models/{model.id}/"
            "predictionIntervals/)."
        )


def _forecast_date(
    patch: Mapping[str, Any],
    effective: Mapping[str, Any],
    project: ProjectRecord,
    problems: list[str],
) -> None:
    if "predictionsByForecastDate" not in patch:
        return
    section = effective.get("predictionsByForecastDate", {})
    if not section.get("enabled"):
        return
    if not project.time_series:
        problems.append(
            "Predictions by forecast date are only supported for time series deployments."
        )
    elif not (section.get("columnName") and section.get("datetimeFormat")):
        problems.append(
            "columnName and datetimeFormat are required to enable predictions by forecast date."
        )


def _challengers(
    patch: Mapping[str, Any], effective: Mapping[str, Any], problems: list[str]
) -> None:
    if "challengerModels" not in patch and "predictionsDataCollection" not in patch:
        return
    challengers = effective.get("challengerModels", {}).get("enabled")
    storing = effective.get("predictionsDataCollection", {}).get("enabled")
    if challengers and not storing:
        problems.append(
            "Challenger models require prediction row storage: enable "
            "predictionsDataCollection (in the same request, or first)."
            if "challengerModels" in patch
            else "Prediction row storage cannot be turned off while challenger models are "
            "enabled: disable challengerModels first (or in the same request)."
        )


def _association_id(
    patch: Mapping[str, Any], effective: Mapping[str, Any], problems: list[str]
) -> None:
    if "associationId" not in patch:
        return
    section = effective.get("associationId", {})
    columns = section.get("columnNames") or []
    if len(columns) > 1:
        problems.append("Only one association ID column name is supported.")
    if section.get("requiredInPredictionRequests") and not columns:
        problems.append(
            "An association ID column name is required to require association IDs in "
            "prediction requests."
        )


def _segments(
    patch: Mapping[str, Any], effective: Mapping[str, Any], model: ModelRecord, problems: list[str]
) -> None:
    if "segmentAnalysis" not in patch:
        return
    attributes = effective.get("segmentAnalysis", {}).get("attributes") or []
    unknown = [a for a in attributes if a not in model.features and a not in SEGMENT_BUILTINS]
    if unknown:
        problems.append(
            f"Segment attributes must be features of the model or one of "
            f"{', '.join(SEGMENT_BUILTINS)}; unknown: {', '.join(unknown)}."
        )


def _fairness(
    patch: Mapping[str, Any],
    effective: Mapping[str, Any],
    model: ModelRecord,
    project: ProjectRecord,
    problems: list[str],
) -> None:
    if "biasAndFairness" not in patch:
        return
    section = effective.get("biasAndFairness", {})
    if project.target_type != "Binary":
        problems.append(
            "Bias and fairness monitoring is only supported for binary classification deployments."
        )
        return
    unknown = [f for f in section.get("protectedFeatures") or [] if f not in model.features]
    if unknown:
        problems.append(f"Protected features must be features of the model: {', '.join(unknown)}.")
    metric_set = section.get("fairnessMetricsSet")
    if metric_set is not None and metric_set not in FAIRNESS_METRICS_SETS:
        problems.append(f"fairnessMetricsSet must be one of {', '.join(FAIRNESS_METRICS_SETS)}.")
    threshold = section.get("fairnessThreshold")
    if threshold is not None and not 0 <= threshold <= 1:
        problems.append("fairnessThreshold must be between 0 and 1.")

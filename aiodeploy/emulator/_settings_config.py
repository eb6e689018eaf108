"""The settings that live on routes of their own: defaults and validation (pure).

Health settings (``healthSettings/``), challenger replay (``challengerReplaySettings/``),
accuracy metrics (``accuracyMetrics/``), retraining (``retrainingSettings/``) and the
secondary dataset configuration (``model/secondaryDatasetConfiguration/``). Shapes follow
DataRobot's API reference for health settings and the official client's and Terraform
provider's readers for the rest; the defaults are the emulator's choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ._params import check_bool, check_number, check_str, check_str_list

__all__ = [
    "ACCURACY_METRICS",
    "accuracy_metric_problems",
    "check_schedule",
    "default_accuracy_metrics",
    "default_health",
    "default_replay",
    "health_errors",
    "is_object_id",
]

_Checker = Callable[[Any], "str | None"]
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")

CLASSIFICATION_METRICS = (
    "Accuracy", "AUC", "Balanced Accuracy", "FVE Binomial", "Gini Norm", "Kolmogorov-Smirnov",
    "LogLoss", "Rate@Top5%", "Rate@Top10%", "TPR", "PPV", "F1", "MCC",
)  # fmt: skip
REGRESSION_METRICS = (
    "Gamma Deviance", "FVE Gamma", "FVE Poisson", "FVE Tweedie", "MAD", "MAE", "MAPE",
    "Poisson Deviance", "R Squared", "RMSE", "RMSLE", "Tweedie Deviance",
)  # fmt: skip
ACCURACY_METRICS = {"Binary": CLASSIFICATION_METRICS, "Multiclass": CLASSIFICATION_METRICS}
_DEFAULT_METRICS = {
    "Binary": ["LogLoss", "AUC", "Kolmogorov-Smirnov", "Gini Norm", "Rate@Top10%"],
    "Multiclass": ["LogLoss", "Accuracy", "Balanced Accuracy"],
    "Regression": ["RMSE", "MAE", "Gamma Deviance", "Tweedie Deviance", "R Squared"],
}
_SCHEDULE_RANGES = {
    "minute": (0, 59),
    "hour": (0, 23),
    "dayOfMonth": (1, 31),
    "month": (1, 12),
    "dayOfWeek": (0, 6),
}


def is_object_id(value: Any) -> bool:
    """Whether ``value`` is a 24-hex id."""
    return isinstance(value, str) and _OBJECT_ID.fullmatch(value) is not None


def default_health(metric: str) -> dict[str, dict[str, Any]]:
    """The health settings a deployment starts with (``healthSettings/defaults/`` too)."""
    return {
        "service": {"batchCount": 5},
        "dataDrift": {
            "timeInterval": "P7D",
            "batchCount": 5,
            "driftThreshold": 0.15,
            "importanceThreshold": 0.5,
            "lowImportanceWarningCount": 1,
            "lowImportanceFailingCount": 0,
            "highImportanceWarningCount": 0,
            "highImportanceFailingCount": 1,
            "excludedFeatures": [],
            "starredFeatures": [],
        },
        "accuracy": {
            "batchCount": 5,
            "metric": metric,
            "measurement": "percent",
            "warningThreshold": 5.0,
            "failingThreshold": 10.0,
        },
        "fairness": {"protectedClassWarningCount": 1, "protectedClassFailingCount": 2},
        "customMetrics": {"warningConditions": [], "failingConditions": []},
        "predictionsTimeliness": {"enabled": False, "expectedFrequency": None},
        "actualsTimeliness": {"enabled": False, "expectedFrequency": None},
    }


def default_replay() -> dict[str, Any]:
    """Challenger replay as a deployment starts: off, daily at midnight when turned on."""
    return {
        "enabled": False,
        "schedule": {
            "minute": [0],
            "hour": [0],
            "dayOfMonth": ["*"],
            "month": ["*"],
            "dayOfWeek": ["*"],
        },
    }


def default_accuracy_metrics(target_type: str) -> list[str]:
    """The accuracy metrics a deployment starts with, by target type."""
    return list(_DEFAULT_METRICS.get(target_type, _DEFAULT_METRICS["Regression"]))


def accuracy_metric_problems(metrics: Any, target_type: str) -> str | None:
    """Why a ``PUT accuracyMetrics/`` list is refused for this target type, or None."""
    if check_str_list(metrics) is not None or not metrics:
        return "data must be a non-empty list of metric names"
    allowed = ACCURACY_METRICS.get(target_type, REGRESSION_METRICS)
    unknown = [m for m in metrics if m not in allowed]
    if unknown:
        return f"Metrics not available for a {target_type} deployment: {', '.join(unknown)}."
    if len(set(metrics)) != len(metrics):
        return "Each metric may be listed once."
    return None


def _count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "value is not an integer >= 0"
    return None


def _positive(value: Any) -> str | None:
    problem = _count(value)
    return problem if problem is not None or value >= 1 else "value is not an integer >= 1"


def _at_least(low: float, high: float | None = None) -> _Checker:
    """A finite number from ``low`` (to ``high``), as DataRobot's schema bounds it."""

    def check(value: Any) -> str | None:
        problem = check_number(value)
        if problem is not None:
            return problem
        if value < low:
            return f"value is less than {low:g}"
        return None if high is None or value <= high else f"value is greater than {high:g}"

    return check


def _nullable(check: _Checker) -> _Checker:
    return lambda value: None if value is None else check(value)


def _choice(*choices: str) -> _Checker:
    return lambda value: None if value in choices else f"value is not one of {', '.join(choices)}"


def _conditions(value: Any) -> str | None:
    if not isinstance(value, list):
        return "value is not a list"
    for item in value:
        if not isinstance(item, dict):
            return "conditions are objects"
        problem = _object_errors(item, _CONDITION, required=("metricId", "compareOperator"))
        if problem:
            return "; ".join(f"{k}: {v}" for k, v in problem.items())
    return None


_CONDITION: dict[str, _Checker] = {
    "metricId": check_str,
    "compareOperator": _choice("lt", "gt"),
    "threshold": check_number,
    "categoryName": _nullable(check_str),
}
_TIMELINESS: dict[str, _Checker] = {
    "enabled": check_bool,
    "expectedFrequency": _nullable(check_str),
}
_HEALTH: dict[str, dict[str, _Checker]] = {
    "service": {"batchCount": _positive},
    "dataDrift": {
        "timeInterval": check_str,
        "batchCount": _positive,
        "driftThreshold": _at_least(0),  # a PSI (or other distance): never negative
        "importanceThreshold": _at_least(0, 1),  # normalized feature importance
        "lowImportanceWarningCount": _nullable(_count),
        "lowImportanceFailingCount": _nullable(_count),
        "highImportanceWarningCount": _nullable(_count),
        "highImportanceFailingCount": _nullable(_count),
        "excludedFeatures": check_str_list,
        "starredFeatures": check_str_list,
    },
    "accuracy": {
        "batchCount": _positive,
        "metric": _nullable(check_str),
        "measurement": _choice("percent", "value"),
        "warningThreshold": check_number,
        "failingThreshold": check_number,
    },
    "fairness": {"protectedClassWarningCount": _count, "protectedClassFailingCount": _count},
    "customMetrics": {"warningConditions": _conditions, "failingConditions": _conditions},
    "predictionsTimeliness": _TIMELINESS,
    "actualsTimeliness": _TIMELINESS,
}


def _object_errors(
    body: Mapping[str, Any], schema: Mapping[str, _Checker], required: tuple[str, ...] = ()
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, value in body.items():
        check = schema.get(name)
        problem = f"{name} is not allowed key" if check is None else check(value)
        if problem is not None:
            errors[name] = problem
    for name in required:
        if name not in body:
            errors[name] = "is required"
    return errors


def _metric_error(fields: Mapping[str, Any], target_type: str) -> str | None:
    metric = fields.get("metric")
    allowed = ACCURACY_METRICS.get(target_type, REGRESSION_METRICS)
    if not isinstance(metric, str) or metric in allowed:
        return None
    return f"{metric} is not an accuracy metric of a {target_type} deployment"


def health_errors(body: Any, target_type: str) -> dict[str, Any]:
    """Field errors (nested by section) of a ``PATCH healthSettings/`` body for a deployment
    of ``target_type`` (which accuracy metrics it may use)."""
    if not isinstance(body, dict):
        return {"body": "value is not a dict"}
    if not body:
        return {"body": "at least one health settings section is required"}
    errors: dict[str, Any] = {}
    for section, fields in body.items():
        schema = _HEALTH.get(section)
        if schema is None:
            errors[section] = f"{section} is not allowed key"
        elif not isinstance(fields, dict):
            errors[section] = "value is not a dict"
        elif found := _object_errors(fields, schema):
            errors[section] = found
        elif section == "accuracy" and (problem := _metric_error(fields, target_type)):
            errors[section] = {"metric": problem}
    return errors


def check_schedule(value: Any) -> str | None:
    """Error of a challenger replay ``schedule`` (five lists of numbers or ``"*"``), or None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return "value is not a dict"
    unknown = set(value) - set(_SCHEDULE_RANGES)
    if unknown:
        return f"{sorted(unknown)[0]} is not allowed key"
    for key, (low, high) in _SCHEDULE_RANGES.items():
        items = value.get(key)
        if not isinstance(items, list) or not items:
            return f"{key} is required: a non-empty list of numbers or '*'"
        for item in items:
            if item == "*":
                continue
            if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
                return f"{key} values must be '*' or whole numbers from {low} to {high}"
    return None

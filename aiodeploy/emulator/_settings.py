"""Deployment settings: defaults, validation of a partial update, merging it, and what the
settings mean to the rest of the emulator (predictions, actuals)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from ._params import check_bool, check_number, check_str, check_str_list

__all__ = [
    "association_id_columns",
    "association_id_required",
    "default_settings",
    "keeps_prediction_rows",
    "merge_settings",
    "validate_settings_patch",
]

_Checker = Callable[[Any], "str | None"]

_DEFAULTS: dict[str, dict[str, Any]] = {
    "targetDrift": {"enabled": True},
    "featureDrift": {"enabled": True, "featureSelection": "auto", "trackedFeatures": []},
    "associationId": {
        "columnNames": None,
        "requiredInPredictionRequests": False,
        "autoGenerateId": False,
    },
    "predictionsDataCollection": {"enabled": False},
    "predictionIntervals": {"enabled": False, "percentiles": []},
    "predictionWarning": {"enabled": False, "customBoundaries": None},
    "predictionsByForecastDate": {"enabled": False, "columnName": None, "datetimeFormat": None},
    "challengerModels": {"enabled": False},
    "segmentAnalysis": {"enabled": False, "attributes": []},
    "humility": {"enabled": False},
    "biasAndFairness": {
        "protectedFeatures": [],
        "preferableTargetValue": None,
        "fairnessMetricsSet": None,
        "fairnessThreshold": None,
    },
    "batchMonitoring": {"enabled": False},
    "predictionsSettings": {"minComputes": 0, "maxComputes": 1, "resourceBundleId": None},
}


def _nullable(check: _Checker) -> _Checker:
    return lambda value: None if value is None else check(value)


def _check_int_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return "value is not a list"
    bad = [v for v in value if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 100]
    return "percentiles are integers between 1 and 99" if bad else None


def _check_boundaries(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return "value is not a dict"
    allowed = {"upper", "lower", "upperBoundary", "lowerBoundary"}
    for key, bound in value.items():
        if key not in allowed:
            return f"{key} is not allowed key"
        if check_number(bound) is not None and bound is not None:
            return f"{key}: value is not a number"
    return None


def _check_target_value(value: Any) -> str | None:
    ok = value is None or isinstance(value, (bool, str, int, float))
    return None if ok else "value is not a boolean, string or number"


def _check_count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "value is not an integer >= 0"
    return None


_ENABLED: dict[str, _Checker] = {"enabled": check_bool}
_SCHEMA: dict[str, dict[str, _Checker]] = {
    "targetDrift": _ENABLED,
    "featureDrift": {
        **_ENABLED,
        "featureSelection": check_str,
        "trackedFeatures": _nullable(check_str_list),
    },
    "associationId": {
        "columnNames": _nullable(check_str_list),
        "requiredInPredictionRequests": check_bool,
        "autoGenerateId": check_bool,
    },
    "predictionsDataCollection": _ENABLED,
    "predictionIntervals": {**_ENABLED, "percentiles": _check_int_list},
    "predictionWarning": {**_ENABLED, "customBoundaries": _check_boundaries},
    "predictionsByForecastDate": {
        **_ENABLED,
        "columnName": _nullable(check_str),
        "datetimeFormat": _nullable(check_str),
    },
    "challengerModels": _ENABLED,
    "segmentAnalysis": {**_ENABLED, "attributes": check_str_list},
    "humility": _ENABLED,
    "biasAndFairness": {
        "protectedFeatures": check_str_list,
        "preferableTargetValue": _check_target_value,
        "fairnessMetricsSet": _nullable(check_str),
        "fairnessThreshold": _nullable(check_number),
    },
    "batchMonitoring": _ENABLED,
    "predictionsSettings": {
        "minComputes": _check_count,
        "maxComputes": _check_count,
        "resourceBundleId": _nullable(check_str),
    },
}


def default_settings() -> dict[str, dict[str, Any]]:
    """Return a fresh copy of the settings a new deployment starts with."""
    return copy.deepcopy(_DEFAULTS)


def validate_settings_patch(body: Any) -> dict[str, Any]:
    """Return field errors (trafaret style, nested by section) for a settings PATCH body."""
    if not isinstance(body, dict):
        return {"body": "value is not a dict"}
    errors: dict[str, Any] = {}
    for section, fields in body.items():
        schema = _SCHEMA.get(section)
        if schema is None:
            errors[section] = f"{section} is not allowed key"
            continue
        if not isinstance(fields, dict):
            errors[section] = "value is not a dict"
            continue
        section_errors: dict[str, str] = {}
        for name, value in fields.items():
            check = schema.get(name)
            problem = f"{name} is not allowed key" if check is None else check(value)
            if problem is not None:
                section_errors[name] = problem
        if section_errors:
            errors[section] = section_errors
    # the rules that depend on the deployment (time series, row storage, ...) are in
    # _settings_rules, applied once this shape is right
    return errors


def merge_settings(settings: dict[str, dict[str, Any]], patch: Mapping[str, Any]) -> None:
    """Apply a validated PATCH: fields named in a section replace the stored ones."""
    for section, fields in patch.items():
        target = settings.setdefault(section, {})
        for name, value in fields.items():
            if name == "customBoundaries" and value is not None:
                value = {
                    "upper": value.get("upper", value.get("upperBoundary")),
                    "lower": value.get("lower", value.get("lowerBoundary")),
                }
            target[name] = copy.deepcopy(value)


def keeps_prediction_rows(settings: Mapping[str, Any]) -> bool:
    """Whether prediction rows (and results) are stored: ``predictionsDataCollection``.

    What a predictions route reads before keeping a request's rows and results.
    """
    return bool(settings.get("predictionsDataCollection", {}).get("enabled"))


def association_id_columns(settings: Mapping[str, Any]) -> list[str]:
    """The association id column(s) predictions carry and actuals are joined on (may be
    empty: no association id is set)."""
    return list(settings.get("associationId", {}).get("columnNames") or [])


def association_id_required(settings: Mapping[str, Any]) -> bool:
    """Whether a prediction request without the association id column must be refused."""
    return bool(settings.get("associationId", {}).get("requiredInPredictionRequests"))

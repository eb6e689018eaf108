"""Checks of the health settings sections (``PATCH deployments/{id}/healthSettings/``), as
callers write them: each key of each section, and the kind of its value.

A policy with ``data_drift: {drift_threshold: high}`` (or ``.nan``, or a list) is refused
on loading, naming its ``file:line``, instead of being planned as a change that every
deployment's server then refuses. Only kinds are checked here (a count is a whole number,
a threshold a finite number, ...): ranges are the server's to judge, per deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._families_checks import Check, boolean, number, snake_keys, text

__all__ = ["HEALTH_KEYS", "health_section"]


def _count(value: Any) -> int:
    """A whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"expected a whole number of 0 or more, got {value!r}")
    return value


def _batch_count(value: Any) -> int:
    """A whole number, 1 or more."""
    if _count(value) < 1:
        raise ValueError(f"expected a whole number of 1 or more, got {value!r}")
    return int(value)


def _nullable(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def _choice(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return check


def _names(value: Any) -> list[str]:
    """A list of feature names (possibly empty)."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list of feature names, got {value!r}")
    return [text(item) for item in value]


_CONDITION: dict[str, Check] = {
    "metric_id": text,
    "compare_operator": _choice("lt", "gt"),
    "threshold": number,
    "category_name": _nullable(text),
}


def _conditions(value: Any) -> list[dict[str, Any]]:
    """Custom metric conditions: objects of ``metric_id``, ``compare_operator`` (``lt`` or
    ``gt``), ``threshold`` and optionally ``category_name``."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list of conditions, got {value!r}")
    found = []
    for item in value:
        if not isinstance(item, Mapping):
            raise TypeError(f"a condition is an object ({', '.join(_CONDITION)}), got {item!r}")
        found.append(_object(snake_keys(item), _CONDITION, "a condition"))
        missing = [key for key in ("metric_id", "compare_operator") if key not in found[-1]]
        if missing:
            raise ValueError(f"a condition needs {' and '.join(missing)}")
    return found


_TIMELINESS: dict[str, Check] = {"enabled": boolean, "expected_frequency": _nullable(text)}
_SECTIONS: dict[str, dict[str, Check]] = {
    "service": {"batch_count": _batch_count},
    "data_drift": {
        "time_interval": text,
        "batch_count": _batch_count,
        "drift_threshold": number,
        "importance_threshold": number,
        "low_importance_warning_count": _nullable(_count),
        "low_importance_failing_count": _nullable(_count),
        "high_importance_warning_count": _nullable(_count),
        "high_importance_failing_count": _nullable(_count),
        "excluded_features": _names,
        "starred_features": _names,
    },
    "accuracy": {
        "batch_count": _batch_count,
        "metric": _nullable(text),
        "measurement": _choice("percent", "value"),
        "warning_threshold": number,
        "failing_threshold": number,
    },
    "fairness": {"protected_class_warning_count": _count, "protected_class_failing_count": _count},
    "custom_metrics": {"warning_conditions": _conditions, "failing_conditions": _conditions},
    "predictions_timeliness": _TIMELINESS,
    "actuals_timeliness": _TIMELINESS,
}
HEALTH_KEYS: dict[str, frozenset[str]] = {
    name: frozenset(fields) for name, fields in _SECTIONS.items()
}
"""Each health settings section and the keys it takes (snake_case)."""


def _object(found: Mapping[str, Any], schema: Mapping[str, Check], what: str) -> dict[str, Any]:
    unknown = sorted(set(found) - set(schema))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; {what} takes {', '.join(sorted(schema))}")
    checked: dict[str, Any] = {}
    key = ""
    try:
        for key, value in found.items():
            checked[key] = schema[key](value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{key}: {exc}") from None  # name the key: the caller names the rest
    return checked


def health_section(name: str) -> Callable[[Any], dict[str, Any]]:
    """The check of one health settings section: an object of its known keys, each value
    of its kind (keys may be camelCase; they come back in snake_case).

    Raises (from the check):
        TypeError, ValueError: not an object, an unknown key, or a value of the wrong kind
            (the message names the key).
    """
    schema = _SECTIONS[name]

    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object of {', '.join(sorted(schema))}")
        return _object(snake_keys(value), schema, name)

    return check

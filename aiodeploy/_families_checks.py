"""Checks of settings values as callers write them (Python arguments, policy files, the
command line), and the key conversions between their snake_case and the wire's camelCase.

A check returns the value, normalised (dict keys in snake_case), or raises ``TypeError`` /
``ValueError`` with a message naming what was expected; it never sends a request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from ._wire import check_id

__all__ = [
    "Check",
    "boolean",
    "camel_keys",
    "id_list",
    "metric_names",
    "nullable_id",
    "nullable_str",
    "number",
    "object_id",
    "one_percentile",
    "schedule",
    "snake_keys",
    "str_list",
    "target_value",
    "text",
    "unit_interval",
]

Check = Callable[[Any], Any]
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")

_SCHEDULE_KEYS = ("minute", "hour", "day_of_month", "month", "day_of_week")


def snake_keys(value: Any) -> Any:
    """``value`` with every dict key, at any depth, in snake_case (``batchCount`` →
    ``batch_count``); keys already in snake_case are kept."""
    if isinstance(value, Mapping):
        return {_CAMEL.sub("_", str(key)).lower(): snake_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value


def camel_keys(value: Any) -> Any:
    """``value`` with every dict key, at any depth, in camelCase (the wire's)."""
    if isinstance(value, Mapping):
        converted = {}
        for key, item in value.items():
            head, *rest = str(key).split("_")
            converted[head + "".join(word.capitalize() for word in rest)] = camel_keys(item)
        return converted
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def boolean(value: Any) -> bool:
    """A bool (``true``/``false``; not 0 or 1)."""
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"expected a non-empty string, got {value!r}")
    return value


def nullable_str(value: Any) -> str | None:
    """A non-empty string, or null."""
    return None if value is None else text(value)


def number(value: Any) -> float:
    """A finite number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


def unit_interval(value: Any) -> float:
    """A number from 0 to 1."""
    found = number(value)
    if not 0 <= found <= 1:
        raise ValueError(f"expected a number from 0 to 1, got {value!r}")
    return found


def str_list(value: Any) -> list[str]:
    """A list of non-empty strings."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return [text(item) for item in value]


def metric_names(value: Any) -> list[str]:
    """A non-empty list of metric names."""
    found = str_list(value)
    if not found:
        raise ValueError("expected at least one metric name")
    return found


def one_percentile(value: Any) -> list[int]:
    """A list of at most one whole number from 1 to 99 (DataRobot takes one at a time)."""
    if not isinstance(value, list) or len(value) > 1:
        raise TypeError(f"expected a list of at most one percentile, e.g. [80], got {value!r}")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 99:
            raise ValueError(f"a percentile is a whole number from 1 to 99, got {item!r}")
    return list(value)


def object_id(value: Any) -> str:
    """An id safe to put in a URL path."""
    return check_id(value, "id")


def nullable_id(value: Any) -> str | None:
    """An id, or null (unsets it)."""
    return None if value is None else object_id(value)


def id_list(value: Any) -> list[str] | None:
    """A list of ids, or null."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise TypeError(f"expected a list of ids, got {value!r}")
    return [object_id(item) for item in value]


def target_value(value: Any) -> bool | int | float | str:
    """A class label: a bool, number or string."""
    if not isinstance(value, (bool, int, float, str)):
        raise TypeError(f"expected a bool, number or string, got {value!r}")
    return value


def schedule(value: Any) -> dict[str, list[int | str]]:
    """A schedule: ``minute``, ``hour``, ``day_of_month``, ``month``, ``day_of_week``, each a
    non-empty list of whole numbers or ``"*"``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a schedule object ({', '.join(_SCHEDULE_KEYS)})")
    found = snake_keys(value)
    unknown = sorted(set(found) - set(_SCHEDULE_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; a schedule has {', '.join(_SCHEDULE_KEYS)}")
    for key in _SCHEDULE_KEYS:
        items = found.get(key)
        if not isinstance(items, list) or not items:
            raise ValueError(f"schedule.{key} must be a non-empty list of numbers or '*'")
        for item in items:
            if item != "*" and (isinstance(item, bool) or not isinstance(item, int)):
                raise TypeError(f"schedule.{key} items are whole numbers or '*', got {item!r}")
    return dict(found)

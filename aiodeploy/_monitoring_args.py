"""Checking the arguments of the monitoring calls and turning them into query parameters.

Pure functions, raising ``ValueError``/``TypeError`` before any request. DataRobot takes
monitoring periods in whole hours only: ``start`` is rounded down and ``end`` up, the
smallest window of whole hours that holds the one asked for. Naive datetimes are UTC,
as the official client takes them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._csv_table import read_csv_table
from ._wire import check_id

__all__ = [
    "MAX_ACTUALS_PER_REQUEST",
    "Actual",
    "actuals_payload",
    "bucket_param",
    "checked_models",
    "hour_window",
    "read_actuals",
    "share",
    "utc_iso",
]

MAX_ACTUALS_PER_REQUEST = 10_000
"""Actuals DataRobot takes in one ``actuals/fromJSON/`` request."""

Actual = Mapping[str, Any]
"""One actual: ``association_id`` and ``actual_value``, optionally ``was_acted_on`` and
``timestamp`` (a datetime or an RFC 3339 string)."""

_HOUR = dt.timedelta(hours=1)
_UTC = dt.timezone.utc


def _aware(moment: object, name: str) -> dt.datetime:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    return moment.replace(tzinfo=_UTC) if moment.tzinfo is None else moment.astimezone(_UTC)


def utc_iso(moment: dt.datetime) -> str:
    """``2024-05-01T10:00:00Z`` for an aware UTC datetime."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hour_window(start_time: object, end_time: object) -> dict[str, str]:
    """The ``start``/``end`` parameters of a period, rounded out to whole hours.

    Raises:
        TypeError: a time that is not a datetime.
        ValueError: the period ends before it starts.
    """
    params: dict[str, str] = {}
    start = end = None
    if start_time is not None:
        start = _aware(start_time, "start_time")
        start = start.replace(minute=0, second=0, microsecond=0)
        params["start"] = utc_iso(start)
    if end_time is not None:
        end = _aware(end_time, "end_time")
        floor = end.replace(minute=0, second=0, microsecond=0)
        end = floor if floor == end else floor + _HOUR
        params["end"] = utc_iso(end)
    if start is not None and end is not None and start >= end:
        raise ValueError(f"start_time {start_time} must be before end_time {end_time}")
    return params


def bucket_param(bucket_size: object) -> str | None:
    """A bucket size as ISO 8601 (``PT1H``, ``P1D``, ...); a timedelta must be whole hours.

    Raises:
        TypeError: not a string or a timedelta.
        ValueError: a timedelta that is not a positive number of whole hours.
    """
    if bucket_size is None or isinstance(bucket_size, str):
        return bucket_size
    if not isinstance(bucket_size, dt.timedelta):
        raise TypeError(
            f"bucket_size must be an ISO 8601 string or a timedelta, not {bucket_size!r}"
        )
    hours = bucket_size / _HOUR
    if hours <= 0 or hours != int(hours):
        raise ValueError(f"bucket_size must be whole hours, got {bucket_size}")
    hours = int(hours)
    return f"P{hours // 24}D" if hours % 24 == 0 else f"PT{hours}H"


def checked_models(value: str | Sequence[str] | None, what: str = "model id") -> list[str] | None:
    """One id or several, checked (None: not given)."""
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    if not values:
        raise ValueError(f"give at least one {what}, or None")
    return [check_id(item, what) for item in values]


def share(value: object, name: str) -> float | None:
    """A quantile in ``(0, 1]`` (None: the server's default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be greater than 0 and at most 1, got {value}")
    return float(value)


def _acted_on(index: int, association: str, value: object) -> bool | None:
    """``was_acted_on`` as a bool: ``True``/``False``, or the text ``true``/``false`` (any
    case; a CSV cell); missing or empty is None (not sent). Anything else (``yes``, ``1``)
    is refused rather than guessed: read wrongly it would silently say "not acted on"."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return None
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(
        f"actual {index} ({association}): was_acted_on must be true or false, got {value!r}"
    )


def _actual(index: int, row: object) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise TypeError(f"actual {index} must be a mapping, got {type(row).__name__}")
    association = row.get("association_id")
    if isinstance(association, int) and not isinstance(association, bool):
        association = str(association)
    if not isinstance(association, str) or not association.strip():
        raise ValueError(f"actual {index} has no association_id: {dict(row)!r}")
    if len(association) > 128:
        raise ValueError(f"actual {index}: association_id is longer than 128 characters")
    value = row.get("actual_value")
    if value is None or value == "" or isinstance(value, bool):
        raise ValueError(f"actual {index} ({association}) has no actual_value")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"actual {index} ({association}): actual_value is not finite")
    item: dict[str, Any] = {"associationId": association, "actualValue": value}
    acted = _acted_on(index, association, row.get("was_acted_on"))
    if acted is not None:
        item["wasActedOn"] = acted
    stamp = row.get("timestamp")
    if isinstance(stamp, dt.datetime):
        item["timestamp"] = _aware(stamp, "timestamp").isoformat()
    elif stamp not in (None, ""):
        item["timestamp"] = str(stamp)
    return item


def actuals_payload(rows: Iterable[object]) -> list[dict[str, Any]]:
    """Each actual as ``actuals/fromJSON/`` takes it, every one checked first.

    Raises:
        ValueError: no actuals, or one without an association id or a value.
        TypeError: an actual that is not a mapping.
    """
    items = [_actual(index, row) for index, row in enumerate(rows)]
    if not items:
        raise ValueError("no actuals to submit")
    return items


def read_actuals(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The actuals of a UTF-8 CSV file with a header (``association_id``, ``actual_value``,
    optionally ``was_acted_on`` and ``timestamp``); every cell stays text.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not UTF-8, has no ``association_id`` or ``actual_value`` column,
            or a row has more cells than its header (:class:`CsvTableError`, naming the
            file and line).
    """
    table = read_csv_table(path)
    missing = {"association_id", "actual_value"} - set(table.header)
    if missing:
        raise ValueError(f"{os.fspath(path)}: no {' or '.join(sorted(missing))} column")
    return [cells for _, cells in table.rows]

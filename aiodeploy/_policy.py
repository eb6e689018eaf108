"""Fleet policies: which deployments (``select``) should have which settings (``settings``).

A policy file, YAML or JSON::

    select:                      # every key narrows the selection (AND)
      search: churn              # label or description contains it (case-insensitive)
      tags: {team: risk}         # has every one of these tag name/value pairs
      importance: [HIGH, CRITICAL]
      status: active
    settings:                    # family -> fields, named as the official client's
      drift_tracking: {target_drift_enabled: true, feature_drift_enabled: true}
      association_id: {column_names: [request_id], required_in_prediction_requests: false}
      predictions_data_collection: {enabled: true}

``select`` takes ``ids``, ``search``, ``tags`` and any filter of ``GET deployments/``
(``importance``, ``status``, ``service_health``, ``champion_model_target_type``, ...; in
snake_case or the API's camelCase); ``select: all`` picks every deployment. ``settings``
takes the families of :data:`~aiodeploy._families.FAMILIES` with the argument names of the
official ``update_*_settings`` methods; fields left out keep their values. Everything is
checked on loading: an unknown key, family or field, or a value of the wrong kind, is a
:class:`PolicyError` naming its ``file:line``, before any request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._families import FAMILIES, Route
from ._policy_file import KeyLines, PolicyError, read_policy_file
from ._wire import check_id

__all__ = ["LIST_FILTERS", "Policy", "PolicyError", "Selection"]

LIST_FILTERS = (
    "status", "importance", "role", "serviceHealth", "modelHealth", "accuracyHealth",
    "lastPredictionTimestampStart", "lastPredictionTimestampEnd",
    "predictionUsageDailyAvgGreaterThan", "predictionUsageDailyAvgLessThan",
    "defaultPredictionServerId", "buildEnvironmentType", "executionEnvironmentType",
    "createdByMe", "createdBy", "championModelExecutionType", "championModelTargetType",
    "isA2AAgent", "predictionEnvironmentPlatform", "predictionEnvironmentTagKeys",
    "predictionEnvironmentTagValues",
)  # fmt: skip
"""The query parameters of ``GET deployments/`` a selection may use."""
# The official client sends these lists comma-joined; the others as repeated keys.
_COMMA_JOINED = frozenset({"importance", "serviceHealth", "modelHealth", "accuracyHealth"})
_SNAKE = {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(): name for name in LIST_FILTERS}
_SNAKE["is_a2a_agent"] = "isA2AAgent"
_FILTER_NAMES = {**_SNAKE, **{name: name for name in LIST_FILTERS}}
_TOP_KEYS = ("select", "settings")


@dataclasses.dataclass(frozen=True)
class Selection:
    """Which deployments a policy is for; every part narrows it (AND).

    Attributes:
        everything: ``select: all`` (no filter at all).
        ids: only these deployments.
        search: label or description contains it (the list route's ``search``).
        tags: tag ``(name, value)`` pairs a deployment must all have (checked on our side:
            the list route can only ask for keys and values apart).
        filters: other query parameters of ``GET deployments/``, as sent.
    """

    everything: bool = False
    ids: tuple[str, ...] | None = None
    search: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    filters: Mapping[str, str | tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def query(self) -> dict[str, str | list[str]]:
        """The query of ``GET deployments/`` that narrows the list before our own checks."""
        params: dict[str, str | list[str]] = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in self.filters.items()
        }
        if self.search is not None:
            params["search"] = self.search
        if self.tags:
            params["tagKeys"] = sorted({name for name, _ in self.tags})
            params["tagValues"] = sorted({value for _, value in self.tags})
        return params


@dataclasses.dataclass(frozen=True)
class Policy:
    """A checked fleet policy (see the module docstring for the format).

    Attributes:
        selection: which deployments.
        settings: family → checked field values.
        source: the file it came from (``<policy>`` for data).
    """

    selection: Selection
    settings: Mapping[str, Mapping[str, Any]]
    source: str = "<policy>"

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Load and check a policy file (``.json``: JSON; anything else: YAML).

        Raises:
            PolicyError: the file is unreadable or malformed, or names an unknown family,
                field or filter, or gives a value of the wrong kind (``file:line: why``).
        """
        data, lines = read_policy_file(path)
        return _parse(data, lines, str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<policy>") -> Policy:
        """Check a policy given as data (``{"select": ..., "settings": ...}``).

        Raises:
            PolicyError: as for :meth:`from_file`, without line numbers.
        """
        return _parse(data, {}, source)

    @property
    def routes(self) -> list[Route]:
        """The routes whose settings the policy states, in family order."""
        return list(dict.fromkeys(FAMILIES[name].route for name in self.settings))

    def fingerprint(self) -> str:
        """A digest of what the policy selects and sets (not of where it was read from)."""
        content = {
            "select": dataclasses.asdict(self.selection),
            "settings": {name: dict(values) for name, values in self.settings.items()},
        }
        text = json.dumps(content, sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _parse(data: Any, lines: KeyLines, source: str) -> Policy:
    def fail(path: tuple[str, ...], problem: str) -> PolicyError:
        while path and path not in lines:
            path = path[:-1]
        return PolicyError(source, lines.get(path), problem)

    if not isinstance(data, Mapping):
        raise fail((), "a policy is an object with `select` and `settings`")
    for key in data:
        if key not in _TOP_KEYS:
            raise fail((str(key),), f"unknown key {key!r}; a policy has select and settings")
    if "select" not in data:
        raise fail((), "`select` is required (filters, or `select: all` for every deployment)")
    selection = _selection(data["select"], fail)
    settings = data.get("settings")
    if not isinstance(settings, Mapping) or not settings:
        raise fail(("settings",), "`settings` must name at least one family and its fields")
    return Policy(selection, _settings(settings, fail), source)


def _selection(raw: Any, fail: Any) -> Selection:
    if raw == "all":
        return Selection(everything=True)
    if not isinstance(raw, Mapping) or not raw:
        raise fail(("select",), "`select` takes filters (ids, search, tags, ...) or `all`")
    found: dict[str, Any] = {"filters": {}}
    for key, value in raw.items():
        path = ("select", str(key))
        if key == "ids":
            items = value if isinstance(value, list) else [value]
            try:
                found["ids"] = tuple(check_id(item, "deployment id") for item in items)
            except (TypeError, ValueError) as exc:
                raise fail(path, str(exc)) from None
            if not items:
                raise fail(path, "`ids` names no deployment")
        elif key == "search":
            if not isinstance(value, str) or not value.strip():
                raise fail(path, "`search` is a non-empty string")
            found["search"] = value
        elif key == "tags":
            found["tags"] = _tags(value, path, fail)
        elif key in _FILTER_NAMES:
            found["filters"][_FILTER_NAMES[key]] = _filter_value(
                _FILTER_NAMES[key], value, path, fail
            )
        else:
            known = ", ".join(sorted(_SNAKE))
            raise fail(
                path,
                f"unknown selection key {key!r}; use ids, search, tags or a filter of "
                f"GET deployments/ ({known})",
            )
    return Selection(**found)


def _tags(value: Any, path: tuple[str, ...], fail: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value:
        raise fail(path, "`tags` maps tag names to values, e.g. {team: risk}")
    pairs = []
    for name, tag_value in value.items():
        if isinstance(tag_value, bool) or not isinstance(tag_value, (str, int, float)):
            raise fail((*path, str(name)), f"tag {name!r} needs one value (a string)")
        pairs.append((str(name), str(tag_value)))
    return tuple(sorted(pairs))


def _filter_value(name: str, value: Any, path: tuple[str, ...], fail: Any) -> str | tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise fail(path, f"`{path[-1]}` names no value")
    texts = []
    for item in items:
        if isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            texts.append(str(item))
        else:
            raise fail(path, f"`{path[-1]}` takes a value or a list of values")
    if name in _COMMA_JOINED:
        return ",".join(texts)
    return texts[0] if len(texts) == 1 else tuple(texts)


def _settings(raw: Mapping[str, Any], fail: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for family, fields in raw.items():
        path = ("settings", str(family))
        spec = FAMILIES.get(str(family))
        if spec is None:
            raise fail(path, f"unknown settings family {family!r}; use {', '.join(FAMILIES)}")
        if not isinstance(fields, Mapping) or not fields:
            raise fail(path, f"{family} takes an object of its fields: {', '.join(spec.fields)}")
        values: dict[str, Any] = {}
        for name, value in fields.items():
            check = spec.fields.get(str(name))
            if check is None:
                known = ", ".join(spec.fields)
                raise fail(
                    (*path, str(name)), f"{family} has no field {name!r}; its fields: {known}"
                )
            try:
                values[str(name)] = check(value)
            except (TypeError, ValueError) as exc:
                raise fail((*path, str(name)), f"{family}.{name}: {exc}") from None
        problem = _incomplete(str(family), values)
        if problem:
            raise fail(path, f"{family}: {problem}")
        found[str(family)] = values
    return found


def _incomplete(family: str, values: Mapping[str, Any]) -> str | None:
    """What a family's values lack to make a request whatever the current settings are."""
    bounds = {"lower_boundary", "upper_boundary"} & set(values)
    if family == "prediction_warning" and values.get("use_default_boundaries") is False:
        if len(bounds) < 2:
            return "use_default_boundaries: false needs lower_boundary and upper_boundary"
    elif family == "prediction_warning" and bounds:
        return "lower_boundary and upper_boundary go with use_default_boundaries: false"
    enabling = family == "predictions_by_forecast_date" and values.get(
        "enable_predictions_by_forecast_date"
    )
    if enabling and not (
        values.get("forecast_date_column_name") and values.get("forecast_date_format")
    ):
        return "enabling needs forecast_date_column_name and forecast_date_format"
    if family == "secondary_dataset_config" and "secondary_dataset_config_id" not in values:
        return "secondary_dataset_config_id is required (credential_ids go with it)"
    return None

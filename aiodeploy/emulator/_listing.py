"""``GET deployments/``: query parameters, filters and ordering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from multidict import MultiMapping

from ._auth import Role
from ._paging import Paging, Window
from ._params import QueryReader
from ._records import DeploymentRecord
from ._seed import SeedData

__all__ = ["DEPLOYMENT_PAGES", "select_deployments"]

DEPLOYMENT_PAGES = Paging(default_limit=20, max_limit=100, total_count=True)

_HEALTH_RANK = {"failing": 0, "warning": 1, "passing": 2, "unknown": 3, "unavailable": 4}
_IMPORTANCE_RANK = {None: -1, "LOW": 0, "MODERATE": 1, "HIGH": 2, "CRITICAL": 3}
_Key = Callable[[DeploymentRecord], Any]
_ORDER_KEYS: dict[str, _Key] = {
    "label": lambda d: d.label.casefold(),
    "serviceHealth": lambda d: _HEALTH_RANK[d.service_health],
    "modelHealth": lambda d: _HEALTH_RANK[d.model_health],
    "accuracyHealth": lambda d: _HEALTH_RANK[d.accuracy_health],
    "fairnessHealth": lambda d: _HEALTH_RANK["unavailable"],
    "customMetricsHealth": lambda d: 0,
    "actualsTimelinessHealth": lambda d: 0,
    "predictionsTimelinessHealth": lambda d: 0,
    "recentPredictions": lambda d: sum(d.daily_rates),
    "lastPredictionTimestamp": lambda d: d.last_prediction or "",
    "currentModelDeployedTimestamp": lambda d: d.deployed_epoch,
    "createdAtTimestamp": lambda d: d.created_epoch,
    "importance": lambda d: _IMPORTANCE_RANK[d.importance],
}
_HEALTH_VALUES = tuple(_HEALTH_RANK)
# prediction environments carry no tags here
_NEVER_MATCH = ("predictionEnvironmentTagKeys", "predictionEnvironmentTagValues")
_PLATFORMS = (
    "aws", "gcp", "azure", "onPremise", "datarobot", "datarobotServerless", "openShift",
    "other", "snowflake", "sapAiCore",
)  # fmt: skip
PlatformOf = Callable[[DeploymentRecord], "str | None"]
"""The platform of a deployment's prediction environment."""
_ACCEPTED = (
    "offset", "limit", "orderBy", "search", "status", "role", "serviceHealth", "modelHealth",
    "accuracyHealth", "importance", "lastPredictionTimestampStart", "lastPredictionTimestampEnd",
    "predictionUsageDailyAvgGreaterThan", "predictionUsageDailyAvgLessThan",
    "defaultPredictionServerId", "buildEnvironmentType", "executionEnvironmentType",
    "createdByMe", "createdBy", "championModelExecutionType", "championModelTargetType",
    "isA2AAgent", "tagKeys", "tagValues", "predictionEnvironmentPlatform", *_NEVER_MATCH,
)  # fmt: skip
_Predicate = Callable[[DeploymentRecord], bool]


def _timestamp(reader: QueryReader, name: str) -> str | None:
    text = reader.text(name)
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        # years near 1 or 9999 overflow when shifted to UTC
        return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (ValueError, OverflowError):
        reader.errors[name] = "value is not a valid date-time"
        return None


def _has_value(attr: str, wanted: set[str]) -> _Predicate:
    return lambda d: getattr(d, attr) in wanted


def _tag_filters(reader: QueryReader, platform_of: PlatformOf | None) -> list[_Predicate]:
    """``tagKeys`` (a tag of one of these names) and ``tagValues`` (a tag of one of these
    values), each repeatable; they combine with AND like any two filters."""
    found: list[_Predicate] = []
    if (keys := reader.strings("tagKeys")) is not None:
        wanted_keys = set(keys)
        found.append(lambda d: any(t.name in wanted_keys for t in d.tags))
    if (values := reader.strings("tagValues")) is not None:
        wanted_values = set(values)
        found.append(lambda d: any(t.value in wanted_values for t in d.tags))
    if (platforms := reader.choices("predictionEnvironmentPlatform", _PLATFORMS)) is not None:
        found.append(lambda d: platform_of is not None and platform_of(d) in platforms)
    return found


def _filters(reader: QueryReader, catalog: SeedData, role: Role) -> list[_Predicate]:
    found: list[_Predicate] = []
    search = reader.text("search")
    if search:
        needle = search.casefold()
        found.append(
            lambda d: needle in d.label.casefold() or needle in (d.description or "").casefold()
        )
    if (statuses := reader.choices("status", ("active", "inactive"))) is not None:
        found.append(lambda d: d.status in statuses)
    if (roles := reader.choices("role", ("OWNER", "USER"))) is not None:
        mine = "OWNER" if role is Role.OWNER else "USER"
        found.append(lambda d: mine in roles)
    for name, attr in (
        ("serviceHealth", "service_health"),
        ("modelHealth", "model_health"),
        ("accuracyHealth", "accuracy_health"),
    ):
        if (wanted := reader.choices(name, _HEALTH_VALUES)) is not None:
            found.append(_has_value(attr, wanted))
    if (
        levels := reader.choices("importance", tuple(k for k in _IMPORTANCE_RANK if k))
    ) is not None:
        found.append(lambda d: d.importance in levels)
    if (
        servers := reader.choices(
            "defaultPredictionServerId", [s.id for s in catalog.prediction_servers]
        )
    ) is not None:
        found.append(lambda d: d.server_id in servers)
    if (target_type := reader.text("championModelTargetType")) is not None:
        types = {p.id: p.target_type.casefold() for p in catalog.projects}
        by_model = {m.id: types[m.project_id] for m in catalog.models}
        found.append(lambda d: by_model[d.model_id] == target_type.casefold())
    if (build := reader.text("buildEnvironmentType")) is not None:
        found.append(lambda d: build.casefold() == "datarobot")
    if (kinds := reader.choices("executionEnvironmentType", ("datarobot", "external"))) is not None:
        found.append(lambda d: "datarobot" in kinds)
    execution = ("custom_inference_model", "external", "dedicated")
    if (exec_kinds := reader.choices("championModelExecutionType", execution)) is not None:
        found.append(lambda d: "dedicated" in exec_kinds)
    if (by_me := reader.boolean("createdByMe")) is not None:
        found.append(lambda d: by_me == (role is Role.OWNER))
    if (creator := reader.text("createdBy")) is not None:
        found.append(lambda d: creator in ("5a8ac9ab07a57a0001be501f", "emulator@example.com"))
    if (agent := reader.boolean("isA2AAgent")) is not None:
        found.append(lambda d: not agent)
    if any(reader.strings(name) for name in _NEVER_MATCH):
        found.append(lambda d: False)
    start = _timestamp(reader, "lastPredictionTimestampStart")
    end = _timestamp(reader, "lastPredictionTimestampEnd")
    if start or end:
        found.append(
            lambda d: (
                d.last_prediction is not None
                and (start is None or d.last_prediction >= start)
                and (end is None or d.last_prediction < end)
            )
        )
    above = reader.number("predictionUsageDailyAvgGreaterThan")
    below = reader.number("predictionUsageDailyAvgLessThan")
    if above is not None or below is not None:
        found.append(
            lambda d: (
                (above is None or sum(d.daily_rates) / 7 > above)
                and (below is None or sum(d.daily_rates) / 7 < below)
            )
        )
    return found


def select_deployments(
    query: MultiMapping[str],
    records: list[DeploymentRecord],
    catalog: SeedData,
    role: Role,
    platform_of: PlatformOf | None = None,
) -> tuple[list[DeploymentRecord], Window]:
    """Filter and order deployments as the query asks.

    ``platform_of`` tells a deployment's prediction environment platform (without it,
    ``predictionEnvironmentPlatform`` matches nothing).

    Returns:
        All matching deployments in order, and the page asked for.

    Raises:
        ApiError: 400 on an unknown parameter or a bad value (``limit`` above 100 included:
            DataRobot validates query parameters rather than clamping them).
    """
    reader = QueryReader(query, _ACCEPTED)
    window = DEPLOYMENT_PAGES.read(reader)
    order = reader.text("orderBy") or "label"
    key = _ORDER_KEYS.get(order.removeprefix("-"))
    if key is None:
        reader.errors["orderBy"] = f"value doesn't match any variant of {', '.join(_ORDER_KEYS)}"
    predicates = _filters(reader, catalog, role) + _tag_filters(reader, platform_of)
    reader.check()
    assert key is not None
    # Every page request filters and sorts all deployments (no cache to go stale), so keep
    # the per-record work small: no filter pass without filters, one key call per record.
    chosen = [d for d in records if all(p(d) for p in predicates)] if predicates else records[:]
    descending = order.startswith("-")
    chosen.sort(key=lambda d: d.id, reverse=descending)
    chosen.sort(key=key, reverse=descending)  # stable: ties keep the id order
    return chosen, window

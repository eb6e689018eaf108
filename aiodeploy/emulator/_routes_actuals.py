"""Actuals, monitoring data deletions (both jobs), and the segment attribute/value reads."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from ._errors import invalid_body, not_found
from ._http import deployment_or_404, json_reply, location_reply, read_json, state_of
from ._monitoring_data import SEGMENT_ATTRIBUTES
from ._paging import Paging
from ._params import QueryReader, check_body, check_bool, check_str
from ._windows import parse_moment, round_period

__all__ = ["add_actuals_routes"]

MAX_ACTUALS = 10_000
"""Actuals one ``actuals/fromJSON/`` request may hold (DataRobot's limit)."""

_MONITORING_TYPES = ("serviceHealth", "dataDrift", "accuracy", "humility", "customMetrics")
_VALUE_PAGES = Paging(default_limit=100, max_limit=1000)


def _association_id(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "value is not a non-empty string"
    return None if len(value) <= 128 else "value is longer than 128 characters"


def _actual_value(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return "value is not a string or a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "value is not finite"
    return None


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, str):
        return "value is not a string"
    try:
        parse_moment(value)
    except ValueError:
        return "value is not a valid RFC3339 date-time"
    return None


def _nullable_bool(value: Any) -> str | None:
    return None if value is None else check_bool(value)


_ACTUAL_FIELDS = {
    "associationId": (_association_id, True),
    "actualValue": (_actual_value, True),
    "wasActedOn": (_nullable_bool, False),
    "timestamp": (_timestamp, False),
}


def _item_errors(item: dict[str, Any]) -> dict[str, str]:
    errors = {key: f"{key} is not allowed key" for key in item if key not in _ACTUAL_FIELDS}
    for name, (check, required) in _ACTUAL_FIELDS.items():
        if name not in item:
            if required:
                errors[name] = "is required"
        elif (problem := check(item[name])) is not None:
            errors[name] = problem
    return errors


def _items(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "value is not a non-empty list"
    return None if len(value) <= MAX_ACTUALS else f"more than {MAX_ACTUALS} items"


async def post_actuals(request: web.Request) -> web.Response:
    """``POST deployments/{id}/actuals/fromJSON/``: 202; the actuals count once the job
    completes (422 naming each bad item's fields)."""
    record = deployment_or_404(request)
    body = check_body(
        await read_json(request),
        {"data": (_items, True), "keepActualsWithoutPredictions": (check_bool, False)},
    )
    errors: dict[str, Any] = {}
    items = []
    for index, item in enumerate(body["data"]):
        if not isinstance(item, dict):
            errors[str(index)] = "value is not a dict"
            continue
        problems = {
            name: problem
            for name, (check, required) in _ACTUAL_FIELDS.items()
            if (
                problem := check(item[name])
                if name in item
                else "is required"
                if required
                else None
            )
        }
        problems.update(
            {key: f"{key} is not allowed key" for key in item if key not in _ACTUAL_FIELDS}
        )
        if problems:
            errors[str(index)] = problems
            continue
        stamp = item.get("timestamp")
        items.append({**item, "timestamp": None if stamp is None else parse_moment(stamp)})
    if errors:
        raise invalid_body({"data": errors})
    job = state_of(request).monitoring.start_actuals(record, items)
    return location_reply(request, job)


async def post_deletion(request: web.Request) -> web.Response:
    """``POST deployments/{id}/monitoringDataDeletions/``: delete a model's monitoring data
    in a period (``start``/``end`` rounded out to whole hours; all time by default); 202."""
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(
        await read_json(request),
        {"modelId": (check_str, True), "start": (_timestamp, False), "end": (_timestamp, False)},
    )
    if state.monitoring.scorers([body["modelId"]]) is None:
        raise not_found("Model not found.")
    start = parse_moment(body["start"]) if "start" in body else 0.0
    end = parse_moment(body["end"]) if "end" in body else None
    period = round_period(start, end, state.monitoring.now())
    if period.start >= period.end:
        raise invalid_body({"start": "start must be before end"})
    job = state.monitoring.start_deletion(record, body["modelId"], period)
    return location_reply(request, job)


async def get_segment_attributes(request: web.Request) -> web.Response:
    """``GET deployments/{id}/segmentAttributes/``: ``{"data": [attribute, ...]}``.

    Service health always has DataRobot's three; the other monitoring types have the
    attributes the deployment's segment analysis settings track.
    """
    record = deployment_or_404(request)
    reader = QueryReader(request.query, ("monitoringType",))
    kinds = reader.choices("monitoringType", _MONITORING_TYPES) or {"serviceHealth"}
    reader.check()
    if "serviceHealth" in kinds:
        return json_reply({"data": list(SEGMENT_ATTRIBUTES)})
    section = record.settings.get("segmentAnalysis") or {}
    tracked = section.get("attributes") or [] if section.get("enabled") else []
    return json_reply({"data": list(tracked)})


async def get_segment_values(request: web.Request) -> web.Response:
    """``GET deployments/{id}/segmentValues/``: the values an attribute took in requests
    (``search`` filters them), a page of strings."""
    state = state_of(request)
    record = deployment_or_404(request)
    reader = QueryReader(request.query, ("segmentAttribute", "offset", "limit", "search"))
    window = _VALUE_PAGES.read(reader)
    attribute, search = reader.text("segmentAttribute"), reader.text("search")
    reader.check()
    indexes = (
        range(len(SEGMENT_ATTRIBUTES))
        if attribute is None
        else [SEGMENT_ATTRIBUTES.index(attribute)]
        if attribute in SEGMENT_ATTRIBUTES
        else []
    )
    segments = state.monitoring.data.segments(record.id)
    values = sorted({segment[i] for segment in segments for i in indexes})
    if search:
        values = [v for v in values if search.casefold() in v.casefold()]
    return json_reply(_VALUE_PAGES.envelope(request.url, values, window, str))


def add_actuals_routes(router: web.UrlDispatcher) -> None:
    """Register actuals, deletions and segment reads under ``/api/v2/deployments/{id}/``."""
    base = "/api/v2/deployments/{deployment_id}"
    router.add_post(f"{base}/actuals/fromJSON/", post_actuals)
    router.add_post(f"{base}/monitoringDataDeletions/", post_deletion)
    router.add_get(f"{base}/segmentAttributes/", get_segment_attributes)
    router.add_get(f"{base}/segmentValues/", get_segment_values)

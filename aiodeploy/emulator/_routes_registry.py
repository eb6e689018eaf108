"""Registry routes: registered models, their versions, and the deployments of both.

``registeredModels/`` lists in creation order and ``versions/`` by version number unless
``sortKey``/``sortDirection`` say otherwise (DataRobot's default order is not documented).
Filters on what the emulator does not have (imported packages, use cases, time series)
are accepted and match as DataRobot's would: nothing is imported, nothing is time series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ._errors import not_found
from ._http import json_reply, state_of
from ._paging import Paging
from ._params import QueryReader
from ._records import ProjectRecord
from ._records_registry import RegisteredModelRecord, VersionRecord
from ._state import EmulatorState
from ._state_registry import COMPLETE, IN_PROGRESS
from ._wire_registry import (
    USER_META,
    associated_deployment_json,
    registered_model_json,
    version_json,
)

__all__ = ["add_registry_routes", "version_reply"]

_PAGES = Paging(default_limit=20, max_limit=100, total_count=True)
_COMMON = ("offset", "limit", "search", "sortKey", "sortDirection")
_SHARED_FILTERS = (
    "targetName", "targetType", "compatibleWithLeaderboardModelId",
    "compatibleWithModelPackageId", "forChallenger", "predictionThreshold", "imported",
    "predictionEnvironmentId", "modelKind", "buildStatus", "useCaseId", "tags",
)  # fmt: skip
_RM_FILTERS = (
    "createdAtStartTs", "createdAtEndTs", "modifiedAtStartTs", "modifiedAtEndTs", "createdBy",
    "isGlobal", *_SHARED_FILTERS,
)  # fmt: skip
_RM_SORT = {"createdAt": "created_at", "modifiedAt": "modified_at", "name": "name"}
_VERSION_SORT = ("version", "modelType", "status", "createdAt", "modifiedAt", "updatedAt")
_DEPLOYMENT_SORT = ("createdAt", "label")
_Predicate = Callable[[VersionRecord], bool]


def version_reply(state: EmulatorState, version: VersionRecord, status: int = 200) -> web.Response:
    """Reply with a version as DataRobot shows it (also the champion model package)."""
    registry = state.registry
    body = version_json(
        version,
        registry.model_of(version),
        registry.project_of(version),
        build_status=registry.build_status(version),
        active_deployments=registry.active_deployments(version),
    )
    return json_reply(body, status)


def _registered_or_404(request: web.Request) -> RegisteredModelRecord:
    registered = state_of(request).registry.registered_model(
        request.match_info["registered_model_id"]
    )
    if registered is None:
        raise not_found("Registered model not found.")
    return registered


def _version_or_404(request: web.Request) -> tuple[RegisteredModelRecord, VersionRecord]:
    registered = _registered_or_404(request)
    version = state_of(request).registry.version(request.match_info["version_id"])
    if version is None or version.registered_model_id != registered.id:
        raise not_found("Registered model version not found.")
    return registered, version


def _moment(reader: QueryReader, name: str) -> dt.datetime | None:
    text = reader.text(name)
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        # in UTC now, so that comparing never shifts a year near 1 or 9999 out of range
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        reader.errors[name] = "value is not a valid date-time"
        return None


def _at(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _target_of(project: ProjectRecord) -> tuple[str, str, tuple[str, ...]]:
    return project.target, project.target_type, project.classes


def _version_filters(reader: QueryReader, state: EmulatorState) -> list[_Predicate]:
    """What the filters both list routes share ask of a version."""
    registry = state.registry
    found: list[_Predicate] = []
    if (name := reader.text("targetName")) is not None:
        found.append(lambda v: registry.project_of(v).target == name)
    if (kind := reader.text("targetType")) is not None:
        found.append(lambda v: registry.project_of(v).target_type.casefold() == kind.casefold())
    if (model_id := reader.text("compatibleWithLeaderboardModelId")) is not None:
        found.append(lambda v: v.model_id == model_id)
    if (package_id := reader.text("compatibleWithModelPackageId")) is not None:
        other = registry.version(package_id)
        like = None if other is None else _target_of(registry.project_of(other))
        found.append(lambda v: _target_of(registry.project_of(v)) == like)
    if (threshold := reader.number("predictionThreshold")) is not None:
        found.append(lambda v: v.prediction_threshold == threshold)
    if reader.boolean("imported"):
        found.append(lambda v: False)  # every version here comes from the Leaderboard
    if (env_id := reader.text("predictionEnvironmentId")) is not None:
        env = state.environments.get(env_id)
        fits = env is not None and state.environments.refusal(env) is None
        found.append(lambda v: fits)
    if (statuses := reader.choices("buildStatus", (COMPLETE, IN_PROGRESS, "failed"))) is not None:
        found.append(lambda v: registry.build_status(v) in statuses)
    reader.boolean("forChallenger")
    reader.text("modelKind")
    reader.text("useCaseId")
    reader.strings("tags")
    return found


def _direction(reader: QueryReader) -> bool:
    return "desc" in (reader.choices("sortDirection", ("asc", "desc")) or ())


async def list_registered_models(request: web.Request) -> web.Response:
    """``GET registeredModels/``: paginated, with ``totalCount``."""
    state = state_of(request)
    reader = QueryReader(request.query, (*_COMMON, *_RM_FILTERS))
    window = _PAGES.read(reader)
    search = (reader.text("search") or "").casefold()
    key = reader.choices("sortKey", tuple(_RM_SORT)) or {"createdAt"}
    descending = _direction(reader)
    predicates = _version_filters(reader, state)
    bounds = {name: _moment(reader, name) for name in _RM_FILTERS if name.endswith("Ts")}
    creator = reader.text("createdBy")
    reader.boolean("isGlobal")
    reader.check()
    registry = state.registry

    def wanted(rm: RegisteredModelRecord) -> bool:
        text = f"{rm.name}\n{rm.description}\n{rm.target_name}".casefold()
        created, modified = _at(rm.created_at), _at(rm.modified_at)
        start_c, end_c = bounds["createdAtStartTs"], bounds["createdAtEndTs"]
        start_m, end_m = bounds["modifiedAtStartTs"], bounds["modifiedAtEndTs"]
        return (
            search in text
            and (creator is None or creator in (USER_META["email"], USER_META["id"]))
            and (start_c is None or created >= start_c)
            and (end_c is None or created < end_c)
            and (start_m is None or modified >= start_m)
            and (end_m is None or modified < end_m)
            and (
                not predicates
                or any(all(p(v) for p in predicates) for v in registry.versions_of(rm))
            )
        )

    chosen = [rm for rm in registry.registered.values() if wanted(rm)]
    attribute = _RM_SORT[sorted(key)[0]]
    chosen.sort(key=lambda rm: getattr(rm, attribute), reverse=descending)
    return json_reply(_PAGES.envelope(request.url, chosen, window, registered_model_json))


async def get_registered_model(request: web.Request) -> web.Response:
    """``GET registeredModels/{id}/``."""
    return json_reply(registered_model_json(_registered_or_404(request)))


async def list_versions(request: web.Request) -> web.Response:
    """``GET registeredModels/{id}/versions/``: paginated, version 1 first by default."""
    state = state_of(request)
    registered = _registered_or_404(request)
    reader = QueryReader(request.query, (*_COMMON, *_SHARED_FILTERS))
    window = _PAGES.read(reader)
    search = (reader.text("search") or "").casefold()
    key = sorted(reader.choices("sortKey", _VERSION_SORT) or {"version"})[0]
    descending = _direction(reader)
    predicates = _version_filters(reader, state)
    reader.check()
    registry = state.registry
    chosen = [
        v
        for v in registry.versions_of(registered)
        if search in f"{v.name}\n{v.description or ''}".casefold() and all(p(v) for p in predicates)
    ]
    orders: dict[str, Callable[[VersionRecord], Any]] = {
        "version": lambda v: v.number,
        "modelType": lambda v: registry.model_of(v).model_type,
        "status": registry.build_status,
    }
    chosen.sort(key=orders.get(key, lambda v: v.created_at), reverse=descending)
    return json_reply(
        _PAGES.envelope(
            request.url,
            chosen,
            window,
            lambda v: version_json(
                v,
                registry.model_of(v),
                registry.project_of(v),
                build_status=registry.build_status(v),
                active_deployments=registry.active_deployments(v),
            ),
        )
    )


async def get_version(request: web.Request) -> web.Response:
    """``GET registeredModels/{id}/versions/{versionId}/``."""
    _, version = _version_or_404(request)
    return version_reply(state_of(request), version)


async def _deployments_reply(
    request: web.Request, registered: RegisteredModelRecord, version: VersionRecord | None
) -> web.Response:
    state = state_of(request)
    reader = QueryReader(request.query, _COMMON)
    window = _PAGES.read(reader)
    search = (reader.text("search") or "").casefold()
    key = sorted(reader.choices("sortKey", _DEPLOYMENT_SORT) or {"createdAt"})[0]
    descending = _direction(reader)
    reader.check()
    chosen = [
        d
        for d in state.registry.deployments_of(registered, version)
        if search in d.label.casefold()
    ]
    chosen.sort(
        key=(lambda d: d.label.casefold()) if key == "label" else (lambda d: d.created_epoch),
        reverse=descending,
    )
    asked = [version] if version is not None else state.registry.versions_of(registered)
    by_id = {v.id: v for v in asked}
    return json_reply(
        _PAGES.envelope(
            request.url,
            chosen,
            window,
            lambda d: associated_deployment_json(
                d, by_id, state.environments.get(d.environment_id)
            ),
        )
    )


async def list_registered_model_deployments(request: web.Request) -> web.Response:
    """``GET registeredModels/{id}/deployments/``: deployments that serve (or served) one of
    its versions."""
    return await _deployments_reply(request, _registered_or_404(request), None)


async def list_version_deployments(request: web.Request) -> web.Response:
    """``GET registeredModels/{id}/versions/{versionId}/deployments/``."""
    registered, version = _version_or_404(request)
    return await _deployments_reply(request, registered, version)


def add_registry_routes(router: web.UrlDispatcher) -> None:
    """Register the registry routes under ``/api/v2``."""
    base = "/api/v2/registeredModels"
    router.add_get(f"{base}/", list_registered_models)
    router.add_get(f"{base}/{{registered_model_id}}/", get_registered_model)
    router.add_get(f"{base}/{{registered_model_id}}/versions/", list_versions)
    router.add_get(f"{base}/{{registered_model_id}}/versions/{{version_id}}/", get_version)
    router.add_get(
        f"{base}/{{registered_model_id}}/deployments/", list_registered_model_deployments
    )
    router.add_get(
        f"{base}/{{registered_model_id}}/versions/{{version_id}}/deployments/",
        list_version_deployments,
    )

"""Model packages: register a Leaderboard model (``modelPackages/fromLeaderboard/``), read a
package, deploy one (``deployments/fromModelPackage/``), and a deployment's champion
package and the features it needs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aiodeploy.enums import Importance

from ._errors import ApiError, invalid_body, not_found
from ._http import deployment_or_404, json_reply, location_reply, read_json, state_of
from ._paging import Paging
from ._params import QueryReader, check_body, check_choice, check_number, check_str
from ._routes_registry import version_reply
from ._state_registry import COMPLETE
from ._wire_registry import features_json

__all__ = ["add_package_routes"]

_FEATURE_PAGES = Paging(default_limit=20, max_limit=100, total_count=True)
_FEATURE_ORDERS = ("name", "-name", "importance", "-importance")


def _tag_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return "value is not a list"
    for tag in value:
        if not (isinstance(tag, dict) and set(tag) == {"name", "value"}):
            return "each tag is {name, value}"
        if not all(isinstance(v, str) and v.strip() for v in tag.values()):
            return "tag names and values are non-empty strings"
    return None


def _nullable_str(value: Any) -> str | None:
    return None if value is None else check_str(value)


def _threshold(value: Any) -> str | None:
    problem = check_number(value)
    return problem or (None if 0 <= value <= 1 else "value is not between 0 and 1")


_FROM_LEADERBOARD = {
    "modelId": (check_str, True),
    "name": (check_str, False),
    "description": (_nullable_str, False),
    "predictionThreshold": (_threshold, False),
    "distributionPredictionModelId": (check_str, False),
    "computeAllTsIntervals": (lambda v: None if isinstance(v, bool) else "not a bool", False),
    "registeredModelName": (check_str, False),
    "registeredModelId": (check_str, False),
    "registeredModelDescription": (_nullable_str, False),
    "tags": (_tag_list, False),
    "registeredModelTags": (_tag_list, False),
    "userProvidedId": (check_str, False),
    "useCaseId": (check_str, False),
}


async def create_from_leaderboard(request: web.Request) -> web.Response:
    """``POST modelPackages/fromLeaderboard/``: 201 with the new version.

    It goes into ``registeredModelId``, or a new registered model named
    ``registeredModelName`` (default: the version's name); its build may take
    ``package_build_seconds``.
    """
    state = state_of(request)
    body = check_body(await read_json(request), _FROM_LEADERBOARD)
    if "registeredModelId" in body and "registeredModelName" in body:
        message = "registeredModelId and registeredModelName are mutually exclusive"
        raise invalid_body({"registeredModelId": message})
    model = state.catalog.model(body["modelId"])
    if model is None:
        raise not_found("Model not found.")
    registry = state.registry
    registered = None
    if "registeredModelId" in body:
        registered = registry.registered_model(body["registeredModelId"])
        if registered is None:
            raise not_found("Registered model not found.")
        if (mismatch := registry.target_mismatch(registered, model)) is not None:
            raise ApiError(422, {"message": mismatch})
    else:
        name = body.get("registeredModelName") or body.get("name") or model.model_type
        if registry.registered_model_named(name) is not None:
            message = (
                f"A registered model named {name!r} already exists; give its "
                "registeredModelId to add a version to it."
            )
            raise ApiError(422, {"message": message})
    version = registry.register(
        model,
        name=body.get("name"),
        description=body.get("description"),
        registered=registered,
        registered_model_name=body.get("registeredModelName"),
        registered_model_description=body.get("registeredModelDescription"),
        prediction_threshold=body.get("predictionThreshold"),
        tags=body.get("tags", ()),
        registered_model_tags=body.get("registeredModelTags", ()),
    )
    return version_reply(state, version, 201)


async def get_model_package(request: web.Request) -> web.Response:
    """``GET modelPackages/{id}/``: a version by its id alone."""
    state = state_of(request)
    version = state.registry.version(request.match_info["package_id"])
    if version is None:
        raise not_found("Model package not found.")
    return version_reply(state, version)


def _label(value: Any) -> str | None:
    if not isinstance(value, str):
        return "value is not a string"
    return None if value.strip() else "blank value is not allowed"


def _metadata(value: Any) -> str | None:
    if not isinstance(value, list):
        return "value is not a list"
    ok = all(
        isinstance(item, dict)
        and set(item) == {"key", "value"}
        and all(isinstance(v, str) for v in item.values())
        for item in value
    )
    return None if ok else "each item is {key, value} with string values"


_FROM_PACKAGE = {
    "modelPackageId": (check_str, True),
    "label": (_label, True),
    "description": (_nullable_str, False),
    "defaultPredictionServerId": (check_str, False),
    "predictionEnvironmentId": (check_str, False),
    "importance": (check_choice([i.value for i in Importance]), False),
    "userProvidedId": (check_str, False),
    "additionalMetadata": (_metadata, False),
    "runtimeParameterValues": (check_str, False),
}


async def create_from_model_package(request: web.Request) -> web.Response:
    """``POST deployments/fromModelPackage/``: 202, ``Location`` and ``{"id"}``.

    ``defaultPredictionServerId`` or ``predictionEnvironmentId`` (not both) say where it
    runs; with neither, the first prediction server (DataRobot's default, on-premise).
    A version still building, or an environment without DataRobot models, is a 422.
    """
    state = state_of(request)
    body = check_body(await read_json(request), _FROM_PACKAGE)
    if "defaultPredictionServerId" in body and "predictionEnvironmentId" in body:
        message = "defaultPredictionServerId and predictionEnvironmentId are mutually exclusive"
        raise invalid_body({"predictionEnvironmentId": message})
    version = state.registry.version(body["modelPackageId"])
    if version is None:
        raise not_found("Model package not found.")
    status = state.registry.build_status(version)
    if status != COMPLETE:
        message = f"The model package cannot be deployed yet: its build is {status}."
        raise ApiError(422, {"message": message})
    servers = state.catalog.prediction_servers
    server_id: str | None = body.get("defaultPredictionServerId", servers[0].id)
    environment_id = None
    if "predictionEnvironmentId" in body:
        environment = state.environments.get(body["predictionEnvironmentId"])
        if environment is None:
            raise not_found("Prediction environment not found.")
        if (refusal := state.environments.refusal(environment)) is not None:
            raise ApiError(422, {"message": refusal})
        server_id, environment_id = environment.server_id, environment.id
    elif all(s.id != server_id for s in servers):
        raise not_found("Prediction server not found.")
    fields = {
        "label": body["label"],
        "description": body.get("description"),
        "importance": body.get("importance"),
        "status": "active",
        "server_id": server_id,
        "environment_id": environment_id,
        "package_id": version.id,
    }
    job = state.lifecycle.start_creation(state.registry.model_of(version), fields)
    return location_reply(request, job, {"id": job.deployment_id})


async def get_champion_package(request: web.Request) -> web.Response:
    """``GET deployments/{id}/championModelPackage/``: the version the deployment serves."""
    state = state_of(request)
    record = deployment_or_404(request)
    version = state.registry.version(record.package_id)
    if version is None:
        raise not_found("Model package not found.")
    return version_reply(state, version)


async def get_features(request: web.Request) -> web.Response:
    """``GET deployments/{id}/features/``: what the champion model needs, most important
    first (paginated, with ``totalCount``)."""
    state = state_of(request)
    record = deployment_or_404(request)
    reader = QueryReader(
        request.query, ("offset", "limit", "search", "orderBy", "forSegmentedAnalysis")
    )
    window = _FEATURE_PAGES.read(reader)
    search = (reader.text("search") or "").casefold()
    order = reader.choices("orderBy", _FEATURE_ORDERS)
    reader.boolean("forSegmentedAnalysis")
    reader.check()
    features = [
        f for f in features_json(state.current_model(record.id)) if search in f["name"].casefold()
    ]
    if order:
        key = sorted(order)[0]
        field = key.removeprefix("-")
        features.sort(key=lambda f: f[field], reverse=key.startswith("-"))
    return json_reply(_FEATURE_PAGES.envelope(request.url, features, window, lambda f: f))


def add_package_routes(router: web.UrlDispatcher) -> None:
    """Register the model package routes under ``/api/v2``."""
    router.add_post("/api/v2/modelPackages/fromLeaderboard/", create_from_leaderboard)
    router.add_get("/api/v2/modelPackages/{package_id}/", get_model_package)
    router.add_post("/api/v2/deployments/fromModelPackage/", create_from_model_package)
    deployment = "/api/v2/deployments/{deployment_id}"
    router.add_get(f"{deployment}/championModelPackage/", get_champion_package)
    router.add_get(f"{deployment}/features/", get_features)

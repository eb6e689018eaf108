"""Settings routes that answer at once (no job): health, challenger replay, accuracy
metrics, retraining, secondary dataset configuration.

Each change answers 200 with the settings now in force (the official client parses the
health and accuracy metrics replies and ignores the others; the Terraform provider decodes
them all). A malformed body is a 422 naming its fields; a change DataRobot refuses for the
deployment is a 422 whose ``message`` says why.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError, invalid_body
from ._http import deployment_or_404, json_reply, read_json, state_of
from ._params import check_body, check_bool, check_str_list
from ._settings_config import (
    accuracy_metric_problems,
    check_schedule,
    health_errors,
    is_object_id,
)
from ._state_config import EMULATOR_USER

__all__ = ["add_settings_config_routes"]


def _object_id(value: Any) -> str | None:
    return None if is_object_id(value) else "value is not a valid id (24 hex digits)"


def _nullable_id(value: Any) -> str | None:
    return None if value is None else _object_id(value)


def _id_list(value: Any) -> str | None:
    problem = check_str_list(value)
    if problem is None and not all(is_object_id(v) for v in value):
        return "items are not all valid ids"
    return problem


_REPLAY_FIELDS = {"enabled": (check_bool, True), "schedule": (check_schedule, False)}
_RETRAINING_FIELDS = {
    "retrainingUserId": (_nullable_id, False),
    "datasetId": (_nullable_id, False),
    "predictionEnvironmentId": (_nullable_id, False),
    "credentialId": (_nullable_id, False),
}
_SECONDARY_FIELDS = {
    "secondaryDatasetConfigId": (_object_id, True),
    "credentialsIds": (_id_list, False),
}
_METRICS_FIELDS = {"data": (lambda value: None, True)}


async def get_health(request: web.Request) -> web.Response:
    """``GET deployments/{id}/healthSettings/``."""
    return json_reply(state_of(request).config.health(deployment_or_404(request)))


async def get_default_health(request: web.Request) -> web.Response:
    """``GET deployments/{id}/healthSettings/defaults/``."""
    return json_reply(state_of(request).config.default_health(deployment_or_404(request)))


async def update_health(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/healthSettings/``: 200 with every section now in force."""
    record = deployment_or_404(request)
    body = await read_json(request)
    errors = health_errors(body, state_of(request).config.target_type(record))
    if errors:
        raise invalid_body(errors)
    return json_reply(state_of(request).config.update_health(record, body))


async def get_replay(request: web.Request) -> web.Response:
    """``GET deployments/{id}/challengerReplaySettings/``: ``{enabled, schedule}``."""
    return json_reply(state_of(request).config.replay(deployment_or_404(request)))


async def update_replay(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/challengerReplaySettings/``: 200 with the settings."""
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _REPLAY_FIELDS)
    config = state_of(request).config
    problem = config.replay_problem(record, body)
    if problem:
        raise ApiError(422, {"message": problem})
    return json_reply(config.update_replay(record, body))


async def get_accuracy_metrics(request: web.Request) -> web.Response:
    """``GET deployments/{id}/accuracyMetrics/``: ``{"data": [metric names]}``."""
    return json_reply(
        {"data": state_of(request).config.accuracy_metrics(deployment_or_404(request))}
    )


async def put_accuracy_metrics(request: web.Request) -> web.Response:
    """``PUT deployments/{id}/accuracyMetrics/``: the list replaces the old one; 200."""
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _METRICS_FIELDS)
    config = state_of(request).config
    problem = accuracy_metric_problems(body["data"], config.target_type(record))
    if problem:
        raise ApiError(422, {"message": problem})
    return json_reply({"data": config.set_accuracy_metrics(record, body["data"])})


async def get_retraining(request: web.Request) -> web.Response:
    """``GET deployments/{id}/retrainingSettings/``."""
    return json_reply(state_of(request).config.retraining(deployment_or_404(request)))


async def update_retraining(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/retrainingSettings/``: ids or null; 200 with the settings.

    The retraining user must be the emulator's one user (any other id is refused).
    """
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _RETRAINING_FIELDS)
    user = body.get("retrainingUserId")
    if user is not None and user != EMULATOR_USER["id"]:
        raise ApiError(422, {"message": f"User {user} does not exist or cannot retrain."})
    config = state_of(request).config
    config.update_retraining(record, body)
    return json_reply(config.retraining(record))


async def get_secondary(request: web.Request) -> web.Response:
    """``GET deployments/{id}/model/secondaryDatasetConfiguration/``."""
    return json_reply(state_of(request).config.secondary(deployment_or_404(request)))


async def update_secondary(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/model/secondaryDatasetConfiguration/``: 200 with it.

    Accepted for every deployment: the emulator has no Feature Discovery projects to tell
    apart (a choice; DataRobot uses it for those).
    """
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _SECONDARY_FIELDS)
    config = state_of(request).config
    config.update_secondary(record, body)
    return json_reply(config.secondary(record))


def add_settings_config_routes(router: web.UrlDispatcher) -> None:
    """Register the synchronous settings routes under ``/api/v2``."""
    base = "/api/v2/deployments/{deployment_id}"
    router.add_get(f"{base}/healthSettings/", get_health)
    router.add_patch(f"{base}/healthSettings/", update_health)
    router.add_get(f"{base}/healthSettings/defaults/", get_default_health)
    router.add_get(f"{base}/challengerReplaySettings/", get_replay)
    router.add_patch(f"{base}/challengerReplaySettings/", update_replay)
    router.add_get(f"{base}/accuracyMetrics/", get_accuracy_metrics)
    router.add_put(f"{base}/accuracyMetrics/", put_accuracy_metrics)
    router.add_get(f"{base}/retrainingSettings/", get_retraining)
    router.add_patch(f"{base}/retrainingSettings/", update_retraining)
    router.add_get(f"{base}/model/secondaryDatasetConfiguration/", get_secondary)
    router.add_patch(f"{base}/model/secondaryDatasetConfiguration/", update_secondary)

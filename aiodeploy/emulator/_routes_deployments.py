"""Deployment routes: the list, one deployment's lifecycle and capabilities, deleted ones."""

from __future__ import annotations

import msgspec
from aiohttp import web

from aiodeploy.enums import DeploymentStatus, Importance

from ._errors import invalid_body, not_found
from ._http import deployment_or_404, json_reply, location_reply, read_json, role_of, state_of
from ._listing import DEPLOYMENT_PAGES, select_deployments
from ._paging import Paging
from ._params import QueryReader, check_body, check_choice, check_number, check_str
from ._wire import deployment_bytes

__all__ = ["add_deployment_routes"]

_DELETED_PAGES = Paging(default_limit=20, max_limit=100)
_IMPORTANCE = check_choice([i.value for i in Importance])
_STATUS = check_choice([s.value for s in DeploymentStatus])


def _nullable_str(value: object) -> str | None:
    return None if value is None else check_str(value)


def _label(value: object) -> str | None:
    if not isinstance(value, str):
        return "value is not a string"
    return None if value.strip() else "blank value is not allowed"


_CREATE_FIELDS = {
    "modelId": (check_str, True),
    "label": (_label, True),
    "description": (_nullable_str, False),
    "defaultPredictionServerId": (check_str, False),
    "importance": (_IMPORTANCE, False),
    "predictionThreshold": (check_number, False),
    "status": (_STATUS, False),
}
_STATUS_FIELDS = {"status": (_STATUS, True)}
_UPDATE_FIELDS = {
    "label": (_label, False),
    "description": (_nullable_str, False),
    "importance": (_IMPORTANCE, False),
}
_CAPABILITIES = (
    ("supportsModelReplacement", True),
    ("supportsDriftTracking", True),
    ("supportsChallengerModels", True),
    ("supportsSegmentAnalysis", True),
    ("supportsPredictionWarning", False),
    ("supportsPredictionIntervals", False),
    ("supportsHumility", False),
    ("supportsFeatureDriftTracking", True),
    ("supportsTargetDriftTracking", True),
)


async def list_deployments(request: web.Request) -> web.Response:
    """``GET deployments/``: the paginated envelope with ``totalCount``."""
    state = state_of(request)
    role = role_of(request)
    chosen, window = select_deployments(
        request.query, state.live_deployments(), state.catalog, role, state.platform_of
    )
    return json_reply(
        DEPLOYMENT_PAGES.envelope(
            request.url,
            chosen,
            window,
            lambda d: msgspec.Raw(
                deployment_bytes(d, state.catalog, role, state.json_cache, state.deployment_extras)
            ),
        )
    )


async def get_deployment(request: web.Request) -> web.Response:
    """``GET deployments/{id}/``."""
    state = state_of(request)
    record = deployment_or_404(request)
    return json_reply(
        deployment_bytes(
            record, state.catalog, role_of(request), state.json_cache, state.deployment_extras
        )
    )


async def create_from_learning_model(request: web.Request) -> web.Response:
    """``POST deployments/fromLearningModel/``: 202, ``Location`` and ``{"id"}``.

    The id is reserved at once; the deployment can be read once the job completes.
    """
    state = state_of(request)
    body = check_body(await read_json(request), _CREATE_FIELDS)
    model = state.catalog.model(body["modelId"])
    if model is None:
        raise not_found("Model not found.")
    server_id = body.get("defaultPredictionServerId")
    servers = state.catalog.prediction_servers
    if server_id is not None and all(s.id != server_id for s in servers):
        raise not_found("Prediction server not found.")
    fields = {
        "label": body["label"],
        "description": body.get("description"),
        "importance": body.get("importance"),
        "status": body.get("status", "active"),
        "server_id": server_id or servers[0].id,
    }
    job = state.lifecycle.start_creation(model, fields)
    return location_reply(request, job, {"id": job.deployment_id})


async def update_deployment(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/``: label, description, importance; 204."""
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _UPDATE_FIELDS)
    if not body:
        raise invalid_body({"body": "at least one of label, description, importance is required"})
    state_of(request).lifecycle.update(record, body)
    return json_reply(status=204)


async def change_status(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/status/``: 202 (empty body); applied when the job completes."""
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _STATUS_FIELDS)
    job = state_of(request).lifecycle.start_status_change(record, body["status"])
    return location_reply(request, job)


async def delete_deployment(request: web.Request) -> web.Response:
    """``DELETE deployments/{id}/``: soft delete, 204."""
    reader = QueryReader(request.query, ("ignoreManagementAgent",))
    reader.boolean("ignoreManagementAgent")
    reader.check()
    record = deployment_or_404(request)
    state_of(request).lifecycle.delete(record)
    return json_reply(status=204)


async def list_deleted(request: web.Request) -> web.Response:
    """``GET deletedDeployments/``: ``{count, data: [{id, label, deletedAt}], next, previous}``."""
    window = _DELETED_PAGES.read_query(request.query)
    deleted = state_of(request).deleted_deployments()
    return json_reply(
        _DELETED_PAGES.envelope(
            request.url,
            deleted,
            window,
            lambda d: {"id": d.id, "label": d.label, "deletedAt": d.deleted_at},
        )
    )


async def get_capabilities(request: web.Request) -> web.Response:
    """``GET deployments/{id}/capabilities/``."""
    deployment_or_404(request)
    data = [
        {
            "name": name,
            "supported": supported,
            "messages": [] if supported else ["Not supported by this deployment."],
        }
        for name, supported in _CAPABILITIES
    ]
    return json_reply({"data": data})


def add_deployment_routes(router: web.UrlDispatcher) -> None:
    """Register the deployment routes under ``/api/v2``."""
    router.add_get("/api/v2/deployments/", list_deployments)
    router.add_post("/api/v2/deployments/fromLearningModel/", create_from_learning_model)
    router.add_get("/api/v2/deployments/{deployment_id}/", get_deployment)
    router.add_patch("/api/v2/deployments/{deployment_id}/", update_deployment)
    router.add_delete("/api/v2/deployments/{deployment_id}/", delete_deployment)
    router.add_patch("/api/v2/deployments/{deployment_id}/status/", change_status)
    router.add_get("/api/v2/deployments/{deployment_id}/capabilities/", get_capabilities)
    router.add_get("/api/v2/deletedDeployments/", list_deleted)

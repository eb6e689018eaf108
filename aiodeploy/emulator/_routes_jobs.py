"""Routes that start or report asynchronous work: model replacement, settings, status."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aiodeploy.enums import AsyncStatus, DeploymentStatus, ModelReplacementReason, ValidationStatus

from ._errors import ApiError, invalid_body, not_found
from ._http import (
    absolute,
    deployment_or_404,
    json_reply,
    location_reply,
    read_json,
    retry_after,
    role_of,
    state_of,
)
from ._paging import Paging
from ._params import check_body, check_choice, check_str
from ._records import ModelRecord
from ._settings import validate_settings_patch
from ._state import EmulatorState
from ._wire import history_json, status_json

__all__ = ["add_job_routes"]

_MODEL_FIELDS = {"modelId": (check_str, False), "modelPackageId": (check_str, False)}
_REPLACE_FIELDS = {
    **_MODEL_FIELDS,
    "reason": (check_choice([r.value for r in ModelReplacementReason]), True),
    "runtimeParameterValues": (check_str, False),
}
_HISTORY_PAGES = Paging(default_limit=20, max_limit=100, total_count=True)
_STATUS_PAGES = Paging(default_limit=0, max_limit=None, zero_means_all=True)
_STATUS_FIELDS = {"status": (check_choice([s.value for s in DeploymentStatus]), True)}


def _model_from(body: dict[str, Any], state: EmulatorState) -> ModelRecord:
    """Find the model named by ``modelId`` or ``modelPackageId`` (exactly one of them).

    Every Leaderboard model is also its own model package, under the same id.
    """
    names = [key for key in _MODEL_FIELDS if key in body]
    if len(names) != 1:
        raise invalid_body({"modelId": "exactly one of modelId and modelPackageId is required"})
    model = state.catalog.model(body[names[0]])
    if model is None:
        raise not_found("Model not found.")
    return model


async def replace_model(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/model/``: validate, then serve the new model at once.

    A failing validation answers 422 with the checks; a replacement already running on the
    deployment answers 409 with its status URL in ``Location``. Otherwise 202 with the
    validation report as body.
    """
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _REPLACE_FIELDS)
    model = _model_from(body, state)
    report = state.validate(record, model, role_of(request)).to_json()
    if report["status"] == ValidationStatus.FAILING.value:
        raise ApiError(422, report)
    if record.replacing_job is not None:
        running = absolute(request, f"/api/v2/status/{record.replacing_job}/")
        message = "A model replacement is already in progress for this deployment."
        raise ApiError(409, {"message": message}, {"Location": running})
    job = state.start_replacement(record, model, body["reason"])
    return location_reply(request, job, report)


async def validate_model(request: web.Request) -> web.Response:
    """``POST deployments/{id}/model/validation/``: 200 ``{status, message, checks}``."""
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _MODEL_FIELDS)
    model = _model_from(body, state)
    return json_reply(state.validate(record, model, role_of(request)).to_json())


async def model_history(request: web.Request) -> web.Response:
    """``GET deployments/{id}/modelHistory/``: champion periods, oldest first."""
    record = deployment_or_404(request)
    window = _HISTORY_PAGES.read_query(request.query)
    catalog = state_of(request).catalog
    return json_reply(
        _HISTORY_PAGES.envelope(
            request.url, record.history, window, lambda entry: history_json(entry, catalog)
        )
    )


async def get_settings(request: web.Request) -> web.Response:
    """``GET deployments/{id}/settings/``: every section."""
    return json_reply(deployment_or_404(request).settings)


async def update_settings(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/settings/``: 202 (empty body); applied when the job completes."""
    record = deployment_or_404(request)
    body = await read_json(request)
    errors = validate_settings_patch(body)
    if errors:
        raise invalid_body(errors)
    return location_reply(request, state_of(request).start_settings(record, body))


async def change_status(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/status/``: 202 (empty body); applied when the job completes."""
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _STATUS_FIELDS)
    job = state_of(request).start_status_change(record, body["status"])
    return location_reply(request, job)


async def get_status(request: web.Request) -> web.Response:
    """``GET status/{id}/``: 200 while running or failed, 303 to the deployment when done."""
    state = state_of(request)
    job = state.jobs.get(request.match_info["status_id"])
    if job is None:
        raise not_found("Status not found.")
    status = state.jobs.status(job)
    body = status_json(job, status)
    if status == AsyncStatus.COMPLETED.value:
        target = absolute(request, f"/api/v2/deployments/{job.deployment_id}/")
        return json_reply(body, 303, {"Location": target})
    headers = {}
    if not job.settled and state.status_retry_after is not None:
        headers["Retry-After"] = retry_after(state.status_retry_after)
    return json_reply(body, 200, headers)


async def delete_status(request: web.Request) -> web.Response:
    """``DELETE status/{id}/``: abort the job if it still runs, and forget it; 204."""
    if not state_of(request).cancel_job(request.match_info["status_id"]):
        raise not_found("Status not found.")
    return json_reply(status=204)


async def list_statuses(request: web.Request) -> web.Response:
    """``GET status/``: jobs still running (``limit=0``, the default, means all)."""
    window = _STATUS_PAGES.read_query(request.query)
    jobs = state_of(request).jobs
    return json_reply(
        _STATUS_PAGES.envelope(
            request.url, jobs.pending(), window, lambda job: status_json(job, jobs.status(job))
        )
    )


def add_job_routes(router: web.UrlDispatcher) -> None:
    """Register the asynchronous-job routes under ``/api/v2``."""
    deployment = "/api/v2/deployments/{deployment_id}"
    router.add_patch(f"{deployment}/model/", replace_model)
    router.add_post(f"{deployment}/model/validation/", validate_model)
    router.add_get(f"{deployment}/modelHistory/", model_history)
    router.add_patch(f"{deployment}/status/", change_status)
    # the official client sends "deployments//{id}/settings/" for bias and fairness settings
    for base in (deployment, "/api/v2/deployments//{deployment_id}"):
        router.add_get(f"{base}/settings/", get_settings)
        router.add_patch(f"{base}/settings/", update_settings)
    router.add_get("/api/v2/status/", list_statuses)
    router.add_get("/api/v2/status/{status_id}/", get_status)
    router.add_delete("/api/v2/status/{status_id}/", delete_status)

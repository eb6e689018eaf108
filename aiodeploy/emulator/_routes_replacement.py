"""Model replacement routes: validate, replace (a job), and the model history."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aiodeploy.enums import ModelReplacementReason, ValidationStatus

from ._errors import ApiError, invalid_body, not_found
from ._http import (
    absolute,
    deployment_or_404,
    json_reply,
    location_reply,
    read_json,
    read_only_allowed,
    role_of,
    state_of,
)
from ._paging import Paging
from ._params import check_body, check_choice, check_str
from ._records import ModelRecord
from ._state import EmulatorState
from ._wire import history_json

__all__ = ["add_replacement_routes"]

_MODEL_FIELDS = {"modelId": (check_str, False), "modelPackageId": (check_str, False)}
_REPLACE_FIELDS = {
    **_MODEL_FIELDS,
    "reason": (check_choice([r.value for r in ModelReplacementReason]), True),
    "runtimeParameterValues": (check_str, False),
}
_HISTORY_PAGES = Paging(default_limit=20, max_limit=100, total_count=True)


def _model_from(body: dict[str, Any], state: EmulatorState) -> tuple[ModelRecord, str, str]:
    """Find the model named by ``modelId`` (a Leaderboard model) or ``modelPackageId`` (a
    registered model version), exactly one of them.

    Returns:
        The model, its version's id (empty for a Leaderboard model: the replacement then
        uses the model's seed version) and that version's build status (empty likewise).
    """
    names = [key for key in _MODEL_FIELDS if key in body]
    if len(names) != 1:
        raise invalid_body({"modelId": "exactly one of modelId and modelPackageId is required"})
    if names[0] == "modelId":
        model = state.catalog.model(body["modelId"])
        if model is None:
            raise not_found("Model not found.")
        return model, "", ""
    version = state.registry.version(body["modelPackageId"])
    if version is None:
        raise not_found("Model package not found.")
    return state.registry.model_of(version), version.id, state.registry.build_status(version)


async def replace_model(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/model/``: validate, then serve the new model at once.

    A failing validation answers 422 with the checks; a replacement already running on the
    deployment answers 409 with its status URL in ``Location``. Otherwise 202 with the
    validation report as body.
    """
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _REPLACE_FIELDS)
    model, package_id, build_status = _model_from(body, state)
    report = state.replacement.validate(record, model, role_of(request), build_status).to_json()
    if report["status"] == ValidationStatus.FAILING.value:
        raise ApiError(422, report)
    if record.replacing_job is not None:
        running = absolute(request, f"/api/v2/status/{record.replacing_job}/")
        message = "A model replacement is already in progress for this deployment."
        raise ApiError(409, {"message": message}, {"Location": running})
    job = state.replacement.start(record, model, body["reason"], package_id)
    return location_reply(request, job, report)


@read_only_allowed  # a read-only token may validate; its `permission` check then fails
async def validate_model(request: web.Request) -> web.Response:
    """``POST deployments/{id}/model/validation/``: 200 ``{status, message, checks}``."""
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _MODEL_FIELDS)
    model, _, build_status = _model_from(body, state)
    report = state.replacement.validate(record, model, role_of(request), build_status)
    return json_reply(report.to_json())


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


def add_replacement_routes(router: web.UrlDispatcher) -> None:
    """Register the model replacement routes under ``/api/v2``."""
    deployment = "/api/v2/deployments/{deployment_id}"
    router.add_patch(f"{deployment}/model/", replace_model)
    router.add_post(f"{deployment}/model/validation/", validate_model)
    router.add_get(f"{deployment}/modelHistory/", model_history)

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
from ._seed import SeedData
from ._wire import history_json

__all__ = ["add_replacement_routes"]

_MODEL_FIELDS = {"modelId": (check_str, False), "modelPackageId": (check_str, False)}
_REPLACE_FIELDS = {
    **_MODEL_FIELDS,
    "reason": (check_choice([r.value for r in ModelReplacementReason]), True),
    "runtimeParameterValues": (check_str, False),
}
_HISTORY_PAGES = Paging(default_limit=20, max_limit=100, total_count=True)


def _model_from(body: dict[str, Any], catalog: SeedData) -> ModelRecord:
    """Find the model named by ``modelId`` or ``modelPackageId`` (exactly one of them).

    Every Leaderboard model is also its own model package, under the same id.
    """
    names = [key for key in _MODEL_FIELDS if key in body]
    if len(names) != 1:
        raise invalid_body({"modelId": "exactly one of modelId and modelPackageId is required"})
    model = catalog.model(body[names[0]])
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
    model = _model_from(body, state.catalog)
    report = state.replacement.validate(record, model, role_of(request)).to_json()
    if report["status"] == ValidationStatus.FAILING.value:
        raise ApiError(422, report)
    if record.replacing_job is not None:
        running = absolute(request, f"/api/v2/status/{record.replacing_job}/")
        message = "A model replacement is already in progress for this deployment."
        raise ApiError(409, {"message": message}, {"Location": running})
    job = state.replacement.start(record, model, body["reason"])
    return location_reply(request, job, report)


@read_only_allowed  # a read-only token may validate; its `permission` check then fails
async def validate_model(request: web.Request) -> web.Response:
    """``POST deployments/{id}/model/validation/``: 200 ``{status, message, checks}``."""
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _MODEL_FIELDS)
    model = _model_from(body, state.catalog)
    return json_reply(state.replacement.validate(record, model, role_of(request)).to_json())


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

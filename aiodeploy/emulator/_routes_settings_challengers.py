"""Challenger routes: ``deployments/{id}/challengers/`` (list, create by a job, read,
rename, delete).

Shapes as the official client's ``Challenger`` parses them: ``id``, ``name``, ``model``,
``modelPackage`` and ``predictionEnvironment`` objects. Creation answers 202 and its job's
303 leads to the new challenger (``.../challengers/{challengerId}/``), whose id the official
client takes from that URL.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError, invalid_body, not_found
from ._http import deployment_or_404, json_reply, location_reply, read_json, state_of
from ._paging import Paging
from ._params import check_body, check_str
from ._records import DeploymentRecord
from ._settings_config import is_object_id
from ._state import EmulatorState
from ._state_challengers import ChallengerRecord

__all__ = ["add_challenger_routes"]

_PAGES = Paging(default_limit=100, max_limit=1000)


def _name(value: Any) -> str | None:
    if not isinstance(value, str):
        return "value is not a string"
    return None if value.strip() else "blank value is not allowed"


def _environment(value: Any) -> str | None:
    return None if is_object_id(value) else "value is not a valid id (24 hex digits)"


_CREATE_FIELDS = {
    "modelPackageId": (check_str, True),
    "name": (_name, True),
    "predictionEnvironmentId": (_environment, True),
}
_UPDATE_FIELDS = {"name": (_name, False), "predictionEnvironmentId": (_environment, False)}


def challenger_json(challenger: ChallengerRecord, state: EmulatorState) -> dict[str, Any]:
    """A challenger object."""
    catalog = state.catalog
    model = catalog.model(challenger.model_id)
    assert model is not None
    project = catalog.project(model.project_id)
    assert project is not None
    version = state.registry.version(challenger.package_id)
    env = state.environments.get(challenger.prediction_environment_id)
    return {
        "id": challenger.id,
        "name": challenger.name,
        "model": {
            "id": model.id,
            "name": model.model_type,
            "projectId": project.id,
            "projectName": project.name,
            "targetName": project.target,
            "targetType": project.target_type,
        },
        "modelPackage": {
            "id": challenger.package_id,
            "name": model.model_type if version is None else version.name,
            "registeredModelId": None if version is None else version.registered_model_id,
        },
        "predictionEnvironment": {
            "id": challenger.prediction_environment_id,
            "name": "Challenger prediction environment" if env is None else env.name,
            "platform": "datarobotServerless" if env is None else env.platform,
        },
    }


def _challenger_or_404(request: web.Request, record: DeploymentRecord) -> ChallengerRecord:
    found = state_of(request).challengers.get(record, request.match_info["challenger_id"])
    if found is None:
        raise not_found("Challenger not found.")
    return found


async def list_challengers(request: web.Request) -> web.Response:
    """``GET deployments/{id}/challengers/``: the paginated envelope."""
    state = state_of(request)
    record = deployment_or_404(request)
    window = _PAGES.read_query(request.query)
    return json_reply(
        _PAGES.envelope(
            request.url,
            state.challengers.of(record),
            window,
            lambda c: challenger_json(c, state),
        )
    )


async def create_challenger(request: web.Request) -> web.Response:
    """``POST deployments/{id}/challengers/``: 202 + ``Location``; it appears when the job
    completes. 404 for an unknown model package; 422 when challengers are not enabled, the
    deployment has five, or the package predicts another target."""
    state = state_of(request)
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _CREATE_FIELDS)
    version = state.registry.version(body["modelPackageId"])
    if version is None:
        raise not_found("Model package not found.")
    model = state.registry.model_of(version)
    problem = state.challengers.problem(record, model)
    if problem:
        raise ApiError(422, {"message": problem})
    job = state.challengers.start(
        record, model, version.id, body["name"], body["predictionEnvironmentId"]
    )
    return location_reply(request, job)


async def get_challenger(request: web.Request) -> web.Response:
    """``GET deployments/{id}/challengers/{challengerId}/``."""
    state = state_of(request)
    record = deployment_or_404(request)
    return json_reply(challenger_json(_challenger_or_404(request, record), state))


async def update_challenger(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/challengers/{challengerId}/``: name and/or prediction
    environment; 200 with the challenger."""
    state = state_of(request)
    record = deployment_or_404(request)
    challenger = _challenger_or_404(request, record)
    body = check_body(await read_json(request), _UPDATE_FIELDS)
    if not body:
        raise invalid_body({"body": "give name and/or predictionEnvironmentId"})
    state.challengers.update(challenger, body)
    return json_reply(challenger_json(challenger, state))


async def delete_challenger(request: web.Request) -> web.Response:
    """``DELETE deployments/{id}/challengers/{challengerId}/``: 204."""
    record = deployment_or_404(request)
    challenger = _challenger_or_404(request, record)
    state_of(request).challengers.delete(record, challenger)
    return json_reply(status=204)


def add_challenger_routes(router: web.UrlDispatcher) -> None:
    """Register the challenger routes under ``/api/v2``."""
    base = "/api/v2/deployments/{deployment_id}/challengers"
    router.add_get(f"{base}/", list_challengers)
    router.add_post(f"{base}/", create_challenger)
    router.add_get(f"{base}/{{challenger_id}}/", get_challenger)
    router.add_patch(f"{base}/{{challenger_id}}/", update_challenger)
    router.add_delete(f"{base}/{{challenger_id}}/", delete_challenger)

"""Deployment settings routes: read every section, change some by a job."""

from __future__ import annotations

from aiohttp import web

from ._errors import ApiError, invalid_body
from ._http import deployment_or_404, json_reply, location_reply, read_json, state_of
from ._settings import validate_settings_patch

__all__ = ["add_settings_routes"]


async def get_settings(request: web.Request) -> web.Response:
    """``GET deployments/{id}/settings/``: every section."""
    return json_reply(deployment_or_404(request).settings)


async def update_settings(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/settings/``: 202 (empty body); applied when the job completes.

    422 for a malformed body (``errors`` by field) or a change DataRobot refuses for this
    deployment (``message`` says why, e.g. challengers without prediction row storage).
    """
    record = deployment_or_404(request)
    body = await read_json(request)
    errors = validate_settings_patch(body)
    if errors:
        raise invalid_body(errors)
    settings = state_of(request).settings
    problems = settings.problems(record, body)
    if problems:
        raise ApiError(422, {"message": " ".join(problems)})
    return location_reply(request, settings.start(record, body))


def add_settings_routes(router: web.UrlDispatcher) -> None:
    """Register the settings routes under ``/api/v2``."""
    # the official client sends "deployments//{id}/settings/" for bias and fairness settings
    for base in ("/api/v2/deployments/{deployment_id}", "/api/v2/deployments//{deployment_id}"):
        router.add_get(f"{base}/settings/", get_settings)
        router.add_patch(f"{base}/settings/", update_settings)

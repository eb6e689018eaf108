"""Prediction environment routes: where deployments run (read-only)."""

from __future__ import annotations

from aiohttp import web

from ._errors import not_found
from ._http import json_reply, state_of
from ._paging import Paging
from ._params import QueryReader
from ._wire_registry import environment_json

__all__ = ["add_environment_routes"]

_FORMATS = ("datarobot", "datarobotScoringCode", "customModel", "externalModel")
_PAGES = Paging(default_limit=100, max_limit=1000, total_count=True)
_PLATFORMS = (
    "aws", "gcp", "azure", "onPremise", "datarobot", "datarobotServerless", "openShift",
    "other", "snowflake", "sapAiCore",
)  # fmt: skip


async def list_environments(request: web.Request) -> web.Response:
    """``GET predictionEnvironments/``: paginated; ``search`` (name, description),
    ``platform`` and ``supportedModelFormats`` filter it."""
    reader = QueryReader(
        request.query, ("offset", "limit", "search", "platform", "supportedModelFormats")
    )
    window = _PAGES.read(reader)
    search = (reader.text("search") or "").casefold()
    platforms = reader.choices("platform", _PLATFORMS)
    formats = reader.choices("supportedModelFormats", _FORMATS)
    reader.check()
    chosen = [
        env
        for env in state_of(request).environments.all
        if search in f"{env.name}\n{env.description}".casefold()
        and (platforms is None or env.platform in platforms)
        and (formats is None or bool(formats & set(env.formats)))
    ]
    return json_reply(_PAGES.envelope(request.url, chosen, window, environment_json))


async def get_environment(request: web.Request) -> web.Response:
    """``GET predictionEnvironments/{id}/``."""
    env = state_of(request).environments.get(request.match_info["environment_id"])
    if env is None:
        raise not_found("Prediction environment not found.")
    return json_reply(environment_json(env))


def add_environment_routes(router: web.UrlDispatcher) -> None:
    """Register the prediction environment routes under ``/api/v2``."""
    router.add_get("/api/v2/predictionEnvironments/", list_environments)
    router.add_get("/api/v2/predictionEnvironments/{environment_id}/", get_environment)

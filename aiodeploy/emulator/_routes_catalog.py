"""Read-only catalog routes: version, projects, Leaderboard models, prediction servers."""

from __future__ import annotations

from aiohttp import web

from ._errors import not_found
from ._http import json_reply, state_of
from ._paging import Paging
from ._params import QueryReader
from ._records import ProjectRecord
from ._wire import model_json, project_json, server_json

__all__ = ["add_catalog_routes"]

_VERSION = {"major": 2, "minor": 38, "versionString": "2.38.0", "releasedVersion": "2.37.0"}
# projects/ is a bare array (no links), sliced only when asked: limit=0 (the default) is all
_PROJECT_PAGES = Paging(default_limit=0, max_limit=None, zero_means_all=True)
_SERVER_PAGES = Paging(default_limit=100, max_limit=1000)
_MODEL_ORDERS = ("metric", "-metric", "samplePct", "-samplePct")


async def get_version(request: web.Request) -> web.Response:
    """``GET version/``."""
    return json_reply(_VERSION)


async def list_projects(request: web.Request) -> web.Response:
    """``GET projects/``: a bare JSON array, as the official client expects.

    ``offset``/``limit`` slice it (no upper bound on ``limit``; 0 means all).
    """
    reader = QueryReader(request.query, ("offset", "limit", "projectName", "useCaseIds"))
    window = _PROJECT_PAGES.read(reader)
    name = reader.text("projectName")
    reader.check()
    projects = state_of(request).catalog.projects
    chosen = [p for p in projects if not name or name.casefold() in p.name.casefold()]
    return json_reply([project_json(p) for p in window.cut(chosen)])


def _project_or_404(request: web.Request) -> ProjectRecord:
    project = state_of(request).catalog.project(request.match_info["project_id"])
    if project is None:
        raise not_found("Project not found.")
    return project


async def get_project(request: web.Request) -> web.Response:
    """``GET projects/{id}/``."""
    return json_reply(project_json(_project_or_404(request)))


async def list_models(request: web.Request) -> web.Response:
    """``GET projects/{id}/models/``: a bare JSON array (the Leaderboard is not paginated)."""
    project = _project_or_404(request)
    reader = QueryReader(
        request.query,
        ("orderBy", "withMetric", "showInSampleScores", "name", "samplePct", "isStarred"),
    )
    orders = reader.choices("orderBy", _MODEL_ORDERS) or set()
    name = reader.text("name")
    starred = reader.boolean("isStarred")
    reader.boolean("showInSampleScores")
    reader.number("samplePct")
    reader.check()
    models = state_of(request).catalog.models_of(project.id)
    if name:
        models = [m for m in models if name.casefold() in m.model_type.casefold()]
    if starred:
        models = []
    if orders & {"metric", "-metric"}:
        # lower is better for the seed metrics but AUC: "-metric" lists the best first
        higher_better = project.metric == "AUC"
        models.sort(key=lambda m: m.metric_value, reverse=higher_better == ("-metric" in orders))
    return json_reply([model_json(m, project) for m in models])


async def get_model(request: web.Request) -> web.Response:
    """``GET projects/{id}/models/{model_id}/``."""
    project = _project_or_404(request)
    model = state_of(request).catalog.model(request.match_info["model_id"])
    if model is None or model.project_id != project.id:
        raise not_found("Model not found.")
    return json_reply(model_json(model, project))


async def list_prediction_servers(request: web.Request) -> web.Response:
    """``GET predictionServers/``: an envelope without ``totalCount``."""
    window = _SERVER_PAGES.read_query(request.query)
    servers = state_of(request).catalog.prediction_servers
    return json_reply(_SERVER_PAGES.envelope(request.url, servers, window, server_json))


def add_catalog_routes(router: web.UrlDispatcher) -> None:
    """Register the catalog routes under ``/api/v2``."""
    router.add_get("/api/v2/version/", get_version)
    router.add_get("/api/v2/projects/", list_projects)
    router.add_get("/api/v2/projects/{project_id}/", get_project)
    router.add_get("/api/v2/projects/{project_id}/models/", list_models)
    router.add_get("/api/v2/projects/{project_id}/models/{model_id}/", get_model)
    router.add_get("/api/v2/predictionServers/", list_prediction_servers)

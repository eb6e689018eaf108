"""The asynchronous-job protocol's routes: ``status/`` (list, read, abort)."""

from __future__ import annotations

from aiohttp import web

from aiodeploy.enums import AsyncStatus

from ._errors import not_found
from ._http import absolute, json_reply, retry_after, state_of
from ._paging import Paging
from ._wire import status_json

__all__ = ["add_status_routes"]

_STATUS_PAGES = Paging(default_limit=0, max_limit=None, zero_means_all=True)


async def get_status(request: web.Request) -> web.Response:
    """``GET status/{id}/``: 200 while running or failed, 303 to the deployment (or the
    job's own result) when done."""
    state = state_of(request)
    job = state.jobs.get(request.match_info["status_id"])
    if job is None:
        raise not_found("Status not found.")
    status = state.jobs.status(job)
    body = status_json(job, status)
    if status == AsyncStatus.COMPLETED.value:
        target = absolute(request, job.result_path or f"/api/v2/deployments/{job.deployment_id}/")
        return json_reply(body, 303, {"Location": target})
    headers = {}
    if not job.settled and state.status_retry_after is not None:
        headers["Retry-After"] = retry_after(state.status_retry_after)
    return json_reply(body, 200, headers)


async def delete_status(request: web.Request) -> web.Response:
    """``DELETE status/{id}/``: abort the job if it still runs, and forget it; 204."""
    if not state_of(request).jobs.cancel(request.match_info["status_id"]):
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


def add_status_routes(router: web.UrlDispatcher) -> None:
    """Register the job status routes under ``/api/v2``."""
    router.add_get("/api/v2/status/", list_statuses)
    router.add_get("/api/v2/status/{status_id}/", get_status)
    router.add_delete("/api/v2/status/{status_id}/", delete_status)

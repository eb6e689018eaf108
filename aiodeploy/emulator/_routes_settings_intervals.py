"""Prediction-interval computation: ``projects/{pid}/models/{mid}/predictionIntervals/``
and the project jobs (``projects/{pid}/jobs/{jobId}/``) that compute them.

Served for time-series projects; on any other DataRobot answers 422. A project job answers
200 with the job while it is queued, runs or failed, and 303 to the computed intervals when
it completes (with the job in the body too: the official client reads both).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError, not_found
from ._http import absolute, json_reply, read_json, state_of
from ._paging import Paging
from ._params import check_body
from ._records import Job, ModelRecord, ProjectRecord
from ._state_intervals import project_job_status

__all__ = ["add_interval_routes"]

_PAGES = Paging(default_limit=100, max_limit=1000)


def _percentiles(value: Any) -> str | None:
    if (
        not isinstance(value, list)
        or len(value) != 1
        or isinstance(value[0], bool)
        or not isinstance(value[0], int)
        or not 1 <= value[0] <= 99
    ):
        return "value must be a list of one whole number from 1 to 99"
    return None


_FIELDS = {"percentiles": (_percentiles, True)}


def _model_or_404(request: web.Request) -> tuple[ProjectRecord, ModelRecord]:
    catalog = state_of(request).catalog
    project = catalog.project(request.match_info["project_id"])
    if project is None:
        raise not_found("Project not found.")
    model = catalog.model(request.match_info["model_id"])
    if model is None or model.project_id != project.id:
        raise not_found("Model not found.")
    return project, model


def _job_json(request: web.Request, number: int, job: Job) -> dict[str, Any]:
    project_id = job.payload["projectId"]
    return {
        "id": str(number),
        "projectId": project_id,
        "modelId": job.payload["modelId"],
        "status": project_job_status(state_of(request).jobs.status(job)),
        "jobType": "calculatePredictionIntervals",
        "isBlocked": False,
        "url": absolute(request, f"/api/v2/projects/{project_id}/jobs/{number}/"),
    }


async def calculate(request: web.Request) -> web.Response:
    """``POST projects/{pid}/models/{mid}/predictionIntervals/``: 202 + ``Location`` of the
    project job; 422 unless the project is a time-series one."""
    project, model = _model_or_404(request)
    body = check_body(await read_json(request), _FIELDS)
    if not project.time_series:
        raise ApiError(
            422, {"message": "Prediction intervals can only be calculated for time series models."}
        )
    number, _ = state_of(request).intervals.start(model, body["percentiles"][0])
    location = absolute(request, f"/api/v2/projects/{project.id}/jobs/{number}/")
    return json_reply(None, 202, {"Location": location})


async def list_calculated(request: web.Request) -> web.Response:
    """``GET projects/{pid}/models/{mid}/predictionIntervals/``: sizes computed, largest
    first."""
    _, model = _model_or_404(request)
    window = _PAGES.read_query(request.query)
    computed = sorted(state_of(request).intervals.computed(model.id), reverse=True)
    return json_reply(_PAGES.envelope(request.url, computed, window, lambda size: size))


def _job_or_404(request: web.Request) -> tuple[int, Job]:
    text = request.match_info["job_id"]
    job = None
    if text.isdigit():
        job = state_of(request).intervals.job(request.match_info["project_id"], int(text))
    if job is None:
        raise not_found("Job not found.")
    return int(text), job


async def get_project_job(request: web.Request) -> web.Response:
    """``GET projects/{pid}/jobs/{jobId}/``: 200 with the job, or 303 once completed."""
    number, job = _job_or_404(request)
    body = _job_json(request, number, job)
    if body["status"] == "COMPLETED" and job.result_path is not None:
        return json_reply(body, 303, {"Location": absolute(request, job.result_path)})
    return json_reply(body)


async def cancel_project_job(request: web.Request) -> web.Response:
    """``DELETE projects/{pid}/jobs/{jobId}/``: abort it if it still runs; 204."""
    _, job = _job_or_404(request)
    if not job.settled:
        state_of(request).jobs.cancel(job.id)
    return json_reply(status=204)


def add_interval_routes(router: web.UrlDispatcher) -> None:
    """Register the prediction-interval and project-job routes under ``/api/v2``."""
    model = "/api/v2/projects/{project_id}/models/{model_id}"
    router.add_post(f"{model}/predictionIntervals/", calculate)
    router.add_get(f"{model}/predictionIntervals/", list_calculated)
    router.add_get("/api/v2/projects/{project_id}/jobs/{job_id}/", get_project_job)
    router.add_delete("/api/v2/projects/{project_id}/jobs/{job_id}/", cancel_project_job)

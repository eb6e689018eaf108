"""Prediction-interval computation for time-series models: project jobs and their results.

``POST projects/{pid}/models/{mid}/predictionIntervals/`` starts a *project* job, which the
official client follows at ``projects/{pid}/jobs/{jobId}/`` (a number, not a status id).
The job runs in the job book like every other; this part numbers it, and records the
computed percentile when it completes. A deployment's ``predictionIntervals`` setting may
only name percentiles computed for its model (see ``_settings_rules``).
"""

from __future__ import annotations

from aiodeploy.enums import AsyncStatus

from ._jobs import JobBook, Settlement, ends
from ._records import Job, JobKind, ModelRecord

__all__ = ["PredictionIntervals", "project_job_status"]

_QUEUE_STATUS = {
    "INITIALIZED": "queue",
    "RUNNING": "inprogress",
    "COMPLETED": "COMPLETED",
    "ERROR": "error",
    "ABORTED": "ABORTED",
}


def project_job_status(status: str) -> str:
    """A job book status as a project job's (the official client's ``QUEUE_STATUS``)."""
    return _QUEUE_STATUS.get(status, "error")


class PredictionIntervals:
    """Computed prediction intervals per model, and the project jobs computing them.

    Args:
        jobs: Where the computation jobs run.
    """

    def __init__(self, jobs: JobBook) -> None:
        self._jobs = jobs
        self._computed: dict[str, set[int]] = {}
        self._by_number: dict[int, Job] = {}
        jobs.on_settle(JobKind.INTERVALS, self._settle)

    def computed(self, model_id: str) -> set[int]:
        """The interval sizes computed for a model (a copy)."""
        return set(self._computed.get(model_id, ()))

    def start(self, model: ModelRecord, percentile: int) -> tuple[int, Job]:
        """Start computing ``percentile`` for ``model``; returns the job's number and job.

        The job's ``deployment_id`` holds the model id: a project job has no deployment.
        """
        payload = {"projectId": model.project_id, "modelId": model.id, "percentile": percentile}
        job = self._jobs.submit(
            JobKind.INTERVALS, model.id, payload, f"Calculate {percentile}% prediction intervals"
        )
        job.result_path = (
            f"/api/v2/projects/{model.project_id}/models/{model.id}/predictionIntervals/"
        )
        number = len(self._by_number) + 1
        self._by_number[number] = job
        return number, job

    def job(self, project_id: str, number: int) -> Job | None:
        """A computation job of a project by its number, or None."""
        job = self._by_number.get(number)
        if job is None or job.payload["projectId"] != project_id:
            return None
        return job

    def _settle(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        if outcome is AsyncStatus.COMPLETED:
            self._computed.setdefault(job.payload["modelId"], set()).add(job.payload["percentile"])
        return ends(outcome, message)

"""What jobs do to deployments: when they start, and when they complete, fail or abort."""

from __future__ import annotations

from aiodeploy.enums import AsyncStatus

from ._jobs import JobBook
from ._records import DeploymentRecord, HistoryEntry, Job, JobKind, ModelRecord
from ._settings import merge_settings
from ._store import DeploymentStore

__all__ = ["begin_replacement", "settle_job"]


def begin_replacement(
    jobs: JobBook, record: DeploymentRecord, model: ModelRecord, reason: str, epoch: float
) -> Job:
    """Start a replacement job and serve ``model`` at once.

    Predictions must never be interrupted, so the deployment switches when the job is
    accepted; the job only records the change in the history, or undoes it.
    """
    payload = {
        "model_id": model.id,
        "reason": reason,
        "previous_model_id": record.model_id,
        "previous_deployed_at": (record.deployed_at, record.deployed_epoch),
    }
    job = jobs.submit(JobKind.REPLACE, record.id, payload, "Replace model")
    record.model_id = model.id
    record.deployed_epoch = epoch
    record.deployed_at = job.created
    record.replacing_job = job.id
    record.touch()
    return job


def settle_job(
    job: Job,
    outcome: AsyncStatus,
    message: str,
    *,
    jobs: JobBook,
    store: DeploymentStore,
    epoch: float,
) -> None:
    """Apply (``COMPLETED``) or undo (``ERROR``, ``ABORTED``) a job's effect and record it.

    Args:
        job: The job, not yet settled.
        outcome: How it ends.
        message: The status message for a job that does not complete.
        jobs: The job book that records the outcome.
        store: The deployments.
        epoch: When the job started, in seconds since the epoch.
    """
    ok = outcome is AsyncStatus.COMPLETED
    code = 0 if ok else 1
    payload = job.payload
    if job.kind is JobKind.CREATE:
        if ok:
            fields = {k: v for k, v in payload.items() if k != "model_id"}
            store.insert(job.deployment_id, model_id=payload["model_id"], epoch=epoch, **fields)
        jobs.settle(job, outcome, message, code)
        return
    record = store.records[job.deployment_id]
    if job.kind is JobKind.REPLACE:
        record.replacing_job = None
    if record.deleted_at is not None:
        jobs.settle(job, AsyncStatus.ERROR, "The deployment was deleted.", code=404)
        return
    if job.kind is JobKind.REPLACE:
        if ok:
            record.history[-1].end_date = job.created
            record.history.append(HistoryEntry(payload["model_id"], payload["reason"], job.created))
        else:
            record.model_id = payload["previous_model_id"]
            record.deployed_at, record.deployed_epoch = payload["previous_deployed_at"]
            message += f" The deployment was rolled back to model {record.model_id}."
    elif ok and job.kind is JobKind.SETTINGS:
        merge_settings(record.settings, payload)
    elif ok and job.kind is JobKind.STATUS:
        record.status = payload["status"]
    record.touch()
    jobs.settle(job, outcome, message, code)

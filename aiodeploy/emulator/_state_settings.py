"""Deployment settings changes: a validated ``settings/`` PATCH, applied by a job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._jobs import JobBook, Settlement, ends
from ._records import DeploymentRecord, Job, JobKind
from ._settings import merge_settings
from ._store import DEPLOYMENT_DELETED, DeploymentStore

__all__ = ["DeploymentSettings"]


class DeploymentSettings:
    """Runs settings jobs: the PATCH is merged into the deployment's settings on completion.

    The settings document itself (sections, defaults, validation) is in ``_settings``.

    Args:
        store: The deployment records.
        jobs: Where settings jobs run.
    """

    def __init__(self, store: DeploymentStore, jobs: JobBook) -> None:
        self._store = store
        self._jobs = jobs
        jobs.on_settle(JobKind.SETTINGS, self._settle)

    def start(self, record: DeploymentRecord, patch: Mapping[str, Any]) -> Job:
        """Queue a validated settings PATCH; it is applied when the job completes."""
        return self._jobs.submit(JobKind.SETTINGS, record.id, patch, "Update settings")

    def _settle(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        record = self._store.get(job.deployment_id)
        if record is None:
            return DEPLOYMENT_DELETED
        if outcome is AsyncStatus.COMPLETED:
            merge_settings(record.settings, job.payload)
        record.touch()
        return ends(outcome, message)

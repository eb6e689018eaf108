"""Deployment settings changes: a validated ``settings/`` PATCH, applied by a job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._jobs import JobBook, Settlement, ends
from ._records import DeploymentRecord, Job, JobKind
from ._seed import SeedData
from ._settings import merge_settings
from ._settings_rules import settings_problems
from ._state_intervals import PredictionIntervals
from ._store import DEPLOYMENT_DELETED, DeploymentStore

__all__ = ["DeploymentSettings"]


class DeploymentSettings:
    """Runs settings jobs: the PATCH is merged into the deployment's settings on completion.

    The settings document itself (sections, defaults, validation) is in ``_settings``; the
    rules that depend on the deployment are in ``_settings_rules``.

    Args:
        store: The deployment records.
        jobs: Where settings jobs run.
        catalog: The models and projects deployments serve.
        intervals: The prediction intervals computed per model.
    """

    def __init__(
        self,
        store: DeploymentStore,
        jobs: JobBook,
        catalog: SeedData,
        intervals: PredictionIntervals,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._catalog = catalog
        self._intervals = intervals
        # settings jobs not settled yet, per deployment, in submission order
        self._pending: dict[str, list[Job]] = {}
        jobs.on_settle(JobKind.SETTINGS, self._settle)

    def effective(self, record: DeploymentRecord) -> dict[str, Any]:
        """The settings once the pending changes are applied (a copy): what a new change is
        judged against, so that two PATCHes in a row are judged as DataRobot would."""
        # merging replaces values and never changes one in place: a copy of each section
        # is enough (a deep copy of every setting per PATCH costs a large fleet dearly)
        settings = {section: dict(fields) for section, fields in record.settings.items()}
        for job in self._pending.get(record.id, ()):
            merge_settings(settings, job.payload)
        return settings

    def problems(self, record: DeploymentRecord, patch: Mapping[str, Any]) -> list[str]:
        """Why DataRobot would refuse this well-formed PATCH on this deployment (see
        :func:`~aiodeploy.emulator._settings_rules.settings_problems`)."""
        effective = self.effective(record)
        merge_settings(effective, patch)
        model = self._catalog.model(record.model_id)
        assert model is not None
        project = self._catalog.project(model.project_id)
        assert project is not None
        computed = self._intervals.computed(model.id)
        return settings_problems(patch, effective, model, project, computed)

    def start(self, record: DeploymentRecord, patch: Mapping[str, Any]) -> Job:
        """Queue a validated settings PATCH; it is applied when the job completes."""
        job = self._jobs.submit(JobKind.SETTINGS, record.id, patch, "Update settings")
        self._pending.setdefault(record.id, []).append(job)
        return job

    def _settle(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        pending = self._pending.get(job.deployment_id, [])
        if job in pending:
            pending.remove(job)
        record = self._store.get(job.deployment_id)
        if record is None:
            return DEPLOYMENT_DELETED
        if outcome is AsyncStatus.COMPLETED:
            merge_settings(record.settings, job.payload)
        record.touch()
        return ends(outcome, message)

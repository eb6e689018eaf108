"""Deployments' lifecycle: creation (at once or by a job), update, status changes, deletion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._clock import Timeline
from ._jobs import JobBook, Settlement, ends
from ._records import DeploymentRecord, Job, JobKind, ModelRecord
from ._seed import SeedData
from ._store import DEPLOYMENT_DELETED, DeploymentStore

__all__ = ["DeploymentLifecycle"]


class DeploymentLifecycle:
    """Creates, changes and deletes deployments; settles creation and status-change jobs.

    Args:
        catalog: The seed catalog (models, prediction servers).
        store: The deployment records.
        jobs: Where creation and status-change jobs run.
        time: The emulator's time.
    """

    def __init__(
        self, catalog: SeedData, store: DeploymentStore, jobs: JobBook, time: Timeline
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._jobs = jobs
        self._time = time
        jobs.on_settle(JobKind.CREATE, self._settle_creation)
        jobs.on_settle(JobKind.STATUS, self._settle_status)

    def create_now(
        self,
        model_id: str,
        label: str,
        *,
        description: str | None = None,
        importance: str | None = None,
        status: str = "active",
        prediction_server_id: str | None = None,
    ) -> DeploymentRecord:
        """Create a deployment at once, without a job.

        Raises:
            KeyError: If the model is unknown.
        """
        if self._catalog.model(model_id) is None:
            raise KeyError(f"no model {model_id!r}")
        server = prediction_server_id or self._catalog.prediction_servers[0].id
        fields = {"label": label, "description": description, "importance": importance}
        return self._store.insert(
            self._store.next_id(),
            model_id=model_id,
            epoch=self._time.now_epoch(),
            status=status,
            server_id=server,
            **fields,
        )

    def start_creation(self, model: ModelRecord, fields: Mapping[str, Any]) -> Job:
        """Reserve a deployment id; the deployment appears when the job completes.

        ``fields``: ``label``, ``description``, ``importance``, ``status``, ``server_id``.
        """
        payload = {"model_id": model.id, **fields}
        return self._jobs.submit(
            JobKind.CREATE, self._store.next_id(), payload, "Create deployment"
        )

    def update(self, record: DeploymentRecord, changes: Mapping[str, Any]) -> None:
        """Apply a validated ``PATCH deployments/{id}/`` (label, description, importance)."""
        for name, value in changes.items():
            setattr(record, name, value)
        record.touch()

    def delete(self, record: DeploymentRecord) -> None:
        """Soft-delete: the deployment moves to ``deletedDeployments/``."""
        self._store.delete(record, self._time.now_iso())

    def start_status_change(self, record: DeploymentRecord, status: str) -> Job:
        """Queue a status change; it is applied when the job completes."""
        return self._jobs.submit(JobKind.STATUS, record.id, {"status": status}, "Change status")

    def _settle_creation(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        # a failed creation leaves nothing behind: the reserved id is simply never used
        if outcome is AsyncStatus.COMPLETED:
            payload = job.payload
            fields = {k: v for k, v in payload.items() if k != "model_id"}
            epoch = self._time.epoch(job.started)
            self._store.insert(
                job.deployment_id, model_id=payload["model_id"], epoch=epoch, **fields
            )
        return ends(outcome, message)

    def _settle_status(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        record = self._store.get(job.deployment_id)
        if record is None:
            return DEPLOYMENT_DELETED
        if outcome is AsyncStatus.COMPLETED:
            record.status = job.payload["status"]
        record.touch()
        return ends(outcome, message)

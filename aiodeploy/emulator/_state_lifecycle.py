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
        package_id: str | None = None,
        environment_id: str | None = None,
    ) -> DeploymentRecord:
        """Create a deployment at once, without a job.

        By default it serves the model's seed registered model version, on the first
        prediction server (in that server's prediction environment).

        Raises:
            KeyError: If the model is unknown.
        """
        model = self._catalog.model(model_id)
        if model is None:
            raise KeyError(f"no model {model_id!r}")
        if environment_id is None:
            prediction_server_id = prediction_server_id or self._catalog.prediction_servers[0].id
        fields = {"label": label, "description": description, "importance": importance}
        return self._store.insert(
            self._store.next_id(),
            model_id=model_id,
            epoch=self._time.now_epoch(),
            status=status,
            **self._placed(model, prediction_server_id, package_id, environment_id),
            **fields,
        )

    def _placed(
        self,
        model: ModelRecord,
        server_id: str | None,
        package_id: str | None,
        environment_id: str | None,
    ) -> dict[str, Any]:
        """Where a new deployment runs: its server, its prediction environment (the
        server's unless given) and its champion version (the model's seed one unless
        given)."""
        if environment_id is None:
            server = next((s for s in self._catalog.prediction_servers if s.id == server_id), None)
            environment_id = server.environment_id if server is not None else None
        return {
            "server_id": server_id,
            "environment_id": environment_id,
            "package_id": package_id or model.package_id,
        }

    def start_creation(self, model: ModelRecord, fields: Mapping[str, Any]) -> Job:
        """Reserve a deployment id; the deployment appears when the job completes.

        ``fields``: ``label``, ``description``, ``importance``, ``status``, ``server_id``,
        and optionally ``package_id`` and ``environment_id`` (see :meth:`create_now`).
        """
        placed = self._placed(
            model, fields.get("server_id"), fields.get("package_id"), fields.get("environment_id")
        )
        payload = {"model_id": model.id, **fields, **placed}
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

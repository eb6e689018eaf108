"""The deployment records, including soft-deleted ones, and the seed deployments."""

from __future__ import annotations

import random
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._jobs import Settlement
from ._records import DeploymentRecord, HistoryEntry, format_timestamp, object_id
from ._seed import SEED_EPOCH, SeedData
from ._settings import default_settings

__all__ = ["DEPLOYMENT_DELETED", "DeploymentStore"]

DEPLOYMENT_DELETED: Settlement = (AsyncStatus.ERROR, "The deployment was deleted.", 404)
"""How a job on a deployment deleted meanwhile ends."""

_IMPORTANCES = ("LOW", "MODERATE", "HIGH", "CRITICAL")
_SEED_SPACING = 3_607  # seconds between seed deployments: distinct, not round, timestamps


class DeploymentStore:
    """Deployment records by id, in creation order, with ids drawn from the seed."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self.records: dict[str, DeploymentRecord] = {}
        self.deleted_ids: list[str] = []
        self._ids_used = 0

    def next_id(self) -> str:
        """Reserve the next deployment id."""
        self._ids_used += 1
        return object_id(self._seed, "deployment", self._ids_used - 1)

    def insert(
        self, deployment_id: str, *, model_id: str, epoch: float, **fields: Any
    ) -> DeploymentRecord:
        """Add a deployment created at ``epoch`` (seconds), serving ``model_id``.

        ``fields``: ``label``, ``description``, ``importance``, ``status``, ``server_id``,
        ``package_id`` (its champion version), ``environment_id``.
        """
        stamp = format_timestamp(epoch)
        record = DeploymentRecord(
            id=deployment_id,
            created_at=stamp,
            created_epoch=epoch,
            model_id=model_id,
            deployed_at=stamp,
            deployed_epoch=epoch,
            settings=default_settings(),
            history=[HistoryEntry(model_id, None, stamp, package_id=fields.get("package_id", ""))],
            **fields,
        )
        self.records[deployment_id] = record
        return record

    def get(self, deployment_id: str, *, deleted: bool = False) -> DeploymentRecord | None:
        """Return a live deployment (or a deleted one too with ``deleted=True``), or None."""
        record = self.records.get(deployment_id)
        if record is None or (record.deleted_at is not None and not deleted):
            return None
        return record

    def require(self, deployment_id: str) -> DeploymentRecord:
        """Return a live deployment.

        Raises:
            KeyError: If there is no such live deployment.
        """
        record = self.get(deployment_id)
        if record is None:
            raise KeyError(f"no deployment {deployment_id!r}")
        return record

    def live(self) -> list[DeploymentRecord]:
        """Return deployments that are not deleted, oldest first."""
        return [d for d in self.records.values() if d.deleted_at is None]

    def deleted(self) -> list[DeploymentRecord]:
        """Return deleted deployments in the order they were deleted."""
        return [self.records[i] for i in self.deleted_ids]

    def delete(self, record: DeploymentRecord, when: str) -> None:
        """Soft-delete a deployment."""
        record.deleted_at = when
        record.touch()
        self.deleted_ids.append(record.id)

    def add_seed_deployments(self, count: int, catalog: SeedData) -> None:
        """Create ``count`` deployments spread over the projects, one hour apart from 2024-01-15.

        Labels are ``<project prefix>-<number>`` (``churn-0002``); importance and status
        (about 15 % inactive) are drawn from the seed. Their health comes from their
        prediction traffic (none unless the ``traffic`` option generates a history).
        """
        rng = random.Random(f"deployments:{self._seed}")
        projects, servers = catalog.seeded_projects(), catalog.prediction_servers
        for index in range(count):
            project = projects[index % len(projects)]
            champion = catalog.champion(project.id)
            server = servers[index % len(servers)]
            epoch = SEED_EPOCH + _SEED_SPACING * index
            self.insert(
                self.next_id(),
                label=f"{project.label_prefix}-{index + 1:04d}",
                description=project.description,
                importance=_IMPORTANCES[rng.randrange(len(_IMPORTANCES))],
                status="inactive" if rng.random() < 0.15 else "active",
                model_id=champion.id,
                package_id=champion.package_id,
                server_id=server.id,
                environment_id=server.environment_id,
                epoch=epoch,
            )

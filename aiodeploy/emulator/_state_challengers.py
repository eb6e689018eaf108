"""Challenger models of each deployment: created by a job, read, renamed, deleted.

A challenger is a model package (a registered model version) scored alongside the
champion. DataRobot's rules, as the emulator applies them: challenger models must be
enabled on the deployment (which needs prediction row storage), a deployment has at most
five challengers, and a challenger predicts the same target as the champion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._jobs import JobBook, Settlement, ends
from ._records import DeploymentRecord, Job, JobKind, ModelRecord, object_id
from ._seed import SeedData
from ._state_settings import DeploymentSettings
from ._store import DEPLOYMENT_DELETED, DeploymentStore

__all__ = ["MAX_CHALLENGERS", "ChallengerRecord", "Challengers"]

MAX_CHALLENGERS = 5


@dataclasses.dataclass
class ChallengerRecord:
    """One challenger of a deployment."""

    id: str
    deployment_id: str
    name: str
    model_id: str
    package_id: str
    prediction_environment_id: str


class Challengers:
    """The challengers of every deployment.

    Args:
        seed: Seeds challenger ids.
        catalog: The model packages challengers are made of.
        store: The deployment records.
        jobs: Where creation jobs run.
        settings: The ``settings/`` part (challengers must be enabled).
    """

    def __init__(
        self,
        seed: int,
        catalog: SeedData,
        store: DeploymentStore,
        jobs: JobBook,
        settings: DeploymentSettings,
    ) -> None:
        self._seed = seed
        self._catalog = catalog
        self._store = store
        self._jobs = jobs
        self._settings = settings
        self._by_deployment: dict[str, list[ChallengerRecord]] = {}
        self._creating: dict[str, int] = {}
        self._count = 0
        jobs.on_settle(JobKind.CHALLENGER, self._settle)

    def of(self, record: DeploymentRecord) -> list[ChallengerRecord]:
        """A deployment's challengers, oldest first."""
        return list(self._by_deployment.get(record.id, ()))

    def get(self, record: DeploymentRecord, challenger_id: str) -> ChallengerRecord | None:
        """One challenger of a deployment, or None."""
        return next((c for c in self.of(record) if c.id == challenger_id), None)

    def problem(self, record: DeploymentRecord, model: ModelRecord) -> str | None:
        """Why DataRobot refuses ``model`` as a new challenger of the deployment, or None."""
        if not self._settings.effective(record)["challengerModels"].get("enabled"):
            return "Challenger models are not enabled for this deployment."
        pending = self._creating.get(record.id, 0)
        if len(self.of(record)) + pending >= MAX_CHALLENGERS:
            return f"A deployment can have at most {MAX_CHALLENGERS} challengers."
        champion = self._catalog.model(record.model_id)
        assert champion is not None
        mine = self._catalog.project(champion.project_id)
        theirs = self._catalog.project(model.project_id)
        assert mine is not None
        assert theirs is not None
        if (mine.target, mine.target_type) != (theirs.target, theirs.target_type):
            return (
                f"The challenger must predict the deployment's target ({mine.target}, "
                f"{mine.target_type}), not {theirs.target} ({theirs.target_type})."
            )
        return None

    def start(
        self,
        record: DeploymentRecord,
        model: ModelRecord,
        package_id: str,
        name: str,
        environment_id: str,
    ) -> Job:
        """Queue a challenger's creation (``package_id``: the version of ``model``); it
        appears when the job completes."""
        challenger_id = object_id(self._seed, "challenger", self._count)
        self._count += 1
        payload = {
            "challengerId": challenger_id,
            "modelId": model.id,
            "packageId": package_id,
            "name": name,
            "predictionEnvironmentId": environment_id,
        }
        job = self._jobs.submit(JobKind.CHALLENGER, record.id, payload, "Create challenger")
        job.result_path = f"/api/v2/deployments/{record.id}/challengers/{challenger_id}/"
        self._creating[record.id] = self._creating.get(record.id, 0) + 1
        return job

    def update(self, challenger: ChallengerRecord, changes: Mapping[str, Any]) -> None:
        """Rename a challenger or move it to another prediction environment."""
        if "name" in changes:
            challenger.name = changes["name"]
        if "predictionEnvironmentId" in changes:
            challenger.prediction_environment_id = changes["predictionEnvironmentId"]

    def delete(self, record: DeploymentRecord, challenger: ChallengerRecord) -> None:
        """Remove a challenger."""
        self._by_deployment[record.id].remove(challenger)

    def _settle(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        self._creating[job.deployment_id] -= 1
        if self._store.get(job.deployment_id) is None:
            return DEPLOYMENT_DELETED
        if outcome is AsyncStatus.COMPLETED:
            payload = job.payload
            self._by_deployment.setdefault(job.deployment_id, []).append(
                ChallengerRecord(
                    id=payload["challengerId"],
                    deployment_id=job.deployment_id,
                    name=payload["name"],
                    model_id=payload["modelId"],
                    package_id=payload["packageId"],
                    prediction_environment_id=payload["predictionEnvironmentId"],
                )
            )
        return ends(outcome, message)

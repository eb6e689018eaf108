"""Model replacement: validation, candidates, and the replacement job with its rollback."""

from __future__ import annotations

import dataclasses

from aiodeploy.enums import AsyncStatus, ValidationStatus

from ._auth import Role
from ._clock import Timeline
from ._jobs import JobBook, Settlement, ends
from ._records import DeploymentRecord, HistoryEntry, Job, JobKind, ModelRecord
from ._seed import SeedData
from ._store import DEPLOYMENT_DELETED, DeploymentStore
from ._validation import ValidationReport, validate_replacement

__all__ = ["Candidates", "ModelReplacement"]


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Models grouped by the validation status they get against a deployment.

    Attributes:
        current: The model the deployment serves now (left out of the lists below).
        passing: Models that replace it without warnings, in catalog order.
        warning: Models that may replace it, with warnings (extra features).
        failing: Models refused (other target, target type or classes: other projects').
    """

    current: ModelRecord
    passing: list[ModelRecord]
    warning: list[ModelRecord]
    failing: list[ModelRecord]


class ModelReplacement:
    """Validates replacement models and runs replacements.

    Predictions must never be interrupted, so a deployment serves the new model as soon as
    its replacement is accepted; the job only records the change in the model history when
    it completes, or rolls the deployment back when it fails or is aborted.

    Args:
        catalog: The seed catalog (models and their projects).
        store: The deployment records.
        jobs: Where replacement jobs run.
        time: The emulator's time.
    """

    def __init__(
        self, catalog: SeedData, store: DeploymentStore, jobs: JobBook, time: Timeline
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._jobs = jobs
        self._time = time
        jobs.on_settle(JobKind.REPLACE, self._settle)

    def current_model(self, record: DeploymentRecord) -> ModelRecord:
        """Return the model a deployment serves now."""
        model = self._catalog.model(record.model_id)
        assert model is not None
        return model

    def validate(
        self, record: DeploymentRecord, model: ModelRecord, role: Role, build_status: str = ""
    ) -> ValidationReport:
        """Validate ``model`` as a replacement for the deployment's current model.

        ``build_status``: that of the registered model version the model comes in, if any
        (a version still building is refused).
        """
        current = self.current_model(record)
        current_project = self._catalog.project(current.project_id)
        new_project = self._catalog.project(model.project_id)
        assert current_project is not None
        assert new_project is not None
        return validate_replacement(
            current,
            current_project,
            model,
            new_project,
            may_replace=role is Role.OWNER,
            build_status=build_status,
        )

    def candidates(self, record: DeploymentRecord) -> Candidates:
        """Group every catalog model by how its validation against the deployment ends."""
        groups: dict[ValidationStatus, list[ModelRecord]] = {s: [] for s in ValidationStatus}
        for model in self._catalog.models:
            if model.id != record.model_id:
                groups[self.validate(record, model, Role.OWNER).status].append(model)
        return Candidates(
            self.current_model(record),
            groups[ValidationStatus.PASSING],
            groups[ValidationStatus.WARNING],
            groups[ValidationStatus.FAILING],
        )

    def start(
        self, record: DeploymentRecord, model: ModelRecord, reason: str, package_id: str = ""
    ) -> Job:
        """Serve ``model`` at once; the job records the replacement, or rolls it back.

        ``package_id``: the registered model version it comes in (default: the model's
        seed version, as when a replacement names a Leaderboard model).
        """
        package_id = package_id or model.package_id
        payload = {
            "model_id": model.id,
            "package_id": package_id,
            "reason": reason,
            "previous_model_id": record.model_id,
            "previous_package_id": record.package_id,
            "previous_deployed_at": (record.deployed_at, record.deployed_epoch),
        }
        epoch = self._time.now_epoch()
        job = self._jobs.submit(JobKind.REPLACE, record.id, payload, "Replace model")
        record.model_id = model.id
        record.package_id = package_id
        record.deployed_epoch = epoch
        record.deployed_at = job.created
        record.replacing_job = job.id
        record.touch()
        return job

    def _settle(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        record = self._store.get(job.deployment_id, deleted=True)
        assert record is not None
        record.replacing_job = None
        if record.deleted_at is not None:
            return DEPLOYMENT_DELETED
        payload = job.payload
        if outcome is AsyncStatus.COMPLETED:
            record.history[-1].end_date = job.created
            record.history.append(
                HistoryEntry(
                    payload["model_id"],
                    payload["reason"],
                    job.created,
                    package_id=payload["package_id"],
                )
            )
        else:
            record.model_id = payload["previous_model_id"]
            record.package_id = payload["previous_package_id"]
            record.deployed_at, record.deployed_epoch = payload["previous_deployed_at"]
            message += f" The deployment was rolled back to model {record.model_id}."
        record.touch()
        return ends(outcome, message)

"""The emulator's in-memory state: deployments, jobs and their effects, faults, counters."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

from aiodeploy.enums import AsyncStatus, ValidationStatus

from ._auth import Role, TokenTable
from ._effects import begin_replacement, settle_job
from ._faults import FaultInjector, FaultProfile
from ._jobs import JobBook
from ._options import StateOptions, init_keywords_of
from ._records import DeploymentRecord, HistoryEntry, Job, JobKind, ModelRecord
from ._records import format_timestamp as _iso
from ._seed import SeedData, build_catalog
from ._stats import Stats
from ._store import DeploymentStore
from ._validation import ValidationReport, validate_replacement

__all__ = ["Candidates", "EmulatorState"]


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Models grouped by the validation status they get against a deployment.

    Attributes:
        current: The model the deployment serves now (left out of the lists below).
        passing: Models that replace it without warnings, in catalog order.
        warning: Models that may replace it, with warnings (extra features).
        failing: Models refused (feature type mismatch, other target, other target type).
    """

    current: ModelRecord
    passing: list[ModelRecord]
    warning: list[ModelRecord]
    failing: list[ModelRecord]


class EmulatorState:
    """Everything the emulator knows.

    Takes the keywords of :class:`StateOptions` (those of :class:`Emulator` but ``host`` and
    ``port``); an unknown keyword is a ``TypeError``, a bad value a ``ValueError``.

    Attributes:
        options: The options it was built from.
        seed: The seed every id, duration and fault draw derives from.
        catalog: Projects, models and prediction servers (read-only).
        tokens: Accepted tokens and their roles.
        stats: Request and fault counters.
        jobs: Asynchronous jobs (``jobs.get(status_id)``, ``jobs.started``,
            ``jobs.finished``).
        status_retry_after: Seconds sent as ``Retry-After`` on running-job status replies.
    """

    @init_keywords_of(StateOptions)
    def __init__(self, **options: Any) -> None:
        self.options = StateOptions(**options)
        self.seed = self.options.seed
        self.tokens = TokenTable(self.options.token, self.options.tokens)
        self.status_retry_after = self.options.status_retry_after
        self._clock = self.options.clock or time.monotonic
        self._durations = self.options.job_durations()
        self._seed_deployments = self.options.deployments
        self.stats = Stats()
        self.fault_injector = FaultInjector(self.seed, self.options.fault_profile())
        self.catalog: SeedData = build_catalog(self.seed)
        self.json_cache: dict[tuple[str, Role], tuple[int, bytes]] = {}
        self._build()

    def _build(self) -> None:
        self._clock0, self._epoch0 = self._clock(), time.time()
        self.jobs = JobBook(
            self.seed, self._clock, self._epoch, self._durations, self.fault_injector
        )
        self.store = DeploymentStore(self.seed)
        self.store.add_seed_deployments(self._seed_deployments, self.catalog)
        self.json_cache.clear()

    # -- time -------------------------------------------------------------------------------

    def _epoch(self, reading: float) -> float:
        return self._epoch0 + (reading - self._clock0)

    def now_iso(self) -> str:
        """Return the current time as a DataRobot timestamp (follows the injected clock)."""
        return _iso(self._epoch(self._clock()))

    # -- faults and reset --------------------------------------------------------------------

    @property
    def faults(self) -> FaultProfile | None:
        """The fault profile in force (None: no faults)."""
        return self.fault_injector.profile

    def set_faults(self, profile: FaultProfile | str | None) -> None:
        """Change the fault profile at once (a spec string is parsed)."""
        self.fault_injector.profile = (
            FaultProfile.parse(profile) if isinstance(profile, str) else profile
        )

    def reset(self) -> None:
        """Go back to the seed state: deployments, jobs, counters and fault draws."""
        self.stats.clear()
        self.fault_injector.reseed()
        self._build()

    # -- reading -----------------------------------------------------------------------------

    def deployment(self, deployment_id: str, *, deleted: bool = False) -> DeploymentRecord | None:
        """Return a live deployment (or a deleted one too with ``deleted=True``), or None."""
        self.advance()
        return self.store.get(deployment_id, deleted=deleted)

    def live_deployments(self) -> list[DeploymentRecord]:
        """Return deployments that are not deleted, oldest first."""
        self.advance()
        return self.store.live()

    def deleted_deployments(self) -> list[DeploymentRecord]:
        """Return deleted deployments in the order they were deleted."""
        self.advance()
        return self.store.deleted()

    def _require(self, deployment_id: str) -> DeploymentRecord:
        record = self.deployment(deployment_id)
        if record is None:
            raise KeyError(f"no deployment {deployment_id!r}")
        return record

    def current_model(self, deployment_id: str) -> ModelRecord:
        """Return the model a deployment serves now.

        Raises:
            KeyError: If there is no such live deployment.
        """
        model = self.catalog.model(self._require(deployment_id).model_id)
        assert model is not None
        return model

    def model_history(self, deployment_id: str) -> list[HistoryEntry]:
        """Return a copy of a deployment's champion periods, oldest first.

        Raises:
            KeyError: If there is no such live deployment.
        """
        return [dataclasses.replace(e) for e in self._require(deployment_id).history]

    def validate(
        self, record: DeploymentRecord, model: ModelRecord, role: Role
    ) -> ValidationReport:
        """Validate ``model`` as a replacement for the deployment's current model."""
        current = self.catalog.model(record.model_id)
        assert current is not None
        current_project = self.catalog.project(current.project_id)
        new_project = self.catalog.project(model.project_id)
        assert current_project is not None
        assert new_project is not None
        return validate_replacement(
            current, current_project, model, new_project, may_replace=role is Role.OWNER
        )

    def replacement_candidates(self, deployment_id: str) -> Candidates:
        """Group every catalog model by how its validation against the deployment ends.

        Raises:
            KeyError: If there is no such live deployment.
        """
        record = self._require(deployment_id)
        groups: dict[ValidationStatus, list[ModelRecord]] = {s: [] for s in ValidationStatus}
        for model in self.catalog.models:
            if model.id != record.model_id:
                groups[self.validate(record, model, Role.OWNER).status].append(model)
        return Candidates(
            self.current_model(deployment_id),
            groups[ValidationStatus.PASSING],
            groups[ValidationStatus.WARNING],
            groups[ValidationStatus.FAILING],
        )

    # -- changing ----------------------------------------------------------------------------

    def create_deployment(
        self,
        model_id: str,
        label: str,
        *,
        description: str | None = None,
        importance: str | None = None,
        status: str = "active",
        prediction_server_id: str | None = None,
    ) -> DeploymentRecord:
        """Create a deployment at once, without a job (handy to set up a test).

        Raises:
            KeyError: If the model is unknown.
        """
        if self.catalog.model(model_id) is None:
            raise KeyError(f"no model {model_id!r}")
        server = prediction_server_id or self.catalog.prediction_servers[0].id
        fields = {"label": label, "description": description, "importance": importance}
        return self.store.insert(
            self.store.next_id(),
            model_id=model_id,
            epoch=self._epoch(self._clock()),
            status=status,
            server_id=server,
            **fields,
        )

    def start_creation(self, model: ModelRecord, fields: Mapping[str, Any]) -> Job:
        """Reserve a deployment id; the deployment appears when the job completes."""
        payload = {"model_id": model.id, **fields}
        return self.jobs.submit(JobKind.CREATE, self.store.next_id(), payload, "Create deployment")

    def start_replacement(self, record: DeploymentRecord, model: ModelRecord, reason: str) -> Job:
        """Serve ``model`` at once; the job records the replacement, or rolls it back."""
        return begin_replacement(self.jobs, record, model, reason, self._epoch(self._clock()))

    def start_settings(self, record: DeploymentRecord, patch: Mapping[str, Any]) -> Job:
        """Queue a validated settings PATCH; it is applied when the job completes."""
        return self.jobs.submit(JobKind.SETTINGS, record.id, patch, "Update settings")

    def start_status_change(self, record: DeploymentRecord, status: str) -> Job:
        """Queue a status change; it is applied when the job completes."""
        return self.jobs.submit(JobKind.STATUS, record.id, {"status": status}, "Change status")

    def update_deployment(self, record: DeploymentRecord, changes: Mapping[str, Any]) -> None:
        """Apply a validated ``PATCH deployments/{id}/`` (label, description, importance)."""
        for name, value in changes.items():
            setattr(record, name, value)
        record.touch()

    def delete_deployment(self, record: DeploymentRecord) -> None:
        """Soft-delete: the deployment moves to ``deletedDeployments/``."""
        self.store.delete(record, self.now_iso())

    def cancel_job(self, job_id: str) -> bool:
        """Abort a pending job (undoing a replacement) and forget it; False if unknown."""
        self.advance()
        job = self.jobs.get(job_id)
        if job is None:
            return False
        if not job.settled:
            self._settle(job, AsyncStatus.ABORTED, "The job was cancelled.")
        self.jobs.forget(job_id)
        return True

    def advance(self) -> None:
        """Settle every job whose time has come (called before each request is served)."""
        for job in self.jobs.pop_due():
            if job.fails:
                self._settle(job, AsyncStatus.ERROR, "The job failed (injected job_error fault).")
            else:
                self._settle(job, AsyncStatus.COMPLETED)

    def _settle(self, job: Job, outcome: AsyncStatus, message: str = "") -> None:
        epoch = self._epoch(job.started)
        settle_job(job, outcome, message, jobs=self.jobs, store=self.store, epoch=epoch)

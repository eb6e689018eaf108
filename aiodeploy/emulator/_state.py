"""The emulator's in-memory state: shared services plus one part per resource family.

A part (``_state_<resource>.py``) owns its records and operations and registers, with the
job book, what its jobs do when they settle; route modules reach it as an attribute of
the state (``state.replacement.start(...)``). A new resource adds its part module and one
line in :meth:`EmulatorState._build`. The methods below the parts are the test helpers
this class has always offered, kept as short delegations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._auth import Role, TokenTable
from ._clock import Timeline
from ._faults import FaultInjector, FaultProfile
from ._jobs import JobBook
from ._monitoring_data import MonitoringData
from ._options import StateOptions, init_keywords_of
from ._records import DeploymentRecord, HistoryEntry, Job, ModelRecord
from ._seed import SeedData, build_catalog
from ._state_challengers import Challengers
from ._state_config import DeploymentConfig
from ._state_environments import PredictionEnvironments
from ._state_intervals import PredictionIntervals
from ._state_lifecycle import DeploymentLifecycle
from ._state_monitoring import Monitoring
from ._state_predictions import ModelFaults, PredictionServing
from ._state_registry import ModelRegistry
from ._state_replacement import Candidates, ModelReplacement
from ._state_settings import DeploymentSettings
from ._state_sharing import DeploymentSharing
from ._state_tags import DeploymentTags
from ._stats import Stats
from ._store import DeploymentStore
from ._validation import ValidationReport
from ._wire_registry import environment_summary, owners_json, package_summary

__all__ = ["Candidates", "EmulatorState"]


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
        time: The clock (injected or monotonic) and the dates it maps to.
        jobs: Asynchronous jobs (``jobs.get(status_id)``, ``jobs.started``,
            ``jobs.finished``).
        store: Deployment records, deleted ones included.
        lifecycle: Creating, updating, deleting deployments and changing their status.
        replacement: Validating and replacing models.
        settings: Settings changes.
        predictions: The prediction server: scoring, model faults, the request log
            (``predictions``' data ``.requests``).
        monitoring: Health blocks, actuals and monitoring data deletions.
        model_faults: Faults set per model with :meth:`set_model_faults`.
        settings: Settings changes (``settings/``).
        config: The settings on routes of their own (health, challenger replay, accuracy
            metrics, retraining, secondary dataset configuration).
        challengers: Challenger models.
        intervals: Prediction intervals computed per model, and their project jobs.
        registry: Registered models and their versions (model packages).
        environments: Prediction environments.
        tags: Deployment tags.
        sharing: Who has which role on a deployment.
        status_retry_after: Seconds sent as ``Retry-After`` on running-job status replies.
    """

    @init_keywords_of(StateOptions)
    def __init__(self, **options: Any) -> None:
        self.options = StateOptions(**options)
        self.seed = self.options.seed
        self.status_retry_after = self.options.status_retry_after
        self.tokens = TokenTable(self.options.token, self.options.tokens)
        self.time = Timeline(self.options.clock)
        self.stats = Stats()
        self.fault_injector = FaultInjector(self.seed, self.options.fault_profile())
        self.catalog: SeedData = build_catalog(self.seed)
        self.json_cache: dict[tuple[str, Role], tuple[int, bytes]] = {}
        self.model_faults: dict[str, ModelFaults] = {}
        self._build()

    def _build(self) -> None:
        """Build the seed state: at start and on every reset (parts are built anew)."""
        self.time.restart()
        self.json_cache.clear()
        durations = self.options.job_durations()
        self.jobs = JobBook(self.seed, self.time, durations, self.fault_injector)
        self.store = DeploymentStore(self.seed)
        self.store.add_seed_deployments(self.options.deployments, self.catalog)
        # the resource parts: one line each
        self.lifecycle = DeploymentLifecycle(self.catalog, self.store, self.jobs, self.time)
        self.replacement = ModelReplacement(self.catalog, self.store, self.jobs, self.time)
        data = MonitoringData()
        self.predictions = PredictionServing(
            self.catalog, data, self.time, self.seed, self.model_faults
        )
        self.monitoring = Monitoring(
            self.catalog, self.store, self.jobs, self.time, data,
            traffic=self.options.traffic, seed=self.seed,
        )  # fmt: skip
        self.intervals = PredictionIntervals(self.jobs)
        self.settings = DeploymentSettings(self.store, self.jobs, self.catalog, self.intervals)
        self.config = DeploymentConfig(self.catalog, self.settings)
        self.challengers = Challengers(
            self.seed, self.catalog, self.store, self.jobs, self.settings
        )
        self.registry = ModelRegistry(
            self.seed, self.catalog, self.store, self.time, self.options.build_duration()
        )
        self.environments = PredictionEnvironments(self.seed, self.catalog)
        self.tags = DeploymentTags(self.seed, self.store)
        self.sharing = DeploymentSharing(self.seed)

    def deployment_extras(self, record: DeploymentRecord) -> dict[str, Any]:
        """The fields of a deployment's JSON that the registry, environments and sharing
        parts own."""
        version = self.registry.version(record.package_id)
        env = self.environments.get(record.environment_id)
        return {
            "modelPackage": None if version is None else package_summary(version),
            "predictionEnvironment": None if env is None else environment_summary(env),
            "owners": owners_json(self.sharing.owners(record)),
        }

    def platform_of(self, record: DeploymentRecord) -> str | None:
        """The platform of the deployment's prediction environment (``datarobot``, ...)."""
        env = self.environments.get(record.environment_id)
        return None if env is None else env.platform

    # -- time, faults, reset -----------------------------------------------------------------

    def now_iso(self) -> str:
        """Return the current time as a DataRobot timestamp (follows the injected clock)."""
        return self.time.now_iso()

    @property
    def faults(self) -> FaultProfile | None:
        """The fault profile in force (None: no faults)."""
        return self.fault_injector.profile

    def set_faults(self, profile: FaultProfile | str | None) -> None:
        """Change the fault profile at once (a spec string is parsed)."""
        self.fault_injector.profile = (
            FaultProfile.parse(profile) if isinstance(profile, str) else profile
        )

    def set_model_faults(
        self, model_id: str, *, error_rate: float = 0.0, latency: float = 0.0
    ) -> None:
        """Make one model's predictions fail (``error_rate``, 0-1, answered 500) or slow
        (``latency`` seconds added to each); both 0 clears them. They outlive :meth:`reset`.

        Raises:
            ValueError: A rate outside 0-1 or negative seconds.
        """
        faults = ModelFaults(error_rate, latency)
        if faults == ModelFaults():
            self.model_faults.pop(model_id, None)
        else:
            self.model_faults[model_id] = faults

    def serve_predictions_at(self, url: str) -> None:
        """Report ``url`` as every prediction server's address (the emulator's own)."""
        servers = tuple(dataclasses.replace(s, url=url) for s in self.catalog.prediction_servers)
        self.catalog = dataclasses.replace(self.catalog, prediction_servers=servers)
        self.json_cache.clear()

    def reset(self) -> None:
        """Go back to the seed state: deployments, jobs, counters and fault draws."""
        self.stats.clear()
        self.fault_injector.reseed()
        self._build()

    def advance(self) -> None:
        """Settle every job whose time has come (called before each request is served)."""
        self.jobs.advance()

    # -- test helpers: reading ---------------------------------------------------------------

    def deployment(self, deployment_id: str, *, deleted: bool = False) -> DeploymentRecord | None:
        """Return a live deployment (or a deleted one too with ``deleted=True``), or None."""
        self.advance()
        record = self.store.get(deployment_id, deleted=deleted)
        if record is not None and record.deleted_at is None:
            self.monitoring.refresh(record)
        return record

    def live_deployments(self) -> list[DeploymentRecord]:
        """Return deployments that are not deleted, oldest first."""
        self.advance()
        records = self.store.live()
        self.monitoring.refresh_all(records)
        return records

    def deleted_deployments(self) -> list[DeploymentRecord]:
        """Return deleted deployments in the order they were deleted."""
        self.advance()
        return self.store.deleted()

    def current_model(self, deployment_id: str) -> ModelRecord:
        """Return the model a deployment serves now.

        Raises:
            KeyError: If there is no such live deployment.
        """
        self.advance()
        return self.replacement.current_model(self.store.require(deployment_id))

    def model_history(self, deployment_id: str) -> list[HistoryEntry]:
        """Return a copy of a deployment's champion periods, oldest first.

        Raises:
            KeyError: If there is no such live deployment.
        """
        self.advance()
        return [dataclasses.replace(e) for e in self.store.require(deployment_id).history]

    def replacement_candidates(self, deployment_id: str) -> Candidates:
        """Group every catalog model by how its validation against the deployment ends.

        Raises:
            KeyError: If there is no such live deployment.
        """
        self.advance()
        return self.replacement.candidates(self.store.require(deployment_id))

    def validate(
        self, record: DeploymentRecord, model: ModelRecord, role: Role
    ) -> ValidationReport:
        """Validate ``model`` as a replacement for the deployment's current model."""
        return self.replacement.validate(record, model, role)

    # -- test helpers: changing --------------------------------------------------------------

    def create_deployment(
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
        """Create a deployment at once, without a job (handy to set up a test).

        By default it serves the model's seed registered model version (``package_id``
        names another version of the same model) on the first prediction server.

        Raises:
            KeyError: If the model is unknown.
        """
        return self.lifecycle.create_now(
            model_id,
            label,
            description=description,
            importance=importance,
            status=status,
            prediction_server_id=prediction_server_id,
            package_id=package_id,
            environment_id=environment_id,
        )

    def start_creation(self, model: ModelRecord, fields: Mapping[str, Any]) -> Job:
        """Reserve a deployment id; the deployment appears when the job completes."""
        return self.lifecycle.start_creation(model, fields)

    def start_replacement(self, record: DeploymentRecord, model: ModelRecord, reason: str) -> Job:
        """Serve ``model`` at once; the job records the replacement, or rolls it back."""
        return self.replacement.start(record, model, reason)

    def start_settings(self, record: DeploymentRecord, patch: Mapping[str, Any]) -> Job:
        """Queue a validated settings PATCH; it is applied when the job completes."""
        return self.settings.start(record, patch)

    def start_status_change(self, record: DeploymentRecord, status: str) -> Job:
        """Queue a status change; it is applied when the job completes."""
        return self.lifecycle.start_status_change(record, status)

    def update_deployment(self, record: DeploymentRecord, changes: Mapping[str, Any]) -> None:
        """Apply a validated ``PATCH deployments/{id}/`` (label, description, importance)."""
        self.lifecycle.update(record, changes)

    def delete_deployment(self, record: DeploymentRecord) -> None:
        """Soft-delete: the deployment moves to ``deletedDeployments/``."""
        self.lifecycle.delete(record)

    def cancel_job(self, job_id: str) -> bool:
        """Abort a pending job (undoing a replacement) and forget it; False if unknown."""
        self.advance()
        return self.jobs.cancel(job_id)

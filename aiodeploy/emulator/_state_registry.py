"""The model registry: registered models, their versions (model packages) and their builds.

Seeded with one registered model per project holding a version per Leaderboard model
(see ``_seed_registry``); ``modelPackages/fromLeaderboard/`` adds versions. A new version's
build takes ``package_build_seconds`` (0 by default: it is complete at once), drawn from
the seed; its ``buildStatus`` is computed from the clock, like a job's status.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ._clock import Timeline
from ._jobs import Duration
from ._records import DeploymentRecord, ModelRecord, ProjectRecord, object_id
from ._records_registry import RegisteredModelRecord, VersionRecord
from ._seed import SeedData
from ._seed_registry import build_registry
from ._store import DeploymentStore

__all__ = ["COMPLETE", "IN_PROGRESS", "ModelRegistry"]

COMPLETE = "complete"
IN_PROGRESS = "inProgress"


class ModelRegistry:
    """Registered models and their versions.

    Args:
        seed: Seeds new ids and build durations.
        catalog: The Leaderboard models versions are made from.
        store: The deployments (a version's deployments are read from them).
        time: The clock builds complete by.
        build_seconds: How long a new version's build takes, as a ``(min, max)`` range.

    Attributes:
        registered: Registered models by id, in creation order.
        versions: Versions by id, in creation order.
    """

    def __init__(
        self,
        seed: int,
        catalog: SeedData,
        store: DeploymentStore,
        time: Timeline,
        build_seconds: Duration,
    ) -> None:
        seeded = build_registry(seed, catalog)
        self._seed = seed
        self._catalog = catalog
        self._store = store
        self._time = time
        self._build_seconds = build_seconds
        self._rng = random.Random(f"builds:{seed}")
        self._created = 0
        self.registered = {r.id: r for r in seeded.registered_models}
        self.versions = {v.id: v for v in seeded.versions}

    # -- reading ------------------------------------------------------------------------------

    def registered_model(self, registered_model_id: str) -> RegisteredModelRecord | None:
        """Return a registered model, or None."""
        return self.registered.get(registered_model_id)

    def registered_model_named(self, name: str) -> RegisteredModelRecord | None:
        """Return the registered model with this name (case-insensitive), or None."""
        wanted = name.casefold()
        return next((r for r in self.registered.values() if r.name.casefold() == wanted), None)

    def version(self, version_id: str) -> VersionRecord | None:
        """Return a version (model package) by id, or None."""
        return self.versions.get(version_id)

    def versions_of(self, registered: RegisteredModelRecord) -> list[VersionRecord]:
        """Return a registered model's versions, version 1 first."""
        return [self.versions[v] for v in registered.versions]

    def model_of(self, version: VersionRecord) -> ModelRecord:
        """Return the Leaderboard model a version packages."""
        model = self._catalog.model(version.model_id)
        assert model is not None
        return model

    def project_of(self, version: VersionRecord) -> ProjectRecord:
        """Return the project of a version's model."""
        project = self._catalog.project(self.model_of(version).project_id)
        assert project is not None
        return project

    def build_status(self, version: VersionRecord) -> str:
        """Return ``complete`` once the version's build is done, else ``inProgress``."""
        return COMPLETE if self._time.now() >= version.built_at else IN_PROGRESS

    def target_mismatch(self, registered: RegisteredModelRecord, model: ModelRecord) -> str | None:
        """Why ``model`` cannot be a version of ``registered`` (None: it can).

        Versions of one registered model share its target name and type.
        """
        project = self._catalog.project(model.project_id)
        assert project is not None
        if (project.target, project.target_type) == (
            registered.target_name,
            registered.target_type,
        ):
            return None
        return (
            f"The model's target {project.target!r} ({project.target_type}) differs from the "
            f"registered model's {registered.target_name!r} ({registered.target_type})."
        )

    def deployments_of(
        self, registered: RegisteredModelRecord, version: VersionRecord | None = None
    ) -> list[DeploymentRecord]:
        """Live deployments that serve, or have served, a version of ``registered`` (or
        only ``version``), oldest first."""
        wanted = {version.id} if version is not None else set(registered.versions)
        return [
            d
            for d in self._store.live()
            if d.package_id in wanted or any(e.package_id in wanted for e in d.history)
        ]

    def active_deployments(self, version: VersionRecord) -> int:
        """How many active deployments serve ``version`` now."""
        return sum(
            1 for d in self._store.live() if d.package_id == version.id and d.status == "active"
        )

    # -- changing -----------------------------------------------------------------------------

    def register(
        self,
        model: ModelRecord,
        *,
        name: str | None,
        description: str | None,
        registered: RegisteredModelRecord | None,
        registered_model_name: str | None = None,
        registered_model_description: str | None = None,
        prediction_threshold: float | None = None,
        tags: Sequence[dict[str, str]] = (),
        registered_model_tags: Sequence[dict[str, str]] = (),
    ) -> VersionRecord:
        """Add a version of ``model`` to ``registered``, or to a new registered model.

        Checked by the caller: the model exists, ``registered`` takes its target, no other
        registered model has ``registered_model_name``.
        """
        project = self._catalog.project(model.project_id)
        assert project is not None
        now = self._time.now_iso()
        name = name or model.model_type
        if registered is None:
            registered = RegisteredModelRecord(
                id=self._new_id("registered-model"),
                name=registered_model_name or name,
                # never null: the official client drops null keys, then cannot build it
                description=registered_model_description or "",
                created_at=now,
                modified_at=now,
                target_name=project.target,
                target_type=project.target_type,
                tags=[self._tag(t) for t in registered_model_tags],
            )
            self.registered[registered.id] = registered
        low, high = self._build_seconds
        duration = self._rng.uniform(low, high) if high > low else low
        if prediction_threshold is None and project.target_type == "Binary":
            prediction_threshold = 0.5  # DataRobot's default for binary classification
        version = VersionRecord(
            id=self._new_id("model-package"),
            registered_model_id=registered.id,
            number=len(registered.versions) + 1,
            name=name,
            model_id=model.id,
            description=description,
            created_at=now,
            built_at=self._time.now() + duration,
            prediction_threshold=prediction_threshold,
            tags=[self._tag(t) for t in tags],
        )
        self.versions[version.id] = version
        registered.versions.append(version.id)
        registered.modified_at = now
        return version

    def _new_id(self, kind: str) -> str:
        self._created += 1
        return object_id(self._seed, f"{kind}/new", self._created)

    def _tag(self, tag: dict[str, str]) -> dict[str, str]:
        return {"id": self._new_id("registry-tag"), "name": tag["name"], "value": tag["value"]}

"""The settings on routes of their own, per deployment: health, challenger replay, accuracy
metrics, retraining and the secondary dataset configuration.

These routes answer synchronously (no job): a change is in force when its reply is sent.
Each deployment's values are made from the defaults when first read or changed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ._records import DeploymentRecord, ProjectRecord
from ._seed import SeedData
from ._settings_config import default_accuracy_metrics, default_health, default_replay
from ._state_settings import DeploymentSettings

__all__ = ["EMULATOR_USER", "DeploymentConfig"]

EMULATOR_USER = {"id": "5a8ac9ab07a57a0001be501f", "username": "emulator@example.com"}
"""The one user the emulator knows (the owner of every deployment), as a retraining user."""

_RETRAINING_KEYS = {
    "retrainingUserId": "retrainingUser",
    "datasetId": "dataset",
    "predictionEnvironmentId": "predictionEnvironment",
}


class DeploymentConfig:
    """Health settings, challenger replay, accuracy metrics, retraining and secondary
    dataset configuration of each deployment.

    Args:
        catalog: The models and projects (defaults depend on the target).
        settings: The ``settings/`` part (challenger replay needs challengers enabled).
    """

    def __init__(self, catalog: SeedData, settings: DeploymentSettings) -> None:
        self._catalog = catalog
        self._settings = settings
        self._health: dict[str, dict[str, dict[str, Any]]] = {}
        self._replay: dict[str, dict[str, Any]] = {}
        self._metrics: dict[str, list[str]] = {}
        self._retraining: dict[str, dict[str, str | None]] = {}
        self._secondary: dict[str, dict[str, Any]] = {}

    def _project(self, record: DeploymentRecord) -> ProjectRecord:
        model = self._catalog.model(record.model_id)
        assert model is not None
        project = self._catalog.project(model.project_id)
        assert project is not None
        return project

    # -- health ------------------------------------------------------------------------------

    def default_health(self, record: DeploymentRecord) -> dict[str, dict[str, Any]]:
        """``GET healthSettings/defaults/``."""
        return default_health(self._project(record).metric)

    def health(self, record: DeploymentRecord) -> dict[str, dict[str, Any]]:
        """``GET healthSettings/`` (a copy)."""
        return copy.deepcopy(self._health_of(record))

    def _health_of(self, record: DeploymentRecord) -> dict[str, dict[str, Any]]:
        return self._health.setdefault(record.id, self.default_health(record))

    def update_health(
        self, record: DeploymentRecord, body: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Merge a validated ``PATCH healthSettings/``: the fields given replace theirs."""
        health = self._health_of(record)
        for section, fields in body.items():
            health.setdefault(section, {}).update(copy.deepcopy(fields))
        return self.health(record)

    # -- challenger replay -------------------------------------------------------------------

    def replay(self, record: DeploymentRecord) -> dict[str, Any]:
        """``GET challengerReplaySettings/`` (a copy)."""
        return copy.deepcopy(self._replay.setdefault(record.id, default_replay()))

    def replay_problem(self, record: DeploymentRecord, body: Mapping[str, Any]) -> str | None:
        """Why DataRobot refuses this replay change, or None."""
        enabled = self._settings.effective(record)["challengerModels"].get("enabled")
        if body.get("enabled") and not enabled:
            return "Challenger replay requires challenger models to be enabled."
        return None

    def update_replay(self, record: DeploymentRecord, body: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a validated ``PATCH challengerReplaySettings/`` (a null schedule keeps it)."""
        replay = self._replay.setdefault(record.id, default_replay())
        replay["enabled"] = body["enabled"]
        if body.get("schedule") is not None:
            replay["schedule"] = copy.deepcopy(body["schedule"])
        return self.replay(record)

    # -- accuracy metrics --------------------------------------------------------------------

    def target_type(self, record: DeploymentRecord) -> str:
        """The deployment's target type (which accuracy metrics it may use)."""
        return self._project(record).target_type

    def accuracy_metrics(self, record: DeploymentRecord) -> list[str]:
        """``GET accuracyMetrics/`` (a copy)."""
        found = self._metrics.setdefault(
            record.id, default_accuracy_metrics(self._project(record).target_type)
        )
        return list(found)

    def set_accuracy_metrics(self, record: DeploymentRecord, metrics: list[str]) -> list[str]:
        """Apply a validated ``PUT accuracyMetrics/``: the list replaces the old one."""
        self._metrics[record.id] = list(metrics)
        return self.accuracy_metrics(record)

    # -- retraining --------------------------------------------------------------------------

    def retraining(self, record: DeploymentRecord) -> dict[str, Any]:
        """``GET retrainingSettings/``: each item ``{id, name}`` (``{id, username}`` for the
        user), or null when not set."""
        ids = self._retraining.get(record.id, {})
        user = ids.get("retrainingUser")
        dataset = ids.get("dataset")
        environment = ids.get("predictionEnvironment")
        return {
            "retrainingUser": None if user is None else dict(EMULATOR_USER),
            "dataset": None if dataset is None else {"id": dataset, "name": "Retraining data"},
            "predictionEnvironment": None
            if environment is None
            else {"id": environment, "name": "Retraining prediction environment"},
        }

    def update_retraining(self, record: DeploymentRecord, body: Mapping[str, Any]) -> None:
        """Apply a validated ``PATCH retrainingSettings/`` (null unsets an item)."""
        ids = self._retraining.setdefault(record.id, {})
        for key, item in _RETRAINING_KEYS.items():
            if key in body:
                ids[item] = body[key]

    # -- secondary dataset configuration ------------------------------------------------------

    def secondary(self, record: DeploymentRecord) -> dict[str, Any]:
        """``GET model/secondaryDatasetConfiguration/``."""
        found = self._secondary.get(record.id)
        return {"secondaryDatasetConfigId": None if found is None else found["id"]}

    def update_secondary(self, record: DeploymentRecord, body: Mapping[str, Any]) -> None:
        """Apply a validated ``PATCH model/secondaryDatasetConfiguration/``."""
        self._secondary[record.id] = {
            "id": body["secondaryDatasetConfigId"],
            "credentialsIds": list(body.get("credentialsIds") or []),
        }

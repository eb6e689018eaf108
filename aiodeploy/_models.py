"""Typed wire objects: msgspec Structs, camelCase on the wire, snake_case in Python.

Response models ignore fields they do not declare (servers add fields) and give every
optional field a default, so a newer server never breaks an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = [
    "ChampionModelPackage",
    "Deployment",
    "DeploymentModel",
    "DeploymentModelPackage",
    "DeploymentPredictionEnvironment",
    "DeploymentPredictionServer",
    "DriftTrackingSettings",
    "FeatureDriftSettings",
    "HealthStatus",
    "Model",
    "ModelHistoryEntry",
    "PredictionServer",
    "PredictionUsage",
    "Project",
    "ReplacementValidation",
    "Tag",
    "TargetDriftSettings",
    "ValidationCheck",
]


class _Base(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """Base of every wire object."""


class Project(_Base, frozen=True, kw_only=True):
    """A DataRobot project (``GET projects/{id}/``)."""

    id: str
    project_name: str | None = None
    target: str | None = None
    target_type: str | None = None
    metric: str | None = None
    stage: str | None = None
    positive_class: Any = None
    created: datetime | None = None
    file_name: str | None = None


class Model(_Base, frozen=True, kw_only=True):
    """A Leaderboard model (``GET projects/{pid}/models/{mid}/``)."""

    id: str
    project_id: str
    model_type: str | None = None
    model_category: str | None = None
    model_family: str | None = None
    model_number: int | None = None
    blueprint_id: str | None = None
    featurelist_id: str | None = None
    featurelist_name: str | None = None
    processes: list[str] = msgspec.field(default_factory=list)
    sample_pct: float | None = None
    training_row_count: int | None = None
    is_frozen: bool = False
    is_starred: bool = False
    metrics: dict[str, Any] = msgspec.field(default_factory=dict)


class PredictionServer(_Base, frozen=True, kw_only=True):
    """A dedicated prediction server (``GET predictionServers/``)."""

    id: str | None = None
    url: str
    datarobot_key: str | None = msgspec.field(default=None, name="datarobot-key")


class DeploymentModel(_Base, frozen=True, kw_only=True):
    """The champion model of a deployment, as embedded in the deployment object."""

    id: str
    type: str | None = None
    target_name: str | None = None
    target_type: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    unsupervised_mode: bool | None = None
    deployed_at: datetime | None = None


class DeploymentPredictionServer(_Base, frozen=True, kw_only=True):
    """The default prediction server embedded in a deployment."""

    id: str | None = None
    url: str | None = None
    datarobot_key: str | None = msgspec.field(default=None, name="datarobot-key")


class DeploymentPredictionEnvironment(_Base, frozen=True, kw_only=True):
    """Where a deployment runs, as embedded in the deployment object.

    Attributes:
        platform: ``datarobot`` (a dedicated prediction server), ``datarobotServerless``,
            ``aws``, ...
    """

    id: str | None = None
    name: str | None = None
    platform: str | None = None
    supported_model_formats: list[str] = msgspec.field(default_factory=list)
    is_managed_by_management_agent: bool = False


class HealthStatus(_Base, frozen=True, kw_only=True):
    """One health block (service, model, accuracy or fairness)."""

    status: str | None = None
    message: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


class PredictionUsage(_Base, frozen=True, kw_only=True):
    """Recent prediction traffic: one rate per day, and the last prediction's time."""

    daily_rates: list[float] = msgspec.field(default_factory=list)
    last_timestamp: datetime | None = None


class Tag(_Base, frozen=True, kw_only=True):
    """A deployment tag."""

    id: str | None = None
    name: str
    value: str | None = None


class DeploymentModelPackage(_Base, frozen=True, kw_only=True):
    """The registered model version (model package) a deployment serves, as embedded in it."""

    id: str
    name: str | None = None
    registered_model_id: str | None = None


class Deployment(_Base, frozen=True, kw_only=True):
    """A deployment (``GET deployments/{id}/``).

    Example:
        >>> dep = await client.get_deployment("5c6f7a9e9ca9b20017ff95a2")  # doctest: +SKIP
        >>> dep.model.id, dep.default_prediction_server.datarobot_key  # doctest: +SKIP
    """

    id: str
    label: str | None = None
    description: str | None = None
    status: str | None = None
    importance: str | None = None
    created_at: datetime | None = None
    model: DeploymentModel | None = None
    model_package: DeploymentModelPackage | None = None
    default_prediction_server: DeploymentPredictionServer | None = None
    service_health: HealthStatus | None = None
    model_health: HealthStatus | None = None
    accuracy_health: HealthStatus | None = None
    fairness_health: HealthStatus | None = None
    permissions: list[str] = msgspec.field(default_factory=list)
    prediction_usage: PredictionUsage | None = None
    tags: list[Tag] = msgspec.field(default_factory=list)
    prediction_environment: DeploymentPredictionEnvironment | None = None


class ValidationCheck(_Base, frozen=True, kw_only=True):
    """One check of a replacement validation."""

    status: str
    message: str | None = None


class ReplacementValidation(_Base, frozen=True, kw_only=True):
    """The result of validating a replacement model.

    Unpacks as ``(status, message, checks)``, like the official client's return value::

        status, message, checks = await client.validate_replacement_model(dep, model_id)

    Attributes:
        status: ``passing``, ``warning`` or ``failing`` (the worst check).
        message: the server's summary.
        checks: check name → :class:`ValidationCheck` (an open map: servers add checks).
    """

    status: str
    message: str | None = None
    checks: dict[str, ValidationCheck] = msgspec.field(default_factory=dict)

    def __iter__(self) -> Any:
        return iter((self.status, self.message, self.checks))

    @property
    def ok(self) -> bool:
        """Whether a replacement may go ahead (``passing`` or ``warning``)."""
        return self.status in ("passing", "warning")


class TargetDriftSettings(_Base, frozen=True, kw_only=True):
    """Target drift tracking."""

    enabled: bool = False


class FeatureDriftSettings(_Base, frozen=True, kw_only=True):
    """Feature drift tracking."""

    enabled: bool = False
    feature_selection: str | None = None
    tracked_features: list[str] | None = None


class DriftTrackingSettings(_Base, frozen=True, kw_only=True):
    """Drift tracking settings of a deployment (two sections of ``deployments/{id}/settings/``).

    Attributes:
        target_drift: ``.enabled`` tells whether target drift is tracked.
        feature_drift: ``.enabled`` tells whether feature drift is tracked.
    """

    target_drift: TargetDriftSettings = msgspec.field(default_factory=TargetDriftSettings)
    feature_drift: FeatureDriftSettings = msgspec.field(default_factory=FeatureDriftSettings)


class ModelHistoryEntry(_Base, frozen=True, kw_only=True):
    """One champion period of a deployment (``GET deployments/{id}/modelHistory/``)."""

    model_id: str
    model_package_id: str | None = None
    reason: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


class ChampionModelPackage(_Base, frozen=True, kw_only=True):
    """The registered model version a deployment serves, in full
    (``GET deployments/{id}/championModelPackage/``).

    Attributes:
        id: the registered model version (model package) id.
        registered_model_id: the registered model it belongs to.
        registered_model_version: its version number within that registered model.
        model_id: the Leaderboard (or custom) model it packages.
        target: ``{"name": ..., "type": ..., ...}`` as the server sends it.
    """

    id: str
    registered_model_id: str | None = None
    registered_model_version: int | None = None
    name: str | None = None
    model_id: str | None = None
    model_execution_type: str | None = None
    is_archived: bool = False
    is_deprecated: bool = False
    build_status: str | None = None
    target: dict[str, Any] = msgspec.field(default_factory=dict)
    model_kind: dict[str, Any] = msgspec.field(default_factory=dict)

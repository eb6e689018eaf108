"""Typed wire objects of the registry: registered models, their versions (model packages),
the deployments made from them, and prediction environments.

Like every response model they ignore fields they do not declare and give every optional
field a default (see :mod:`aiodeploy._models`).
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from ._models import DeploymentPredictionEnvironment, Tag

__all__ = [
    "BUILT",
    "PredictionEnvironment",
    "RegisteredModel",
    "RegisteredModelDeployment",
    "RegisteredModelTarget",
    "RegisteredModelVersion",
    "UserInfo",
    "VersionSource",
    "VersionTarget",
]

BUILT = "complete"
"""The ``build_status`` of a version whose build is done."""


class _Base(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """Base of every wire object."""


class UserInfo(_Base, frozen=True, kw_only=True):
    """Who created or changed something."""

    id: str | None = None
    email: str | None = None
    name: str | None = None


class RegisteredModelTarget(_Base, frozen=True, kw_only=True):
    """The target every version of a registered model predicts."""

    name: str | None = None
    type: str | None = None


class RegisteredModel(_Base, frozen=True, kw_only=True):
    """A registered model: a named series of versions (``GET registeredModels/{id}/``).

    Attributes:
        last_version_num: the number of its latest version.
    """

    id: str
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    created_by: UserInfo | None = None
    target: RegisteredModelTarget | None = None
    last_version_num: int | None = None
    is_archived: bool = False
    tags: list[Tag] = msgspec.field(default_factory=list)


class VersionTarget(_Base, frozen=True, kw_only=True):
    """What a version predicts."""

    name: str | None = None
    type: str | None = None
    class_names: list[str] | None = None
    prediction_threshold: float | None = None


class VersionSource(_Base, frozen=True, kw_only=True):
    """Where a version's model was built."""

    project_id: str | None = None
    project_name: str | None = None


class RegisteredModelVersion(_Base, frozen=True, kw_only=True):
    """A registered model version, also called a model package
    (``GET registeredModels/{id}/versions/{versionId}/``).

    Attributes:
        registered_model_version: its number within its registered model (1, 2, ...).
        model_id: the Leaderboard model it packages.
        build_status: ``complete``, ``inProgress`` or ``failed``; only a complete version
            can be deployed or replace a deployment's model.
    """

    id: str
    registered_model_id: str | None = None
    registered_model_version: int | None = None
    name: str | None = None
    model_id: str | None = None
    model_execution_type: str | None = None
    build_status: str | None = None
    is_archived: bool = False
    is_deprecated: bool = False
    target: VersionTarget | None = None
    source_meta: VersionSource | None = None
    active_deployment_count: int | None = None
    updated_at: datetime | None = None
    tags: list[Tag] = msgspec.field(default_factory=list)

    @property
    def building(self) -> bool:
        """Whether its build is still going on (neither complete nor failed)."""
        return self.build_status not in (None, BUILT, "failed")


class RegisteredModelDeployment(_Base, frozen=True, kw_only=True):
    """A deployment of a registered model (``GET registeredModels/{id}/deployments/``).

    Attributes:
        currently_deployed: whether it serves a version of the registered model now (else
            it did before).
        registered_model_version: the number of the version it serves (or served last).
    """

    id: str
    label: str | None = None
    status: str | None = None
    currently_deployed: bool = False
    registered_model_version: int | None = None
    is_challenger: bool = False
    first_deployed_at: datetime | None = None
    prediction_environment: DeploymentPredictionEnvironment | None = None


class PredictionEnvironment(_Base, frozen=True, kw_only=True):
    """A prediction environment: where deployments run (``GET predictionEnvironments/``).

    Attributes:
        platform: ``datarobot``, ``datarobotServerless``, ``aws``, ``gcp``, ``azure``, ...
        supported_model_formats: ``datarobot``, ``customModel``, ``externalModel``, ...
    """

    id: str
    name: str | None = None
    description: str | None = None
    platform: str | None = None
    supported_model_formats: list[str] = msgspec.field(default_factory=list)
    is_managed_by_management_agent: bool = False
    is_deleted: bool = False
    permissions: list[str] = msgspec.field(default_factory=list)

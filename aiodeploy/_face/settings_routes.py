"""Public methods: challenger replay (``challengerReplaySettings/``), retraining
(``retrainingSettings/``) and the secondary dataset configuration
(``model/secondaryDatasetConfiguration/``) of a deployment. These routes answer at once.

Errors, for every update here: ``ValueError``/``TypeError`` for a malformed id, value or
``max_wait`` (before any request); ``UnprocessableEntityError`` when the server refuses the
change (its reason in the message); ``APIError``, ``TransportError``,
``ResponseDecodeError``: see the README's error table.
"""

from __future__ import annotations

from typing import Any

from .._api import settings_families as families
from .._families import FAMILIES, snake_builtins
from .._models_settings import (
    ChallengerReplaySettings,
    RetrainingSettings,
    Schedule,
    SecondaryDatasetConfig,
)
from .._wire import DeploymentRef, deployment_id
from ._base import Face

__all__ = ["RouteSettingsMethods"]

_UNSET: Any = object()  # "leave as is" where None means "unset it"


class RouteSettingsMethods(Face):
    """Challenger replay, retraining, secondary dataset configuration."""

    async def get_challenger_replay_settings(
        self, deployment: DeploymentRef
    ) -> ChallengerReplaySettings:
        """Read challenger replay (``GET deployments/{id}/challengerReplaySettings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`ChallengerReplaySettings` (``enabled``, ``schedule``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        return await families.read_replay(self._session, deployment_id(deployment))

    async def update_challenger_replay_settings(
        self,
        deployment: DeploymentRef,
        enabled: bool,
        schedule: Schedule | dict[str, Any] | None = None,
        *,
        max_wait: float | None = None,
    ) -> ChallengerReplaySettings:
        """Turn challenger replay on or off (challenger models must be enabled).

        Sends one ``PATCH deployments/{id}/challengerReplaySettings/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            enabled: replay predictions to the challengers on the schedule.
            schedule: a :class:`Schedule` or its dict (``minute``, ``hour``,
                ``day_of_month``, ``month``, ``day_of_week``: lists of numbers or ``"*"``);
                ``None`` keeps the current one.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        if isinstance(schedule, Schedule):
            schedule = snake_builtins(schedule)
        values = {"enabled": enabled, "schedule": schedule}
        await families.update_checked(self._session, dep_id, "challenger_replay", values, deadline)
        return await families.read_replay(self._session, dep_id, deadline=deadline)

    async def get_retraining_settings(self, deployment: DeploymentRef) -> RetrainingSettings:
        """Read retraining settings (``GET deployments/{id}/retrainingSettings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`RetrainingSettings` (user, dataset, prediction environment; ``None``
            where not set).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        return await families.read_retraining(self._session, deployment_id(deployment))

    async def update_retraining_settings(
        self,
        deployment: DeploymentRef,
        retraining_user_id: str | None = _UNSET,
        dataset_id: str | None = _UNSET,
        prediction_environment_id: str | None = _UNSET,
        *,
        max_wait: float | None = None,
    ) -> RetrainingSettings:
        """Set who retrains, on which dataset, in which prediction environment.

        Sends one ``PATCH deployments/{id}/retrainingSettings/``. As in the official
        client, an argument left out keeps its value and ``None`` unsets it.

        Args:
            deployment: its id, or a :class:`Deployment`.
            retraining_user_id: the user retraining runs as.
            dataset_id: the retraining dataset.
            prediction_environment_id: where retrained models are deployed.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The settings now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        given = {
            "retraining_user_id": retraining_user_id,
            "dataset_id": dataset_id,
            "prediction_environment_id": prediction_environment_id,
        }
        fields = FAMILIES["retraining"].fields
        values = {name: fields[name](v) for name, v in given.items() if v is not _UNSET}
        if not values:
            raise ValueError(f"give at least one of {', '.join(given)}")
        await families.update_family(self._session, dep_id, "retraining", values, deadline)
        return await families.read_retraining(self._session, dep_id, deadline=deadline)

    async def get_secondary_dataset_config(
        self, deployment: DeploymentRef
    ) -> SecondaryDatasetConfig:
        """Read the secondary dataset configuration of a Feature Discovery deployment
        (``GET deployments/{id}/model/secondaryDatasetConfiguration/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`SecondaryDatasetConfig` (``secondary_dataset_config_id``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        return await families.read_secondary(self._session, deployment_id(deployment))

    async def update_secondary_dataset_config(
        self,
        deployment: DeploymentRef,
        secondary_dataset_config_id: str,
        credential_ids: list[str] | None = None,
        *,
        max_wait: float | None = None,
    ) -> SecondaryDatasetConfig:
        """Use another secondary dataset configuration: one
        ``PATCH deployments/{id}/model/secondaryDatasetConfiguration/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            secondary_dataset_config_id: the configuration.
            credential_ids: credentials of the secondary datasets.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The configuration now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {
            "secondary_dataset_config_id": secondary_dataset_config_id,
            "credential_ids": credential_ids,
        }
        await families.update_checked(
            self._session, dep_id, "secondary_dataset_config", values, deadline
        )
        return await families.read_secondary(self._session, dep_id, deadline=deadline)

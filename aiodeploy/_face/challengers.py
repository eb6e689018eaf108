"""Public methods: a deployment's challenger models (``deployments/{id}/challengers/``)."""

from __future__ import annotations

from .._api import challengers
from .._models_settings import Challenger
from .._refs import (
    PredictionEnvironmentRef,
    RegisteredModelVersionRef,
    environment_id_of,
    version_id_of,
)
from .._wire import DeploymentRef, check_id, deployment_id
from ._base import Face

__all__ = ["ChallengerMethods"]


class ChallengerMethods(Face):
    """Challenger models: list, read, create, delete."""

    async def list_challengers(self, deployment: DeploymentRef) -> list[Challenger]:
        """The deployment's challengers (``GET deployments/{id}/challengers/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            One :class:`Challenger` each, oldest first.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await challengers.list_challengers(self._session, deployment_id(deployment))

    async def get_challenger(self, deployment: DeploymentRef, challenger_id: str) -> Challenger:
        """One challenger (``GET deployments/{id}/challengers/{challengerId}/``).

        Args:
            deployment: its id, or a :class:`Deployment`.
            challenger_id: the challenger's id.

        Returns:
            The :class:`Challenger`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment or challenger.
        """
        return await challengers.get_challenger(
            self._session, deployment_id(deployment), check_id(challenger_id, "challenger id")
        )

    async def create_challenger(
        self,
        deployment: DeploymentRef,
        model_package_id: RegisteredModelVersionRef,
        prediction_environment_id: PredictionEnvironmentRef,
        name: str,
        *,
        max_wait: float | None = None,
    ) -> Challenger:
        """Add a challenger and wait until it exists.

        Sends ``POST deployments/{id}/challengers/``, waits for its job, then reads the new
        challenger (whose id the job's result URL gives). Challenger models must be enabled
        on the deployment (:meth:`update_challenger_models_settings`), which needs
        prediction row storage; a deployment has at most five challengers.

        Args:
            deployment: its id, or a :class:`Deployment`.
            model_package_id: the challenger's model package (registered model version):
                its id, or a :class:`RegisteredModelVersion`.
            prediction_environment_id: where the challenger's predictions are computed: its
                id, or a :class:`PredictionEnvironment`.
            name: the challenger's name.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The new :class:`Challenger`.

        Raises:
            ValueError, TypeError: a malformed id, an empty name or a bad ``max_wait``.
            NotFoundError: no such deployment or model package.
            UnprocessableEntityError: challengers are not enabled, the deployment has five,
                or the package predicts another target.
            AsyncTimeoutError: ``max_wait`` passed first (the challenger may still appear).
            AsyncProcessUnsuccessfulError: the creation job failed.
        """
        deadline = self._session.deadline(max_wait)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        payload = {
            "modelPackageId": version_id_of(model_package_id, "model package id"),
            "predictionEnvironmentId": environment_id_of(prediction_environment_id),
            "name": name,
        }
        return await challengers.create_challenger(
            self._session, deployment_id(deployment), payload, deadline
        )

    async def delete_challenger(self, deployment: DeploymentRef, challenger_id: str) -> None:
        """Remove a challenger (``DELETE deployments/{id}/challengers/{challengerId}/``).

        The challenger is read first (``GET`` of the same path): a DELETE whose answer was
        lost is settled by reading it again, and a 404 after it existed means done.

        Args:
            deployment: its id, or a :class:`Deployment`.
            challenger_id: the challenger's id.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment or challenger (when the call began).
            AiodeployError: every answer was lost and the challenger is still there.
        """
        await challengers.delete_challenger(
            self._session,
            deployment_id(deployment),
            check_id(challenger_id, "challenger id"),
            self._session.deadline(None),
        )

"""Public methods: create, list, get and delete deployments, and read their model history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from .._api import deployments, listing
from .._models import ChampionModelPackage, Deployment, ModelHistoryEntry
from .._wire import DeploymentRef, check_id, deployment_id
from ._base import Face

__all__ = ["DeploymentMethods"]


class DeploymentMethods(Face):
    """The deployments themselves."""

    async def create_deployment_from_learning_model(
        self,
        model_id: str,
        label: str,
        description: str | None = None,
        default_prediction_server_id: str | None = None,
        *,
        importance: str | None = None,
        max_wait: float | None = None,
    ) -> Deployment:
        """Deploy a Leaderboard model and wait until the deployment is ready.

        Sends ``POST deployments/fromLearningModel/``, waits for its job (202 → polls of
        ``status/{id}/``), then reads the deployment (``GET deployments/{id}/``).

        Args:
            model_id: the Leaderboard model to deploy.
            label: the deployment's name (non-empty).
            description: optional description.
            default_prediction_server_id: required on DataRobot's cloud, omitted on-premise.
            importance: ``CRITICAL``, ``HIGH``, ``MODERATE`` or ``LOW``.
            max_wait: seconds for the whole call, job and reads included (default: the
                client's ``max_wait``).

        Returns:
            The new :class:`Deployment`.

        Raises:
            ValueError, TypeError: a malformed id, an empty label or a bad ``max_wait``
                (before any request).
            NotFoundError: no such model or prediction server.
            AsyncTimeoutError: ``max_wait`` passed first (the deployment may still appear).
            AsyncProcessUnsuccessfulError: the creation job failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)  # refused before anything is created
        if not isinstance(label, str) or not label.strip():
            raise ValueError("label must be a non-empty string")
        payload: dict[str, Any] = {"modelId": check_id(model_id, "model id"), "label": label}
        if description is not None:
            payload["description"] = description
        if default_prediction_server_id is not None:
            payload["defaultPredictionServerId"] = check_id(
                default_prediction_server_id, "prediction server id"
            )
        if importance is not None:
            payload["importance"] = importance
        return await deployments.create_from_learning_model(self._session, payload, deadline)

    def iter_deployments(
        self,
        search: str | None = None,
        order_by: str | None = None,
        *,
        status: str | Sequence[str] | None = None,
        role: str | None = None,
        filters: Mapping[str, str | Sequence[str]] | None = None,
    ) -> AsyncIterator[Deployment]:
        """Yield deployments page by page, fetching each page when needed.

        Sends ``GET deployments/?limit=100``, then the next pages by offset, each starting
        with the item the previous one ended with: when deployments are created or deleted
        meanwhile, the iteration finds its place again, so every deployment that existed for
        the whole listing is yielded exactly once.

        Args:
            search: case-insensitive match on label and description.
            order_by: e.g. ``label``, ``-createdAtTimestamp``.
            status: ``active``/``inactive`` (or several).
            role: ``OWNER`` or ``USER``.
            filters: any other query parameter of ``GET deployments/``, e.g.
                ``{"serviceHealth": "failing,warning"}``; not ``offset`` or ``limit``
                (the listing pages by itself), nor one of the arguments above given too.

        Returns:
            An async iterator of :class:`Deployment`.

        Raises:
            ValueError, TypeError: ``filters`` sets ``offset``, ``limit`` or an argument
                given too (at the call, before any request).
            BadRequestError: the server refused a filter or ordering.
            ListingChangedError: the deployments kept changing too much to go on safely.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = deployments.list_params(search, order_by, status, role, filters)
        return listing.iter_deployments(self._session, params)

    async def list_deployments(
        self,
        search: str | None = None,
        order_by: str | None = None,
        *,
        status: str | Sequence[str] | None = None,
        role: str | None = None,
        filters: Mapping[str, str | Sequence[str]] | None = None,
    ) -> list[Deployment]:
        """List every matching deployment.

        Sends ``GET deployments/?limit=100``, then, once ``totalCount`` is known, fetches
        the remaining pages concurrently (``page_concurrency`` at a time), each starting
        with the item the previous one ended with. When a boundary or the count shows that
        deployments were created or deleted meanwhile, the list is read again (up to 3
        times). Arguments are those of :meth:`iter_deployments`.

        Returns:
            The deployments in the server's order: each one that existed for the whole
            listing, exactly once.

        Raises:
            ValueError, TypeError: ``filters`` sets ``offset``, ``limit`` or an argument
                given too (before any request).
            BadRequestError: the server refused a filter or ordering.
            ListingChangedError: the deployments changed during each of 3 reads.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params = deployments.list_params(search, order_by, status, role, filters)
        return await listing.list_deployments(self._session, params)

    async def get_deployment(self, deployment: DeploymentRef) -> Deployment:
        """Get a deployment.

        Sends ``GET deployments/{id}/``.

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            The :class:`Deployment` as the server has it now.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment (or deleted).
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await deployments.get_deployment(self._session, deployment_id(deployment))

    async def delete_deployment(self, deployment: DeploymentRef) -> None:
        """Delete a deployment.

        Reads it (``GET deployments/{id}/``), then sends ``DELETE deployments/{id}/`` (204).
        When the DELETE's answer is lost (a dropped connection, a 5xx), the deployment is
        read again and the DELETE sent again only if it is still there; a 404 after the
        deployment was read means an earlier attempt deleted it, and the call succeeds.

        Args:
            deployment: its id, or a :class:`Deployment`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment (it did not exist when the call began).
            AiodeployError: every answer was lost and the deployment is still there.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        dep_id = deployment_id(deployment)
        await deployments.delete_deployment(self._session, dep_id, self._session.deadline(None))

    async def get_model_history(self, deployment: DeploymentRef) -> list[ModelHistoryEntry]:
        """The deployment's champion periods, oldest first.

        Sends ``GET deployments/{id}/modelHistory/`` and follows its ``next`` pages.

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            One :class:`ModelHistoryEntry` per model the deployment has served.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await deployments.get_model_history(self._session, deployment_id(deployment))

    async def get_champion_model_package(self, deployment: DeploymentRef) -> ChampionModelPackage:
        """The registered model version (model package) the deployment serves, in full.

        Sends ``GET deployments/{id}/championModelPackage/``. (``Deployment.model_package``
        already names it: ``id``, ``name``, ``registered_model_id``.)

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            The :class:`ChampionModelPackage`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await deployments.get_champion_model_package(
            self._session, deployment_id(deployment)
        )

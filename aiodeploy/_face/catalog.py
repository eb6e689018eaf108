"""Public methods: projects, Leaderboard models and prediction servers."""

from __future__ import annotations

from .._api import catalog
from .._models import Model, PredictionServer, Project
from .._wire import check_id
from ._base import Face

__all__ = ["CatalogMethods"]


class CatalogMethods(Face):
    """Reads of the catalog a deployment is made from."""

    async def get_project(self, project_id: str) -> Project:
        """Get a project, like ``dr.Project.get``.

        Sends ``GET projects/{id}/``.

        Args:
            project_id: the project's id.

        Returns:
            The :class:`Project`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such project (or not visible to the token).
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await catalog.get_project(self._session, check_id(project_id, "project id"))

    async def list_projects(self) -> list[Project]:
        """List the projects visible to the token.

        Sends ``GET projects/`` (a bare array, or the paginated envelope and its ``next``
        pages).

        Returns:
            Every :class:`Project`, in the server's order.

        Raises:
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await catalog.list_projects(self._session)

    async def list_models(self, project_id: str) -> list[Model]:
        """List a project's Leaderboard models.

        Sends ``GET projects/{id}/models/``.

        Args:
            project_id: the project's id.

        Returns:
            Every :class:`Model` of the Leaderboard.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such project.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await catalog.list_models(self._session, check_id(project_id, "project id"))

    async def get_model(self, project_id: str, model_id: str) -> Model:
        """Get one Leaderboard model in a single request (the official client sends two).

        Sends ``GET projects/{pid}/models/{mid}/``.

        Args:
            project_id: the project's id.
            model_id: the model's id.

        Returns:
            The :class:`Model`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such project or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        project = check_id(project_id, "project id")
        return await catalog.get_model(self._session, project, check_id(model_id, "model id"))

    async def list_prediction_servers(self) -> list[PredictionServer]:
        """List the dedicated prediction servers.

        Sends ``GET predictionServers/`` and follows its ``next`` pages.

        Returns:
            Every :class:`PredictionServer` (``url``, ``datarobot_key``).

        Raises:
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await catalog.list_prediction_servers(self._session)

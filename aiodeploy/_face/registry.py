"""Public methods: the model registry, deploying a registered model version, and prediction
environments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._api import environments, registry
from .._models import Deployment
from .._models_registry import (
    PredictionEnvironment,
    RegisteredModel,
    RegisteredModelDeployment,
    RegisteredModelVersion,
)
from .._refs import (
    PredictionEnvironmentRef,
    RegisteredModelRef,
    RegisteredModelVersionRef,
    environment_id_of,
    registered_model_id_of,
    version_id_of,
)
from .._wire import check_filters, check_id, check_importance, check_text
from ._base import Face

__all__ = ["RegistryMethods"]


class RegistryMethods(Face):
    """Registered models and their versions, and where deployments run."""

    async def list_registered_models(
        self, search: str | None = None, *, filters: Mapping[str, Any] | None = None
    ) -> list[RegisteredModel]:
        """List the registered models the token can see.

        Sends ``GET registeredModels/?limit=100`` and follows its ``next`` pages.

        Args:
            search: case-insensitive match on name, description and target name.
            filters: any other query parameter of the route, e.g.
                ``{"targetType": "Binary"}`` or ``{"compatibleWithLeaderboardModelId": mid}``.

        Returns:
            Every matching :class:`RegisteredModel`.

        Raises:
            ValueError, TypeError: ``filters`` sets ``offset`` or ``limit`` (the listing
                pages by itself), or ``search`` given as an argument too (before any
                request).
            BadRequestError: the server refused a filter.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        params: dict[str, Any] = check_filters(filters, {"search": search})
        if search is not None:
            params["search"] = search
        return await registry.list_registered_models(self._session, params)

    async def get_registered_model(
        self, registered_model_id: RegisteredModelRef
    ) -> RegisteredModel:
        """Get a registered model.

        Sends ``GET registeredModels/{id}/``.

        Args:
            registered_model_id: its id, or a :class:`RegisteredModel` (only its id is used).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such registered model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        rm_id = registered_model_id_of(registered_model_id)
        return await registry.get_registered_model(self._session, rm_id)

    async def list_registered_model_versions(
        self, registered_model_id: RegisteredModelRef
    ) -> list[RegisteredModelVersion]:
        """List a registered model's versions, version 1 first.

        Sends ``GET registeredModels/{id}/versions/`` and follows its ``next`` pages.

        Args:
            registered_model_id: its id, or a :class:`RegisteredModel`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such registered model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        rm_id = registered_model_id_of(registered_model_id)
        return await registry.list_versions(self._session, rm_id)

    async def get_registered_model_version(
        self, registered_model_id: RegisteredModelRef, version_id: RegisteredModelVersionRef
    ) -> RegisteredModelVersion:
        """Get one version of a registered model.

        Sends ``GET registeredModels/{id}/versions/{versionId}/``.

        Args:
            registered_model_id: its id, or a :class:`RegisteredModel`.
            version_id: the version's id, or a :class:`RegisteredModelVersion`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such registered model, or no such version of it.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        rm_id = registered_model_id_of(registered_model_id)
        return await registry.get_version(self._session, rm_id, version_id_of(version_id))

    async def list_registered_model_deployments(
        self, registered_model_id: RegisteredModelRef
    ) -> list[RegisteredModelDeployment]:
        """List the deployments that serve (or served) a version of a registered model.

        Sends ``GET registeredModels/{id}/deployments/`` and follows its ``next`` pages.

        Args:
            registered_model_id: its id, or a :class:`RegisteredModel`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such registered model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        rm_id = registered_model_id_of(registered_model_id)
        return await registry.list_registered_model_deployments(self._session, rm_id)

    async def create_registered_model_version_from_leaderboard(
        self,
        model_id: str,
        *,
        name: str | None = None,
        registered_model_name: str | None = None,
        registered_model_id: RegisteredModelRef | None = None,
        description: str | None = None,
        prediction_threshold: float | None = None,
        tags: Mapping[str, str] | None = None,
        max_wait: float | None = None,
    ) -> RegisteredModelVersion:
        """Register a Leaderboard model as a new version, and wait until it is built.

        Sends ``POST modelPackages/fromLeaderboard/``; while the reply's ``buildStatus``
        says the version is building, reads ``GET registeredModels/{id}/versions/{vid}/``
        on the poll schedule until it is complete. The POST is not resent when its answer
        is lost (each one creates a version).

        Args:
            model_id: the Leaderboard model.
            name: the version's name (default: the model type).
            registered_model_name: the new registered model's name (default: ``name``).
            registered_model_id: add the version to this registered model instead (its
                target must be the model's): its id, or a :class:`RegisteredModel`.
            description: the version's description.
            prediction_threshold: binary classification threshold (0-1).
            tags: the version's tags, ``{name: value}``.
            max_wait: seconds for the whole call, build included (default: the client's).

        Returns:
            The built :class:`RegisteredModelVersion`.

        Raises:
            ValueError, TypeError: a malformed id, both ``registered_model_name`` and
                ``registered_model_id``, a threshold outside 0-1, or a bad ``max_wait``
                (before any request).
            NotFoundError: no such model or registered model.
            UnprocessableEntityError: the server refused (a name taken, a target that
                differs from the registered model's).
            AsyncTimeoutError: ``max_wait`` passed before the build ended (the version
                exists).
            AsyncProcessUnsuccessfulError: the build failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        if registered_model_name is not None and registered_model_id is not None:
            raise ValueError("give registered_model_name or registered_model_id, not both")
        payload: dict[str, Any] = {"modelId": check_id(model_id, "model id")}
        if name is not None:
            payload["name"] = check_text(name, "name")
        if registered_model_name is not None:
            payload["registeredModelName"] = check_text(
                registered_model_name, "registered_model_name"
            )
        if registered_model_id is not None:
            payload["registeredModelId"] = registered_model_id_of(registered_model_id)
        if description is not None:
            payload["description"] = description
        if prediction_threshold is not None:
            if not 0 <= prediction_threshold <= 1:
                raise ValueError(
                    f"prediction_threshold must be within 0-1, got {prediction_threshold}"
                )
            payload["predictionThreshold"] = float(prediction_threshold)
        if tags:
            payload["tags"] = [{"name": k, "value": v} for k, v in tags.items()]
        return await registry.create_from_leaderboard(self._session, payload, deadline)

    async def create_deployment_from_registered_model_version(
        self,
        version_id: RegisteredModelVersionRef,
        label: str,
        description: str | None = None,
        *,
        default_prediction_server_id: str | None = None,
        prediction_environment_id: PredictionEnvironmentRef | None = None,
        importance: str | None = None,
        max_wait: float | None = None,
    ) -> Deployment:
        """Deploy a registered model version and wait until the deployment is ready.

        Sends ``POST deployments/fromModelPackage/``, waits for its job, then reads the
        deployment (``GET deployments/{id}/``).

        Args:
            version_id: the registered model version (model package) to deploy: its id, or a
                :class:`RegisteredModelVersion`.
            label: the deployment's name (non-empty).
            description: optional description.
            default_prediction_server_id: the dedicated prediction server to serve it.
            prediction_environment_id: or the prediction environment to run it in (its id,
                or a :class:`PredictionEnvironment`; not both). With neither, the server
                uses its default, as on-premise DataRobot does (DataRobot's cloud wants one).
            importance: ``CRITICAL``, ``HIGH``, ``MODERATE`` or ``LOW`` (any case).
            max_wait: seconds for the whole call, job and reads included (default: the
                client's ``max_wait``).

        Returns:
            The new :class:`Deployment`.

        Raises:
            ValueError, TypeError: a malformed id, an empty label, both a prediction server
                and an environment, an unknown importance or a bad ``max_wait`` (before
                any request).
            NotFoundError: no such version, prediction server or environment.
            UnprocessableEntityError: the version is still building, or the environment
                cannot run DataRobot models.
            AsyncTimeoutError: ``max_wait`` passed first (the deployment may still appear).
            AsyncProcessUnsuccessfulError: the creation job failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        if default_prediction_server_id is not None and prediction_environment_id is not None:
            raise ValueError(
                "give default_prediction_server_id or prediction_environment_id, not both"
            )
        payload: dict[str, Any] = {
            "modelPackageId": version_id_of(version_id),
            "label": check_text(label, "label"),
        }
        if description is not None:
            payload["description"] = description
        if default_prediction_server_id is not None:
            payload["defaultPredictionServerId"] = check_id(
                default_prediction_server_id, "prediction server id"
            )
        if prediction_environment_id is not None:
            payload["predictionEnvironmentId"] = environment_id_of(prediction_environment_id)
        if importance is not None:
            payload["importance"] = check_importance(importance)
        return await registry.deploy_version(self._session, payload, deadline)

    async def list_prediction_environments(self) -> list[PredictionEnvironment]:
        """List the prediction environments (where deployments run).

        Sends ``GET predictionEnvironments/`` and follows its ``next`` pages.

        Raises:
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await environments.list_prediction_environments(self._session)

    async def get_prediction_environment(
        self, environment_id: PredictionEnvironmentRef
    ) -> PredictionEnvironment:
        """Get a prediction environment.

        Sends ``GET predictionEnvironments/{id}/``.

        Args:
            environment_id: its id, or a :class:`PredictionEnvironment`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such environment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        env_id = environment_id_of(environment_id)
        return await environments.get_prediction_environment(self._session, env_id)

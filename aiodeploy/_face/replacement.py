"""Public methods: validate and replace one deployment's model (many at once:
:mod:`.rollouts`)."""

from __future__ import annotations

from .._api import replacement
from .._api.operation import ReplacementOperation, follow
from .._models import Deployment, ReplacementValidation
from .._refs import RegisteredModelVersionRef
from .._target import Target
from .._wire import DeploymentRef, check_reason, deployment_id
from ..enums import ModelReplacementReason
from ._base import Face

__all__ = ["ReplacementMethods"]


class ReplacementMethods(Face):
    """Replacing the model a deployment serves, with no interruption of predictions.

    Replacement reasons (:data:`~aiodeploy.MODEL_REPLACEMENT_REASON`, any case):
    ``ACCURACY``, ``DATA_DRIFT``, ``ERRORS``, ``SCHEDULED_REFRESH``, ``SCORING_SPEED``,
    ``DEPRECATION``, ``OTHER``.
    """

    async def validate_replacement_model(
        self,
        deployment: DeploymentRef,
        new_model_id: str | None = None,
        *,
        new_registered_model_version_id: RegisteredModelVersionRef | None = None,
    ) -> ReplacementValidation:
        """Check whether a registered model version (or, on the legacy path, a Leaderboard
        model) may replace the deployment's model.

        Sends ``POST deployments/{id}/model/validation/`` with ``{"modelPackageId"}`` or
        ``{"modelId"}`` (retried like a read: it changes nothing).

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_model_id: the candidate Leaderboard model (legacy path).
            new_registered_model_version_id: the candidate registered model version (its
                id, or a :class:`RegisteredModelVersion`).

        Returns:
            A :class:`ReplacementValidation`; unpacks as ``(status, message, checks)`` with
            status ``passing``, ``warning`` or ``failing``.

        Raises:
            ValueError, TypeError: both or neither id, or a malformed one (before any
                request).
            NotFoundError: no such deployment, model or version.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        target = Target.of(new_model_id, new_registered_model_version_id)
        return await replacement.validate_model(self._session, deployment_id(deployment), target)

    async def start_model_replacement(
        self,
        deployment: DeploymentRef,
        new_model_id: str | None = None,
        reason: ModelReplacementReason | str = ModelReplacementReason.OTHER,
        *,
        new_registered_model_version_id: RegisteredModelVersionRef | None = None,
    ) -> ReplacementOperation:
        """Submit a model replacement and return as soon as the server accepted it.

        Sends ``PATCH deployments/{id}/model/`` with ``{"modelPackageId"}`` or
        ``{"modelId"}`` (202 + ``Location``). The deployment serves the new model from then
        on; await the returned operation for the job's end. If the answer is lost, garbled
        or a 5xx, the deployment is read to tell whether the replacement was accepted
        before the PATCH is sent again.

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_model_id: the Leaderboard model to serve from now on (legacy path).
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value (any case).
            new_registered_model_version_id: the registered model version to serve (its
                id, or a :class:`RegisteredModelVersion`).

        Returns:
            A :class:`ReplacementOperation` (awaitable; ``token()`` to persist it).

        Raises:
            ValueError, TypeError: both or neither id, a malformed one or an unknown reason
                (before any request).
            UnprocessableEntityError: the server refused the model (the message names the
                failing checks).
            ConflictError: another replacement of this deployment is running.
            NotFoundError: no such deployment, model or version.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        target = Target.of(new_model_id, new_registered_model_version_id)
        return await replacement.submit_replacement(
            self._session, deployment_id(deployment), target, check_reason(reason), deadline=None
        )

    def resume_replacement(self, token: str) -> ReplacementOperation:
        """Rebuild a :class:`ReplacementOperation` from its ``token()``, e.g. after a restart.

        Sends nothing; await the operation to poll its job.

        Args:
            token: what :meth:`ReplacementOperation.token` returned.

        Returns:
            The operation.

        Raises:
            ValueError: the token is malformed.
            CrossOriginError: the token's status URL is not on this client's endpoint.
        """
        return ReplacementOperation.from_token(self._session, token)

    async def replace_model(
        self,
        deployment: DeploymentRef,
        new_model_id: str | None = None,
        reason: ModelReplacementReason | str = ModelReplacementReason.OTHER,
        *,
        new_registered_model_version_id: RegisteredModelVersionRef | None = None,
        max_wait: float | None = None,
    ) -> Deployment:
        """Replace the deployment's model with no interruption of predictions, and wait.

        Sends ``PATCH deployments/{id}/model/`` (``{"modelPackageId"}`` or ``{"modelId"}``),
        polls the job (``status/{id}/``) with backoff, then reads the deployment once
        (``GET deployments/{id}/``). The server's state decides the outcome: a PATCH whose
        answer is lost, garbled or a 5xx is settled by reading the deployment (and its model
        history) before anything is sent again.

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_model_id: the Leaderboard model to serve from now on (legacy path).
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value (any case).
            new_registered_model_version_id: the registered model version to serve (its
                id, or a :class:`RegisteredModelVersion`).
            max_wait: seconds for the whole call: the PATCH, the job and the read after it,
                retries included (default: the client's ``max_wait``).

        Returns:
            The refreshed :class:`Deployment`.

        Raises:
            ValueError, TypeError: both or neither id, a malformed id, reason or
                ``max_wait`` (before any request).
            UnprocessableEntityError: the server refused the model (the message names the
                failing checks).
            AsyncTimeoutError: ``max_wait`` passed first (the job may still finish).
            AsyncProcessUnsuccessfulError: the job failed; the server rolled back.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)  # refused before the PATCH
        target = Target.of(new_model_id, new_registered_model_version_id)
        operation = await replacement.submit_replacement(
            self._session,
            deployment_id(deployment),
            target,
            check_reason(reason),
            deadline=deadline,
        )
        async for event in follow(operation, deadline):
            if event.deployment is not None:
                return event.deployment
        raise AssertionError("a replacement ended without its deployment")  # pragma: no cover

    async def perform_model_replace(
        self,
        deployment: DeploymentRef,
        new_registered_model_version_id: RegisteredModelVersionRef,
        reason: ModelReplacementReason | str,
        *,
        max_wait: float | None = None,
    ) -> Deployment:
        """Replace the deployment's model with a registered model version, and wait.

        The official client's name for :meth:`replace_model` by version: the same request,
        ``PATCH deployments/{id}/model/`` with ``{"modelPackageId", "reason"}``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_registered_model_version_id: the registered model version to serve (its
                id, or a :class:`RegisteredModelVersion`).
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value (any case).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The refreshed :class:`Deployment`.

        Raises:
            The errors of :meth:`replace_model`.
        """
        return await self.replace_model(
            deployment,
            reason=reason,
            new_registered_model_version_id=new_registered_model_version_id,
            max_wait=max_wait,
        )

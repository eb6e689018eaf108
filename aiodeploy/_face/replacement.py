"""Public methods: validate and replace a deployment's model, one or many at once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from .. import _preview, _rollout
from .._api import replacement
from .._api.operation import ReplacementOperation, follow
from .._bulk import BulkEvent, BulkResult, ReplacementRequest, check_concurrency
from .._models import Deployment, ReplacementValidation
from .._wire import DeploymentRef, check_id, check_reason, deployment_id
from ..enums import ModelReplacementReason
from ._base import Face

__all__ = ["ReplacementMethods"]

PlanItem = ReplacementRequest | tuple[str, str] | tuple[str, str, str]


class ReplacementMethods(Face):
    """Replacing the model a deployment serves, with no interruption of predictions.

    Replacement reasons (:data:`~aiodeploy.MODEL_REPLACEMENT_REASON`, any case):
    ``ACCURACY``, ``DATA_DRIFT``, ``ERRORS``, ``SCHEDULED_REFRESH``, ``SCORING_SPEED``,
    ``DEPRECATION``, ``OTHER``.
    """

    async def validate_replacement_model(
        self, deployment: DeploymentRef, new_model_id: str
    ) -> ReplacementValidation:
        """Check whether ``new_model_id`` may replace the deployment's model.

        Sends ``POST deployments/{id}/model/validation/`` (retried like a read: it changes
        nothing).

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_model_id: the candidate Leaderboard model.

        Returns:
            A :class:`ReplacementValidation`; unpacks as ``(status, message, checks)`` with
            status ``passing``, ``warning`` or ``failing``.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await replacement.validate_model(
            self._session, deployment_id(deployment), check_id(new_model_id, "model id")
        )

    async def start_model_replacement(
        self,
        deployment: DeploymentRef,
        new_model_id: str,
        reason: ModelReplacementReason | str = ModelReplacementReason.OTHER,
    ) -> ReplacementOperation:
        """Submit a model replacement and return as soon as the server accepted it.

        Sends ``PATCH deployments/{id}/model/`` (202 + ``Location``). The deployment serves
        the new model from then on; await the returned operation for the job's end. If the
        answer is lost, garbled or a 5xx, the deployment is read to tell whether the
        replacement was accepted before the PATCH is sent again.

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_model_id: the Leaderboard model to serve from now on.
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value (any case).

        Returns:
            A :class:`ReplacementOperation` (awaitable; ``token()`` to persist it).

        Raises:
            ValueError, TypeError: a malformed id or an unknown reason (before any request).
            UnprocessableEntityError: the server refused the model (``body["checks"]``
                says why).
            ConflictError: another replacement of this deployment is running.
            NotFoundError: no such deployment or model.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await replacement.submit_replacement(
            self._session,
            deployment_id(deployment),
            check_id(new_model_id, "model id"),
            check_reason(reason),
            deadline=None,
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
        new_model_id: str,
        reason: ModelReplacementReason | str = ModelReplacementReason.OTHER,
        *,
        max_wait: float | None = None,
    ) -> Deployment:
        """Replace the deployment's model with no interruption of predictions, and wait.

        Sends ``PATCH deployments/{id}/model/``, polls the job (``status/{id}/``) with
        backoff, then reads the deployment once (``GET deployments/{id}/``). The server's
        state decides the outcome: a PATCH whose answer is lost, garbled or a 5xx is settled
        by reading the deployment (and its model history) before anything is sent again.

        Args:
            deployment: its id, or a :class:`Deployment`.
            new_model_id: the Leaderboard model to serve from now on.
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value (any case).
            max_wait: seconds for the whole call: the PATCH, the job and the read after it,
                retries included (default: the client's ``max_wait``).

        Returns:
            The refreshed :class:`Deployment`.

        Raises:
            ValueError, TypeError: a malformed id, reason or ``max_wait`` (before any request).
            UnprocessableEntityError: the server refused the model (``body["checks"]``).
            AsyncTimeoutError: ``max_wait`` passed first (the job may still finish).
            AsyncProcessUnsuccessfulError: the job failed; the server rolled back.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)  # refused before the PATCH
        operation = await replacement.submit_replacement(
            self._session,
            deployment_id(deployment),
            check_id(new_model_id, "model id"),
            check_reason(reason),
            deadline=deadline,
        )
        async for event in follow(operation, deadline):
            if event.deployment is not None:
                return event.deployment
        raise AssertionError("a replacement ended without its deployment")  # pragma: no cover

    async def replace_models(
        self,
        requests: Iterable[PlanItem],
        *,
        concurrency: int = 32,
        validate: bool = True,
        skip_if_current: bool = True,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[ReplacementRequest]:
        """Replace the models of many deployments at once.

        Each item: validate (``POST .../model/validation/``; a failing validation refuses
        the item), skip it if it already serves the model (``skip_if_current``), submit
        (``PATCH deployments/{id}/model/``), wait for the job (``status/{id}/``), read the
        deployment. At most ``concurrency`` items talk to the server at once; waiting for
        jobs takes no place, and all requests share the client's request budget. One
        item's failure never stops the others unless ``fail_fast``.

        With ``journal`` (a file path), every step is recorded before it is acted on, and
        calling again with the same plan and journal resumes: finished items are not
        touched again, submitted ones are awaited, and nothing is submitted twice.

        Example:
            >>> result = await client.replace_models(  # doctest: +SKIP
            ...     [ReplacementRequest(dep_id, model_id, "SCHEDULED_REFRESH")],
            ...     journal="rollout.jsonl",
            ... )
            >>> result.counts["replaced"], result.ok  # doctest: +SKIP

        Args:
            requests: :class:`ReplacementRequest` items or ``(deployment_id, model_id[,
                reason])`` tuples; a deployment may appear once.
            concurrency: items preparing or submitting at once.
            validate: validate each model first and refuse failing ones.
            skip_if_current: report deployments already on their model as skipped.
            fail_fast: stop the remaining items (``cancelled``) after the first failure.
            max_wait: seconds for each item from when it starts, job included (default:
                the client's ``max_wait``).
            journal: path of the JSONL journal that makes the run resumable.
            on_event: called with :class:`ItemSubmitted`, :class:`ItemStatusChanged` and
                :class:`ItemFinished` events, e.g. to drive a progress bar.

        Returns:
            A :class:`BulkResult` with one :class:`ItemResult` per request, in input order;
            outcomes ``replaced``, ``skipped_current``, ``refused_validation``, ``failed``,
            ``timed_out``, ``cancelled``.

        Raises:
            ValueError, TypeError: a malformed plan or argument, before any request.
            JournalMismatchError: the journal belongs to another plan.
            OSError: the journal cannot be written.
        """
        plan = _rollout.check_plan(requests)
        return await _rollout.replace_models(
            self._session,
            plan,
            concurrency=check_concurrency(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
            fail_fast=fail_fast,
            max_wait=self._session.wait_seconds(max_wait),
            journal=journal,
            on_event=on_event,
        )

    async def preview_replacements(
        self,
        requests: Iterable[PlanItem],
        *,
        concurrency: int = 32,
        validate: bool = True,
        skip_if_current: bool = True,
    ) -> list[_preview.ReplacementPreview]:
        """Say what :meth:`replace_models` would do with each item, changing nothing.

        Reads each deployment (``GET deployments/{id}/``) and applies the rollout's own
        decision: validate (``POST .../model/validation/``), skip, refuse or replace.

        Args:
            requests: the plan, as for :meth:`replace_models`.
            concurrency: items checked at once.
            validate: as for :meth:`replace_models`.
            skip_if_current: as for :meth:`replace_models`.

        Returns:
            One :class:`ReplacementPreview` per item, in plan order; an item that could not
            be checked has action ``error`` (the others are still checked).

        Raises:
            ValueError, TypeError: a malformed plan or argument, before any request.
        """
        plan = _rollout.check_plan(requests)
        return await _preview.preview_replacements(
            self._session,
            plan,
            concurrency=check_concurrency(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
        )

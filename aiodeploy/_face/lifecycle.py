"""Public methods: update, activate and deactivate deployments, one or many, and read their
features and capabilities."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .._api import lifecycle
from .._bulk import BulkEvent, BulkResult
from .._deadline import Deadline
from .._models import Deployment
from .._models_lifecycle import Capability, Feature
from .._wire import DeploymentRef, check_importance, check_text, deployment_id
from ..enums import DeploymentStatus
from ._base import Face
from ._fleet import Journal, run_steps

__all__ = ["LifecycleMethods", "update_changes"]


def update_changes(
    label: str | None, description: str | None, importance: str | None
) -> dict[str, str]:
    """The fields an update sets, checked.

    Raises:
        ValueError, TypeError: nothing to change, a blank label or an unknown importance.
    """
    changes: dict[str, str] = {}
    if label is not None:
        changes["label"] = check_text(label, "label")
    if description is not None:
        if not isinstance(description, str):
            raise TypeError("description must be a string")
        changes["description"] = description
    if importance is not None:
        changes["importance"] = check_importance(importance)
    if not changes:
        raise ValueError("give label, description and/or importance")
    return changes


class LifecycleMethods(Face):
    """A deployment's label, description, importance and status, and what it supports."""

    async def update_deployment(
        self,
        deployment: DeploymentRef,
        *,
        label: str | None = None,
        description: str | None = None,
        importance: str | None = None,
        max_wait: float | None = None,
    ) -> Deployment:
        """Change a deployment's label, description and/or importance.

        Sends ``PATCH deployments/{id}/`` (204) with the fields given, then reads the
        deployment. The PATCH is idempotent: it is resent on transient failures, and an
        answer that never came is settled by reading the deployment.

        Args:
            deployment: its id, or a :class:`Deployment`.
            label: the new name (non-blank).
            description: the new description.
            importance: ``CRITICAL``, ``HIGH``, ``MODERATE`` or ``LOW`` (any case).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The :class:`Deployment` as it is now.

        Raises:
            ValueError, TypeError: no field, a blank label, an unknown importance, a
                malformed id or ``max_wait`` (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        changes = update_changes(label, description, importance)
        dep_id = deployment_id(deployment)
        return await lifecycle.update_deployment(self._session, dep_id, changes, deadline)

    async def activate_deployment(
        self, deployment: DeploymentRef, *, max_wait: float | None = None
    ) -> Deployment:
        """Activate a deployment (it serves predictions again) and wait for it.

        Sends ``PATCH deployments/{id}/status/`` with ``{"status": "active"}`` (202), waits
        for its job, then reads the deployment. A lost answer is settled by the
        deployment's status.

        Args:
            deployment: its id, or a :class:`Deployment`.
            max_wait: seconds for the whole call, job included (default: the client's).

        Returns:
            The :class:`Deployment`, now ``active``.

        Raises:
            ValueError, TypeError: a malformed id or ``max_wait`` (before any request).
            NotFoundError: no such deployment.
            AsyncTimeoutError: ``max_wait`` passed first (the change may still apply).
            AsyncProcessUnsuccessfulError: the status job failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await self._change_status(deployment, DeploymentStatus.ACTIVE, max_wait)

    async def deactivate_deployment(
        self, deployment: DeploymentRef, *, max_wait: float | None = None
    ) -> Deployment:
        """Deactivate a deployment (it stops serving predictions) and wait for it.

        Sends ``PATCH deployments/{id}/status/`` with ``{"status": "inactive"}`` (202);
        otherwise as :meth:`activate_deployment`.
        """
        return await self._change_status(deployment, DeploymentStatus.INACTIVE, max_wait)

    async def _change_status(
        self, deployment: DeploymentRef, status: DeploymentStatus, max_wait: float | None
    ) -> Deployment:
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        return await lifecycle.change_status(self._session, dep_id, status.value, deadline)

    async def get_features(self, deployment: DeploymentRef) -> list[Feature]:
        """The features a deployment needs to predict, most important first.

        Sends ``GET deployments/{id}/features/`` and follows its ``next`` pages.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await lifecycle.get_features(self._session, deployment_id(deployment))

    async def get_capabilities(self, deployment: DeploymentRef) -> list[Capability]:
        """What a deployment supports (model replacement, drift tracking, ...).

        Sends ``GET deployments/{id}/capabilities/``.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await lifecycle.get_capabilities(self._session, deployment_id(deployment))

    async def bulk_update_deployments(
        self,
        deployments: Iterable[DeploymentRef],
        *,
        label: str | None = None,
        description: str | None = None,
        importance: str | None = None,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: Journal = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """:meth:`update_deployment` for many deployments at once (the rollouts' runner).

        One ``PATCH deployments/{id}/`` per deployment, ``concurrency`` at once.

        Args:
            deployments: ids or :class:`Deployment` objects.
            label, description, importance: as for :meth:`update_deployment`.
            concurrency: deployments changing at once.
            fail_fast: cancel the remaining items after the first failure.
            max_wait: seconds for each item (default: the client's ``max_wait``).
            journal: a JSONL file that makes the run resumable: run again with the same
                arguments and only the items that did not end well run again.
            on_event: called with :class:`ItemSubmitted` and :class:`ItemFinished` events.

        Returns:
            A :class:`BulkResult` keyed by deployment id; outcomes ``updated``, ``failed``,
            ``timed_out`` (or ``cancelled`` with ``fail_fast``).

        Raises:
            ValueError, TypeError: a malformed argument, before any request.
            AuthenticationError, PermissionDeniedError: the token is refused (the run
                stops at once).
            JournalMismatchError, JournalInUseError: the journal is another run's.
        """
        changes = update_changes(label, description, importance)

        async def step(dep_id: str, deadline: Deadline) -> None:
            await lifecycle.update_fields(self._session, dep_id, changes, deadline)

        return await run_steps(
            self._session, deployments, step, "update", changes,
            concurrency=concurrency, fail_fast=fail_fast, max_wait=max_wait, journal=journal,
            on_event=on_event,
        )  # fmt: skip

    async def bulk_activate_deployments(
        self,
        deployments: Iterable[DeploymentRef],
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: Journal = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """:meth:`activate_deployment` for many deployments at once; arguments and results
        as for :meth:`bulk_update_deployments` (jobs are waited for without taking a place
        among the ``concurrency``)."""
        return await self._bulk_status(
            deployments, DeploymentStatus.ACTIVE, concurrency, fail_fast, max_wait, journal,
            on_event,
        )  # fmt: skip

    async def bulk_deactivate_deployments(
        self,
        deployments: Iterable[DeploymentRef],
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: Journal = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """:meth:`deactivate_deployment` for many deployments at once; as
        :meth:`bulk_activate_deployments`."""
        return await self._bulk_status(
            deployments, DeploymentStatus.INACTIVE, concurrency, fail_fast, max_wait, journal,
            on_event,
        )  # fmt: skip

    bulk_activate = bulk_activate_deployments
    """Alias of :meth:`bulk_activate_deployments` (the name DESIGN.md uses)."""
    bulk_deactivate = bulk_deactivate_deployments
    """Alias of :meth:`bulk_deactivate_deployments` (the name DESIGN.md uses)."""

    async def _bulk_status(
        self,
        deployments: Iterable[DeploymentRef],
        status: DeploymentStatus,
        concurrency: int,
        fail_fast: bool,
        max_wait: float | None,
        journal: Journal,
        on_event: Callable[[BulkEvent], None] | None,
    ) -> BulkResult[str]:
        async def step(dep_id: str, deadline: Deadline) -> str | None:
            return await lifecycle.submit_status(self._session, dep_id, status.value, deadline)

        kind = "activate" if status is DeploymentStatus.ACTIVE else "deactivate"
        return await run_steps(
            self._session, deployments, step, kind, {},
            concurrency=concurrency, fail_fast=fail_fast, max_wait=max_wait, journal=journal,
            on_event=on_event,
        )  # fmt: skip

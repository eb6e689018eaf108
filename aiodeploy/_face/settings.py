"""Public methods: deployment settings (drift tracking), one deployment or many."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .._api import settings
from .._bulk import BulkEvent, BulkResult, check_concurrency
from .._models import DriftTrackingSettings
from .._wire import DeploymentRef, deployment_id
from ._base import Face

__all__ = ["SettingsMethods"]


class SettingsMethods(Face):
    """Reading and changing a deployment's settings."""

    async def get_drift_tracking_settings(self, deployment: DeploymentRef) -> DriftTrackingSettings:
        """Read target and feature drift tracking.

        Sends ``GET deployments/{id}/settings/``.

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`DriftTrackingSettings` (``target_drift.enabled``,
            ``feature_drift.enabled``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await settings.get_drift_tracking_settings(self._session, deployment_id(deployment))

    async def update_drift_tracking_settings(
        self,
        deployment: DeploymentRef,
        *,
        target_drift_enabled: bool | None = None,
        feature_drift_enabled: bool | None = None,
        max_wait: float | None = None,
    ) -> DriftTrackingSettings:
        """Turn target and/or feature drift tracking on or off, in one request, and wait.

        Sends one ``PATCH deployments/{id}/settings/`` for both flags (the official client
        sends one per flag), waits for its job and reads the settings back.

        Args:
            deployment: its id, or a :class:`Deployment`.
            target_drift_enabled: track target drift (``None``: leave as is).
            feature_drift_enabled: track feature drift (``None``: leave as is).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The settings now in force.

        Raises:
            ValueError, TypeError: neither flag, a flag that is not a bool, a malformed id
                or ``max_wait`` (before any request).
            UnprocessableEntityError: the server refused the change.
            AsyncTimeoutError: ``max_wait`` passed first (the change may still apply).
            AsyncProcessUnsuccessfulError: the settings job failed.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)  # refused before the PATCH
        payload = settings.drift_payload(target_drift_enabled, feature_drift_enabled)
        return await settings.update_drift_tracking_settings(
            self._session, deployment_id(deployment), payload, deadline
        )

    async def bulk_update_drift_tracking_settings(
        self,
        deployments: Iterable[DeploymentRef],
        *,
        target_drift_enabled: bool | None = None,
        feature_drift_enabled: bool | None = None,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """Update drift tracking on many deployments at once (the rollouts' runner).

        Sends one ``PATCH deployments/{id}/settings/`` per deployment and waits for each
        job; ``concurrency`` submit at once, and waiting takes no place.

        Args:
            deployments: ids or :class:`Deployment` objects.
            target_drift_enabled: as for :meth:`update_drift_tracking_settings`.
            feature_drift_enabled: as for :meth:`update_drift_tracking_settings`.
            concurrency: deployments submitting at once.
            fail_fast: cancel the remaining items after the first failure.
            max_wait: seconds for each item (default: the client's ``max_wait``).
            on_event: called with :class:`ItemSubmitted` and :class:`ItemFinished` events.

        Returns:
            A :class:`BulkResult` keyed by deployment id; outcomes ``updated``,
            ``failed``, ``timed_out`` (or ``cancelled`` with ``fail_fast``).

        Raises:
            ValueError, TypeError: a malformed argument, before any request.
        """
        payload = settings.drift_payload(target_drift_enabled, feature_drift_enabled)
        return await settings.update_drift_many(
            self._session,
            [deployment_id(d) for d in deployments],
            payload,
            concurrency=check_concurrency(concurrency),
            fail_fast=fail_fast,
            max_wait=self._session.wait_seconds(max_wait),
            on_event=on_event,
        )

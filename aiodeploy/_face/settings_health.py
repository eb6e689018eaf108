"""Public methods: health settings (``deployments/{id}/healthSettings/``) and accuracy
metrics (``deployments/{id}/accuracyMetrics/``). Both routes answer at once (no job)."""

from __future__ import annotations

from typing import Any

from .._api import settings_families as families
from .._models_settings import HealthSettings
from .._wire import DeploymentRef, deployment_id
from ._base import Face

__all__ = ["HealthSettingsMethods"]


class HealthSettingsMethods(Face):
    """Health thresholds and accuracy metrics."""

    async def get_health_settings(self, deployment: DeploymentRef) -> HealthSettings:
        """Read the health thresholds (``GET deployments/{id}/healthSettings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`HealthSettings`: ``service``, ``data_drift``, ``accuracy``, ``fairness``,
            ``custom_metrics``, ``predictions_timeliness``, ``actuals_timeliness``.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await families.read_health(self._session, deployment_id(deployment))

    async def get_default_health_settings(self, deployment: DeploymentRef) -> HealthSettings:
        """Read the default health thresholds of a deployment
        (``GET deployments/{id}/healthSettings/defaults/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`HealthSettings` as DataRobot would set them.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        return await families.read_health(self._session, deployment_id(deployment), defaults=True)

    async def update_health_settings(
        self,
        deployment: DeploymentRef,
        service: dict[str, Any] | None = None,
        data_drift: dict[str, Any] | None = None,
        accuracy: dict[str, Any] | None = None,
        fairness: dict[str, Any] | None = None,
        custom_metrics: dict[str, Any] | None = None,
        predictions_timeliness: dict[str, Any] | None = None,
        actuals_timeliness: dict[str, Any] | None = None,
        *,
        max_wait: float | None = None,
    ) -> HealthSettings:
        """Change health thresholds: one ``PATCH deployments/{id}/healthSettings/``.

        Each section is a dict of the keys to change, in snake_case as in
        :class:`HealthSettings` (``{"drift_threshold": 0.2}``); camelCase keys are accepted
        too. Sections left out, and keys left out of a section, keep their values.

        Args:
            deployment: its id, or a :class:`Deployment`.
            service, data_drift, accuracy, fairness, custom_metrics, predictions_timeliness,
                actuals_timeliness: the sections to change.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            Every section now in force.

        Raises:
            ValueError, TypeError: no section, an unknown key, a value of the wrong kind
                (a count that is not a whole number, a threshold that is not a finite
                number, ...), a malformed id or ``max_wait`` (before any request).
            UnprocessableEntityError: the server refused a value (out of its range, an
                accuracy metric the deployment's target type has not, ...).
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {
            "service": service,
            "data_drift": data_drift,
            "accuracy": accuracy,
            "fairness": fairness,
            "custom_metrics": custom_metrics,
            "predictions_timeliness": predictions_timeliness,
            "actuals_timeliness": actuals_timeliness,
        }
        await families.update_checked(self._session, dep_id, "health", values, deadline)
        return await families.read_health(self._session, dep_id, deadline=deadline)

    async def get_accuracy_metrics_settings(self, deployment: DeploymentRef) -> list[str]:
        """Read the accuracy metrics shown (``GET deployments/{id}/accuracyMetrics/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            Metric names, e.g. ``["LogLoss", "AUC"]``.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        return await families.read_accuracy_metrics(self._session, deployment_id(deployment))

    async def update_accuracy_metrics_settings(
        self,
        deployment: DeploymentRef,
        accuracy_metrics: list[str],
        *,
        max_wait: float | None = None,
    ) -> list[str]:
        """Replace the accuracy metrics: one ``PUT deployments/{id}/accuracyMetrics/``.

        Args:
            deployment: its id, or a :class:`Deployment`.
            accuracy_metrics: metric names valid for the target type (the official
                client's ``ACCURACY_METRIC`` values), in the order shown.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The metrics now in force.

        Raises:
            ValueError, TypeError: an empty list, a malformed id or ``max_wait``.
            UnprocessableEntityError: a metric the deployment's target type has not.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {"accuracy_metrics": accuracy_metrics}
        await families.update_checked(self._session, dep_id, "accuracy_metrics", values, deadline)
        return await families.read_accuracy_metrics(self._session, dep_id, deadline=deadline)

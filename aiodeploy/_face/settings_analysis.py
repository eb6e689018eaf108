"""Public methods: the analysis families of ``deployments/{id}/settings/`` (prediction
intervals, challenger models, segment analysis, bias and fairness), and the computation of a
time-series model's prediction intervals.

Each update sends one ``PATCH deployments/{id}/settings/``, waits for the job and reads the
settings back; arguments keep the official client's names. Errors, for every update here:

- ``ValueError``, ``TypeError``: a malformed id, value or ``max_wait``, before any request;
- ``UnprocessableEntityError``: the server refused the change (its reason in the message:
  challengers without prediction row storage, intervals on a model that is not time series);
- ``AsyncTimeoutError``: ``max_wait`` passed first (the change may still apply);
- ``AsyncProcessUnsuccessfulError``: the job failed;
- ``APIError``, ``TransportError``, ``ResponseDecodeError``: see the README's error table.
"""

from __future__ import annotations

from typing import Any

from .._api import challengers
from .._api import settings_families as families
from .._api.deployments import get_deployment
from .._families_checks import one_percentile
from .._models_settings import (
    BiasAndFairnessSettings,
    ChallengerModelsSettings,
    PredictionIntervalsSettings,
    SegmentAnalysisSettings,
    SettingsDocument,
)
from .._session import Session
from .._wire import DeploymentRef, check_id, deployment_id
from ._base import Face

__all__ = ["AnalysisSettingsMethods"]


class AnalysisSettingsMethods(Face):
    """Prediction intervals, challenger models, segment analysis, bias and fairness."""

    async def get_prediction_intervals_settings(
        self, deployment: DeploymentRef
    ) -> PredictionIntervalsSettings:
        """Read prediction intervals (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`PredictionIntervalsSettings` (``enabled``, ``percentiles``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.prediction_intervals

    async def update_prediction_intervals_settings(
        self,
        deployment: DeploymentRef,
        percentiles: list[int],
        enabled: bool = True,
        *,
        max_wait: float | None = None,
    ) -> PredictionIntervalsSettings:
        """Set the prediction intervals of a time-series deployment.

        As the official client does, a percentile is first computed for the deployment's
        model (``POST projects/{pid}/models/{mid}/predictionIntervals/`` and its project
        job), then ``PATCH deployments/{id}/settings/`` sets it.

        Args:
            deployment: its id, or a :class:`Deployment`.
            percentiles: at most one size, e.g. ``[80]``; ``[]`` with ``enabled=False``
                turns intervals off.
            enabled: show intervals in prediction results.
            max_wait: seconds for the whole call, both jobs included.

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {"percentiles": percentiles, "enabled": enabled}
        checked = families.check_values("prediction_intervals", values)
        if checked["percentiles"]:
            found = await get_deployment(self._session, dep_id, deadline=deadline, persist=True)
            model = found.model
            if model is None or model.project_id is None:
                raise ValueError(f"deployment {dep_id} has no Leaderboard model to compute for")
            await challengers.calculate_prediction_intervals(
                self._session, model.project_id, model.id, checked["percentiles"][0], deadline
            )
        await families.update_family(
            self._session, dep_id, "prediction_intervals", checked, deadline
        )
        found_settings = await families.read_settings(self._session, dep_id, deadline=deadline)
        return found_settings.prediction_intervals

    async def calculate_prediction_intervals(
        self,
        project_id: str,
        model_id: str,
        prediction_intervals_size: int,
        *,
        max_wait: float | None = None,
    ) -> None:
        """Compute a time-series model's prediction intervals of one size, and wait.

        Sends ``POST projects/{pid}/models/{mid}/predictionIntervals/`` and follows its
        project job (``projects/{pid}/jobs/{id}/``) to its end.

        Args:
            project_id: the model's project.
            model_id: the model.
            prediction_intervals_size: a whole number from 1 to 99.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Raises:
            ValueError, TypeError: a malformed id, size or ``max_wait``.
            UnprocessableEntityError: the model is not a time-series model.
            NotFoundError: no such project or model.
            AsyncTimeoutError, AsyncProcessUnsuccessfulError: the job did not end well.
        """
        deadline = self._session.deadline(max_wait)
        (size,) = one_percentile([prediction_intervals_size])
        await challengers.calculate_prediction_intervals(
            self._session, check_id(project_id, "project id"), check_id(model_id, "model id"),
            size, deadline,
        )  # fmt: skip

    async def get_challenger_models_settings(
        self, deployment: DeploymentRef
    ) -> ChallengerModelsSettings:
        """Read whether challenger models are enabled (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`ChallengerModelsSettings` (``enabled``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.challenger_models

    async def update_challenger_models_settings(
        self,
        deployment: DeploymentRef,
        challenger_models_enabled: bool,
        *,
        max_wait: float | None = None,
    ) -> ChallengerModelsSettings:
        """Enable or disable challenger models (prediction row storage must be on).

        Args:
            deployment: its id, or a :class:`Deployment`.
            challenger_models_enabled: allow challengers.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        return (await _update(self._session, deployment, "challenger_models", max_wait, {
            "challenger_models_enabled": challenger_models_enabled,
        })).challenger_models  # fmt: skip

    async def get_segment_analysis_settings(
        self, deployment: DeploymentRef
    ) -> SegmentAnalysisSettings:
        """Read segment analysis (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`SegmentAnalysisSettings` (``enabled``, ``attributes``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.segment_analysis

    async def update_segment_analysis_settings(
        self,
        deployment: DeploymentRef,
        segment_analysis_enabled: bool,
        segment_analysis_attributes: list[str] | None = None,
        *,
        max_wait: float | None = None,
    ) -> SegmentAnalysisSettings:
        """Turn segment analysis on or off, and choose the attributes tracked.

        Args:
            deployment: its id, or a :class:`Deployment`.
            segment_analysis_enabled: track segments.
            segment_analysis_attributes: features of the model (or ``DataRobot-Consumer``,
                ``DataRobot-Remote-IP``, ``DataRobot-Host-IP``).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        return (await _update(self._session, deployment, "segment_analysis", max_wait, {
            "segment_analysis_enabled": segment_analysis_enabled,
            "segment_analysis_attributes": segment_analysis_attributes,
        })).segment_analysis  # fmt: skip

    async def get_bias_and_fairness_settings(
        self, deployment: DeploymentRef
    ) -> BiasAndFairnessSettings:
        """Read bias and fairness monitoring (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`BiasAndFairnessSettings`.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.bias_and_fairness

    async def update_bias_and_fairness_settings(
        self,
        deployment: DeploymentRef,
        protected_features: list[str],
        fairness_metric_set: str,
        fairness_threshold: float,
        preferable_target_value: bool | int | str,
        *,
        max_wait: float | None = None,
    ) -> BiasAndFairnessSettings:
        """Set bias and fairness monitoring (binary classification deployments).

        Args:
            deployment: its id, or a :class:`Deployment`.
            protected_features: features of the model to protect.
            fairness_metric_set: e.g. ``equalParity``, ``proportionalParity``.
            fairness_threshold: from 0 to 1.
            preferable_target_value: the favourable class.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        return (await _update(self._session, deployment, "bias_and_fairness", max_wait, {
            "protected_features": protected_features,
            "fairness_metric_set": fairness_metric_set,
            "fairness_threshold": fairness_threshold,
            "preferable_target_value": preferable_target_value,
        })).bias_and_fairness  # fmt: skip


async def _update(
    session: Session,
    deployment: DeploymentRef,
    family: str,
    max_wait: float | None,
    values: dict[str, Any],
) -> SettingsDocument:
    """One family's checked update, then the settings read back."""
    deadline = session.deadline(max_wait)
    dep_id = deployment_id(deployment)
    await families.update_checked(session, dep_id, family, values, deadline)
    return await families.read_settings(session, dep_id, deadline=deadline)

"""Public methods: the prediction-data families of ``deployments/{id}/settings/``
(association id, prediction row storage, prediction warnings, predictions by forecast date).

Each update sends one ``PATCH deployments/{id}/settings/`` with its section, waits for the
job and reads the settings back. Arguments keep the official client's names; ``None``
leaves a value as it is. Errors, for every update here:

- ``ValueError``, ``TypeError``: a malformed id, value or ``max_wait``, before any request;
- ``UnprocessableEntityError``: the server refused the change (its reason in the message);
- ``AsyncTimeoutError``: ``max_wait`` passed first (the change may still apply);
- ``AsyncProcessUnsuccessfulError``: the settings job failed;
- ``APIError``, ``TransportError``, ``ResponseDecodeError``: see the README's error table.
"""

from __future__ import annotations

from .._api import settings_families as families
from .._models_settings import (
    AssociationIdSettings,
    ForecastDateSettings,
    PredictionsDataCollectionSettings,
    PredictionWarningSettings,
    SettingsDocument,
)
from .._wire import DeploymentRef, deployment_id
from ._base import Face

__all__ = ["DataSettingsMethods"]


class DataSettingsMethods(Face):
    """Association id, prediction row storage, prediction warnings, forecast dates."""

    async def get_deployment_settings(self, deployment: DeploymentRef) -> SettingsDocument:
        """Read every section of ``GET deployments/{id}/settings/`` at once (drift,
        association id, row storage, warnings, intervals, forecast date, challengers,
        segments, bias and fairness).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`SettingsDocument`, one attribute per section.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        return await families.read_settings(self._session, deployment_id(deployment))

    async def get_association_id_settings(self, deployment: DeploymentRef) -> AssociationIdSettings:
        """Read the association id setting (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`AssociationIdSettings` (``column_names`` is ``None`` when unset).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.association_id

    async def update_association_id_settings(
        self,
        deployment: DeploymentRef,
        column_names: list[str] | None = None,
        required_in_prediction_requests: bool | None = None,
        *,
        max_wait: float | None = None,
    ) -> AssociationIdSettings:
        """Set the association id column and whether predictions must carry it.

        Args:
            deployment: its id, or a :class:`Deployment`.
            column_names: the association id column (DataRobot takes one); ``[]`` unsets it.
            required_in_prediction_requests: refuse prediction requests without it (needs a
                column name).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {
            "column_names": column_names,
            "required_in_prediction_requests": required_in_prediction_requests,
        }
        await families.update_checked(self._session, dep_id, "association_id", values, deadline)
        return (
            await families.read_settings(self._session, dep_id, deadline=deadline)
        ).association_id

    async def get_predictions_data_collection_settings(
        self, deployment: DeploymentRef
    ) -> PredictionsDataCollectionSettings:
        """Read whether prediction rows are stored (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`PredictionsDataCollectionSettings` (``enabled``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.predictions_data_collection

    async def update_predictions_data_collection_settings(
        self, deployment: DeploymentRef, enabled: bool, *, max_wait: float | None = None
    ) -> PredictionsDataCollectionSettings:
        """Turn prediction row storage on or off (challenger models need it on).

        Args:
            deployment: its id, or a :class:`Deployment`.
            enabled: store prediction rows and results.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {"enabled": enabled}
        await families.update_checked(
            self._session, dep_id, "predictions_data_collection", values, deadline
        )
        found = await families.read_settings(self._session, dep_id, deadline=deadline)
        return found.predictions_data_collection

    async def get_prediction_warning_settings(
        self, deployment: DeploymentRef
    ) -> PredictionWarningSettings:
        """Read prediction warnings (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`PredictionWarningSettings` (``custom_boundaries`` is ``None`` when the
            model's default boundaries are used).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.prediction_warning

    async def update_prediction_warning_settings(
        self,
        deployment: DeploymentRef,
        prediction_warning_enabled: bool,
        use_default_boundaries: bool | None = None,
        lower_boundary: float | None = None,
        upper_boundary: float | None = None,
        *,
        max_wait: float | None = None,
    ) -> PredictionWarningSettings:
        """Turn prediction warnings on or off, and choose their boundaries.

        Args:
            deployment: its id, or a :class:`Deployment`.
            prediction_warning_enabled: flag anomalous predictions.
            use_default_boundaries: ``True``: the model's default boundaries; ``False``:
                ``lower_boundary`` and ``upper_boundary`` (both required).
            lower_boundary: predictions below are anomalous.
            upper_boundary: predictions above are anomalous.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {
            "prediction_warning_enabled": prediction_warning_enabled,
            "use_default_boundaries": use_default_boundaries,
            "lower_boundary": lower_boundary,
            "upper_boundary": upper_boundary,
        }
        await families.update_checked(self._session, dep_id, "prediction_warning", values, deadline)
        found = await families.read_settings(self._session, dep_id, deadline=deadline)
        return found.prediction_warning

    async def get_predictions_by_forecast_date_settings(
        self, deployment: DeploymentRef
    ) -> ForecastDateSettings:
        """Read predictions by forecast date (``GET deployments/{id}/settings/``).

        Args:
            deployment: its id, or a :class:`Deployment`.

        Returns:
            :class:`ForecastDateSettings` (``enabled``, ``column_name``, ``datetime_format``).

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
        """
        found = await families.read_settings(self._session, deployment_id(deployment))
        return found.predictions_by_forecast_date

    async def update_predictions_by_forecast_date_settings(
        self,
        deployment: DeploymentRef,
        enable_predictions_by_forecast_date: bool,
        forecast_date_column_name: str | None = None,
        forecast_date_format: str | None = None,
        *,
        max_wait: float | None = None,
    ) -> ForecastDateSettings:
        """Turn predictions by forecast date on or off (time-series deployments).

        Args:
            deployment: its id, or a :class:`Deployment`.
            enable_predictions_by_forecast_date: group predictions by forecast date.
            forecast_date_column_name: the forecast date column (required to enable).
            forecast_date_format: its datetime format, e.g. ``%Y-%m-%d`` (required to enable).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The setting now in force. Errors: see the module docstring.
        """
        deadline = self._session.deadline(max_wait)
        dep_id = deployment_id(deployment)
        values = {
            "enable_predictions_by_forecast_date": enable_predictions_by_forecast_date,
            "forecast_date_column_name": forecast_date_column_name,
            "forecast_date_format": forecast_date_format,
        }
        await families.update_checked(
            self._session, dep_id, "predictions_by_forecast_date", values, deadline
        )
        found = await families.read_settings(self._session, dep_id, deadline=deadline)
        return found.predictions_by_forecast_date

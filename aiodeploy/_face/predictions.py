"""Public methods: real-time predictions, and the health of a whole fleet at once."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .._api import deployments as deployments_api
from .._api import listing, predictions
from .._bulk import check_concurrency, gather_in_order
from .._fleet import DeploymentHealth, read_fleet
from .._models import Deployment
from .._models_monitoring import Prediction
from .._wire import DeploymentRef, deployment_id
from ._base import Face
from .monitoring import query

__all__ = ["PredictionMethods"]


def _rows(rows: object) -> list[Mapping[str, Any]]:
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise TypeError("rows must be a sequence of mappings (feature name to value)")
    checked = list(rows)
    if not checked:
        raise ValueError("give at least one row to predict")
    for index, row in enumerate(checked):
        if not isinstance(row, Mapping):
            raise TypeError(f"row {index} must be a mapping, got {type(row).__name__}")
    return checked


class PredictionMethods(Face):
    """Predictions through DataRobot's prediction API, and fleet health."""

    @functools.cached_property
    def _prediction_routes(self) -> predictions.RouteCache:
        # one per client: where each deployment predicts, read once
        return predictions.RouteCache()

    async def predict(
        self,
        deployment: DeploymentRef,
        rows: Iterable[Mapping[str, Any]],
        *,
        passthrough_columns: Sequence[str] | None = None,
    ) -> list[Prediction]:
        """Predict rows with the deployment's model, in real time.

        The first call for a deployment reads where it predicts (``GET
        deployments/{id}/``: its prediction server and ``DataRobot-Key``, or for a
        serverless deployment the API itself); later calls reuse it. Then sends ``POST
        {prediction server}/predApi/v1.0/deployments/{id}/predictions`` (or ``POST
        deployments/{id}/predictions`` on the API) with the rows as JSON. The token goes
        only to the server the API reported for this deployment, whatever a
        :class:`Deployment` object passed in says.

        Args:
            deployment: its id, or a :class:`Deployment` (only its id is used).
            rows: one mapping per row, feature name to value; a feature a row lacks is a
                missing value.
            passthrough_columns: columns of the rows to return in
                ``Prediction.passthrough_values``.

        Returns:
            One :class:`Prediction` per row, in order.

        Raises:
            ValueError, TypeError: no rows, a row that is not a mapping, a malformed id
                (before any request); a deployment with no prediction server.
            BadRequestError: the server could not read the rows.
            NotFoundError: no such deployment.
            AuthenticationError, PermissionDeniedError: the token (or the key) was refused,
                or the deployment is inactive.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        checked = _rows(rows)
        dep = deployment_id(deployment)
        columns = None if passthrough_columns is None else [str(c) for c in passthrough_columns]
        return await predictions.predict(
            self._session, self._prediction_routes, dep, checked, columns
        )

    async def fleet_health(
        self,
        search: str | None = None,
        *,
        status: str | Sequence[str] | None = None,
        filters: Mapping[str, str | Sequence[str]] | None = None,
        deployments: Iterable[DeploymentRef] | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        concurrency: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[DeploymentHealth]:
        """Every selected deployment's health, read concurrently, worst first.

        Lists the deployments (``GET deployments/``, its pages concurrently; or ``GET
        deployments/{id}/`` for each of ``deployments`` given as ids), then reads for each
        ``serviceStats``, ``targetDrift`` and ``featureDrift`` at once, ``concurrency``
        deployments at a time, all under the client's request budget.

        Args:
            search: as for :meth:`list_deployments`.
            status: as for :meth:`list_deployments`.
            filters: as for :meth:`list_deployments` (not ``offset`` or ``limit``).
            deployments: these deployments instead of a listing (ids, or
                :class:`Deployment` objects whose health blocks are used as they are).
            start_time: start of the stats' period (rounded down to the hour).
            end_time: end of the stats' period (rounded up to the hour).
            concurrency: deployments read at once (default: the request budget's size).
            on_progress: called with ``(done, total)`` after each deployment.

        Returns:
            One :class:`DeploymentHealth` per deployment: errors first, then failing,
            warning, unknown and passing; within one status, the most errors and drift
            first. A deployment whose reads failed has its ``error`` set.

        Raises:
            ValueError, TypeError: a malformed argument (before any request).
            AuthenticationError: the token was refused.
            APIError, TransportError, ResponseDecodeError: the listing failed.
        """
        params = query(start_time, end_time, None, None)
        size = check_concurrency(
            self._session.budget.max_in_flight if concurrency is None else concurrency
        )
        if deployments is not None:
            chosen = await self._fleet_of(list(deployments))
        else:
            listed = deployments_api.list_params(search, None, status, None, filters)
            chosen = await listing.list_deployments(self._session, listed)
        return await read_fleet(
            self._session, chosen, params=params, concurrency=size, on_progress=on_progress
        )

    async def _fleet_of(self, refs: list[DeploymentRef]) -> list[Deployment]:
        checked = [r if isinstance(r, Deployment) else deployment_id(r) for r in refs]

        async def read(_: int, ref: Deployment | str) -> Deployment:
            if isinstance(ref, Deployment):
                return ref
            return await deployments_api.get_deployment(self._session, ref)

        return [dep for dep in await gather_in_order(checked, read) if dep is not None]

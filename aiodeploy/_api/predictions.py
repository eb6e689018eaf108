"""Real-time predictions: where a deployment predicts, and the prediction request itself.

Where to send rows is read from the API, never taken from the caller: the deployment's
``defaultPredictionServer`` (URL and ``DataRobot-Key``) as ``GET deployments/{id}/``
reports it, or, for a serverless deployment, the API's own ``deployments/{id}/predictions``.
The token goes to that prediction server URL and nowhere else (see
:meth:`Transport.request`'s ``prediction_server``). Routes are cached per client; a 401
or 404 from a prediction server drops the deployment's route, so the next call reads it
again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import msgspec

from .. import _wire
from .._models_monitoring import Prediction
from .._retry import send_with_retries
from .._session import Session
from .._wire import Response
from ..errors import APIError

__all__ = ["SERVERLESS_PLATFORM", "PredictionRoute", "RouteCache", "predict", "resolve_route"]

SERVERLESS_PLATFORM = "datarobotServerless"
"""The prediction environment platform whose deployments predict through the API."""

_PATH = "predApi/v1.0/deployments/{}/predictions"


class _Server(msgspec.Struct, kw_only=True, frozen=True):
    url: str | None = None
    datarobot_key: str | None = msgspec.field(default=None, name="datarobot-key")


class _Environment(msgspec.Struct, kw_only=True, frozen=True):
    platform: str | None = None


class _Target(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The parts of a deployment that say where it predicts."""

    id: str
    default_prediction_server: _Server | None = None
    prediction_environment: _Environment | None = None


class _Predictions(msgspec.Struct, kw_only=True, frozen=True):
    data: list[Prediction]


_target = msgspec.json.Decoder(_Target)
_predictions = msgspec.json.Decoder(_Predictions)


@dataclasses.dataclass(frozen=True)
class PredictionRoute:
    """Where a deployment's predictions go.

    Attributes:
        url: The URL rows are posted to (absolute, or a path on the API for serverless).
        server: The prediction server URL the API reported (None: the API itself).
        key: The ``DataRobot-Key`` to send, if the server has one.
    """

    url: str
    server: str | None = None
    key: str | None = None


async def resolve_route(session: Session, dep_id: str) -> PredictionRoute:
    """Read where a deployment predicts (``GET deployments/{id}/``).

    Raises:
        ValueError: the deployment has no prediction server and is not serverless.
        NotFoundError: no such deployment.
    """
    target = await session.get(f"deployments/{dep_id}/", _target)
    environment = target.prediction_environment
    if environment is not None and environment.platform == SERVERLESS_PLATFORM:
        return PredictionRoute(f"deployments/{dep_id}/predictions")
    server = target.default_prediction_server
    if server is None or not server.url:
        raise ValueError(
            f"deployment {dep_id} has no prediction server: it cannot make real-time "
            "predictions through DataRobot's prediction API"
        )
    base = server.url.rstrip("/")
    return PredictionRoute(f"{base}/{_PATH.format(dep_id)}", base, server.datarobot_key)


class RouteCache:
    """Each deployment's :class:`PredictionRoute`, read once (concurrent first calls for
    one deployment share a single read)."""

    def __init__(self) -> None:
        self._routes: dict[str, PredictionRoute] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def get(self, session: Session, dep_id: str) -> PredictionRoute:
        """The cached route, or the one read now."""
        route = self._routes.get(dep_id)
        if route is not None:
            return route
        lock = self._locks.setdefault(dep_id, anyio.Lock())
        async with lock:
            route = self._routes.get(dep_id)
            if route is None:
                route = self._routes[dep_id] = await resolve_route(session, dep_id)
        self._locks.pop(dep_id, None)
        return route

    def forget(self, dep_id: str) -> None:
        """Drop a deployment's route: the next call reads it again."""
        self._routes.pop(dep_id, None)


async def _post(session: Session, route: PredictionRoute, body: bytes, params: Any) -> Response:
    transport, budget = session.transport, session.budget
    headers = {"Accept": "application/json"}
    if route.key:
        headers["DataRobot-Key"] = route.key

    async def attempt() -> Response:
        async with budget.slot():
            response = await transport.request(
                "POST", route.url, params=params, body=body, headers=headers,
                prediction_server=route.server,
            )  # fmt: skip
        _wire.raise_for_status(response)  # inside the attempt, so 429/502/503/504 retry
        return response

    # a prediction changes nothing: retried like a read (the server may count it twice)
    return await send_with_retries(
        attempt, "POST", session.retry, sleep=session.sleep, rng=session.rng,
        idempotent=True, url=route.url,
    )  # fmt: skip


async def predict(
    session: Session,
    routes: RouteCache,
    dep_id: str,
    rows: Sequence[Mapping[str, Any]],
    passthrough_columns: Sequence[str] | None,
) -> list[Prediction]:
    """Post rows as JSON to the deployment's prediction route; one prediction per row.

    Raises:
        APIError: the prediction server refused (400 rows it cannot read, 401, 404 ...).
        ValueError: the deployment cannot make real-time predictions.
    """
    route = await routes.get(session, dep_id)
    params = None if not passthrough_columns else {"passthroughColumns": list(passthrough_columns)}
    try:
        response = await _post(session, route, _wire.encode(list(rows)), params)
    except APIError as exc:
        if exc.status_code in (401, 404):
            routes.forget(dep_id)  # the server or its key may have changed
        raise
    return _wire.decode(response, _predictions).data

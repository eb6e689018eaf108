"""The real-time prediction API: ``POST .../deployments/{id}/predictions``.

Served on the prediction server's own port as ``/predApi/v1.0/deployments/{id}/predictions``
(DataRobot's dedicated prediction servers: the API token and the deployment's
``DataRobot-Key``), and on the API as ``/api/v2/deployments/{id}/predictions`` (DataRobot's
route for serverless deployments: the token alone). Every answered request is recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import BodyPartReader, web

from ._auth import Role
from ._errors import ApiError, not_found
from ._http import json_reply, read_only_allowed, state_of
from ._monitoring_data import Segment
from ._params import QueryReader
from ._predict_io import CSV, read_rows, render_csv, render_json
from ._records import DeploymentRecord
from ._state import EmulatorState
from ._state_predictions import Served

__all__ = ["PREDICTION_PATH", "add_prediction_routes", "predict"]

PREDICTION_PATH = "/predApi/v1.0/deployments/{deployment_id}/predictions"
_QUERY = (
    "maxExplanations", "maxNgramExplanations", "thresholdHigh", "thresholdLow",
    "explanationAlgorithm", "passthroughColumns", "passthroughColumnsSet", "forecastPoint",
    "predictionsStartDate", "predictionsEndDate", "relaxKnownInAdvanceFeaturesCheck",
    "decimalsNumber",
)  # fmt: skip
_CONSUMERS = {Role.OWNER: "emulator@example.com", Role.READ_ONLY: "viewer@example.com"}
_sleep = asyncio.sleep  # the model-latency fault's sleep; tests replace it to count delays


def _segment(request: web.Request, role: Role | None) -> Segment:
    host = "127.0.0.1"
    if request.transport is not None:
        sockname = request.transport.get_extra_info("sockname")
        if sockname:
            host = str(sockname[0])
    consumer = "anonymous" if role is None else _CONSUMERS[role]
    return consumer, request.remote or "", host


def _query(request: web.Request, rows: Sequence[dict[str, Any]]) -> list[str] | None:
    """The passthrough columns asked for (``[]``: all; None: none)."""
    unknown = [key for key in request.query if key not in _QUERY]
    if unknown:
        raise ApiError(422, {"message": f"'{unknown[0]}': {unknown[0]} is not allowed key"})
    reader = QueryReader(request.query, _QUERY)
    columns = reader.strings("passthroughColumns")
    if reader.text("passthroughColumnsSet") == "all":
        return []
    if columns is None:
        return None
    seen = {name for row in rows for name in row}
    missing = [name for name in columns if name not in seen]
    if missing:
        message = (
            f"passthroughColumns do not match columns, columns expected but not found: {missing}"
        )
        raise ApiError(400, {"message": message})
    return columns


async def _body(request: web.Request) -> tuple[bytes, str]:
    """The rows' bytes and media type (the first file of a multipart form, if one)."""
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        part = await (await request.multipart()).next()
        if not isinstance(part, BodyPartReader):
            raise ApiError(400, {"message": "No data was received."})
        return bytes(await part.read()), part.headers.get("Content-Type", CSV)
    return await request.read(), content_type


def _check_key(state: EmulatorState, request: web.Request, record: DeploymentRecord) -> None:
    key = state.predictions.server_key(record)
    if key is not None and request.headers.get("DataRobot-Key", "").strip() != key:
        # DataRobot's Prediction API reference gives this one message for a missing, an
        # empty and an invalid key alike ("General errors for Prediction API"), so a wrong
        # key is not told apart here either: a client must not rely on the wording
        raise ApiError(401, {"message": "The datarobot-key header is missing"})


def _reply(
    request: web.Request,
    served: Served,
    rows: Sequence[dict[str, Any]],
    passthrough: list[str] | None,
) -> web.Response:
    headers = {
        "X-DataRobot-Execution-Time": str(round(served.execution_ms)),
        "X-DataRobot-Model-Cache-Hit": "true",
    }
    if CSV in request.headers.get("Accept", ""):
        body = render_csv(served.scorer, rows, served.scored, passthrough)
        return web.Response(body=body, headers=headers, content_type=CSV, charset="utf-8")
    return json_reply(render_json(served.scorer, rows, served.scored, passthrough), 200, headers)


async def predict(request: web.Request, *, dedicated: bool) -> web.StreamResponse:
    """Answer a prediction request and record it.

    Args:
        request: The request.
        dedicated: Whether it came to the prediction server (which checks the token and
            the ``DataRobot-Key``), rather than to the API (whose middleware checked it).
    """
    started = time.perf_counter()
    state = state_of(request)
    state.advance()
    role = state.tokens.role_for(request.headers.get("Authorization"))
    dep_id = request.match_info["deployment_id"]
    record = state.store.get(dep_id)
    # requests refused before they reach the deployment (token, key, status) are logged
    # but count in no model's monitoring data
    model_id: str | None = None
    rows: list[dict[str, Any]] = []
    association_ids: list[str] = []
    served: Served | None = None
    try:
        if role is None:
            raise ApiError(401, {"message": "Invalid API token"})
        if record is None:
            raise not_found("Deployment not found.")
        if dedicated:
            _check_key(state, request, record)
        if record.status != "active":
            raise ApiError(403, {"message": "The deployment is inactive: activate it to predict."})
        model_id = record.model_id
        raw, content_type = await _body(request)
        rows = read_rows(raw, content_type)
        passthrough = _query(request, rows)
        association_ids = _association_ids(state, record, rows)
        faults = state.predictions.faults_of(record.model_id)
        if faults is not None and faults.latency:
            await _sleep(faults.latency)
        model_id = record.model_id  # read after the last wait: the model serving *now*
        if faults is not None and state.predictions.fails(faults):
            raise ApiError(500, {"message": "Internal server error (injected model fault)."})
        served = state.predictions.predict(record, rows)
        response = _reply(request, served, rows, passthrough)
    except ApiError as exc:
        latency = (time.perf_counter() - started) * 1000
        state.predictions.record(
            dep_id, model_id, rows=rows, segment=_segment(request, role), status=exc.status,
            latency_ms=latency, error=str(exc.body.get("message")), association_ids=association_ids,
        )  # fmt: skip
        raise
    latency = (time.perf_counter() - started) * 1000
    state.predictions.record(
        dep_id, model_id, rows=rows, segment=_segment(request, role), status=200,
        latency_ms=latency, served=served, association_ids=association_ids,
    )  # fmt: skip
    return response


def _association_ids(
    state: EmulatorState, record: DeploymentRecord, rows: Sequence[dict[str, Any]]
) -> list[str]:
    column, required = state.predictions.association_column(record)
    if column is None:
        return []
    found = ["" if row.get(column) in (None, "") else str(row[column]) for row in rows]
    if required and not all(found):
        raise ApiError(
            400, {"message": f"The association id column {column!r} is missing in some rows."}
        )
    return found


async def dedicated_predictions(request: web.Request) -> web.StreamResponse:
    """``POST /predApi/v1.0/deployments/{id}/predictions`` on the prediction server."""
    return await predict(request, dedicated=True)


@read_only_allowed  # predicting changes nothing: readers may (CAN_MAKE_PREDICTIONS)
async def serverless_predictions(request: web.Request) -> web.StreamResponse:
    """``POST /api/v2/deployments/{id}/predictions`` (DataRobot's serverless route)."""
    return await predict(request, dedicated=False)


def add_prediction_routes(router: web.UrlDispatcher) -> None:
    """Register the API's (serverless) prediction route under ``/api/v2``."""
    router.add_post("/api/v2/deployments/{deployment_id}/predictions", serverless_predictions)

"""R4 for predictions: the token goes to the API and to the prediction server the API
reports for the deployment, and to no other origin.

The emulator's prediction server is a second origin (its own port); a third local server
records whatever reaches it. Whatever a caller's :class:`Deployment` object claims, and
whatever a prediction server or a reply points at, the third server sees nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from aiodeploy import (
    AsyncDeploymentClient,
    CrossOriginError,
    Deployment,
    DeploymentPredictionServer,
    ResponseDecodeError,
)
from aiodeploy.emulator import Emulator

from .fakeserver import Reply, fake_server

TOKEN = "tok-SECRET-predict-51c0"


def _active(emu: Emulator) -> Any:
    return next(d for d in emu.state.live_deployments() if d.status == "active")


def _watch(app: web.Application) -> list[tuple[str, str | None]]:
    """Record (path, Authorization) of every request an application receives."""
    seen: list[tuple[str, str | None]] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        seen.append((request.path, request.headers.get("Authorization")))
        return await handler(request)

    app.middlewares.append(record)
    return seen


async def test_the_token_reaches_only_the_api_and_the_reported_server() -> None:
    emu = Emulator(token=TOKEN, deployments=8)
    at_api, at_predictions = _watch(emu.app), _watch(emu.prediction_app)
    async with emu, fake_server() as elsewhere:
        elsewhere.serve(Reply(200, body=b'{"data": []}'))
        record = _active(emu)
        # a caller's object that names another server is not believed: the API is asked
        claimed = Deployment(
            id=record.id,
            default_prediction_server=DeploymentPredictionServer(
                url=elsewhere.url, datarobot_key="k"
            ),
        )
        async with AsyncDeploymentClient(emu.endpoint, TOKEN) as client:
            assert len(await client.predict(claimed, [{"loan_amnt": 1}])) == 1
            assert len(await client.predict(record.id, [{}])) == 1
            await client.get_service_stats(record.id)
            await client.fleet_health()
            for url in (
                f"{emu.prediction_url}/api/v2/status/1/",  # the prediction server's origin
                f"{elsewhere.url}/api/v2/status/1/",
            ):
                with pytest.raises(CrossOriginError):
                    await client.wait_for_job(url)
        assert elsewhere.seen == []
    assert {auth for _, auth in at_api} == {f"Bearer {TOKEN}"}
    assert (
        at_predictions
        == [(f"/predApi/v1.0/deployments/{record.id}/predictions", f"Bearer {TOKEN}")] * 2
    )


async def test_a_redirect_from_the_prediction_server_is_not_followed() -> None:
    emu = Emulator(token=TOKEN, deployments=8)
    async with fake_server() as elsewhere:

        @web.middleware
        async def redirect(request: web.Request, handler: Any) -> web.StreamResponse:
            return web.Response(status=307, headers={"Location": f"{elsewhere.url}/steal"})

        emu.prediction_app.middlewares.append(redirect)
        async with emu, AsyncDeploymentClient(emu.endpoint, TOKEN) as client:
            with pytest.raises(ResponseDecodeError):
                await client.predict(_active(emu).id, [{}])
        assert elsewhere.seen == []


async def test_the_api_names_the_server_and_only_its_origin_gets_the_token() -> None:
    async with fake_server() as api, fake_server() as server, fake_server() as elsewhere:
        dep = "5c6f7a9e9ca9b20017ff95a2"
        reported = {"url": f"{server.url}/base", "datarobot-key": "k"}
        body = json.dumps({"id": dep, "defaultPredictionServer": reported})
        api.serve(Reply(200, body=body.encode()))
        server.serve(Reply(200, body=b'{"data": [{"rowId": 0, "prediction": 1}]}'))
        async with AsyncDeploymentClient(api.endpoint, TOKEN) as client:
            [prediction] = await client.predict(dep, [{"x": 1}])
        assert prediction.prediction == 1
        [sent] = server.seen
        assert sent.path_qs == f"/base/predApi/v1.0/deployments/{dep}/predictions"
        assert (sent.headers["Authorization"], sent.headers["DataRobot-Key"]) == (
            f"Bearer {TOKEN}", "k",
        )  # fmt: skip
        assert elsewhere.seen == []

"""Where predictions go (the route read from the API), retries and refusals, on a mocked API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from yarl import URL

import aiodeploy
from aiodeploy import CrossOriginError, ServerError
from aiodeploy._transport import Transport
from tests.conftest import ENDPOINT, TOKEN

DEP = "5c6f7a9e9ca9b20017ff95a2"
SERVER = "https://eu.predictions.example"
KEY = "0f3a3a2e-key"
PREDICT_URL = f"{SERVER}/predApi/v1.0/deployments/{DEP}/predictions"
REPLY = {
    "data": [{"rowId": 0, "prediction": 1.5, "predictionValues": [{"label": "y", "value": 1.5}]}]
}


def _deployment(**fields: Any) -> dict[str, Any]:
    return {"id": DEP, "label": "d", **fields}


def _sent(mock_api: Any, method: str, url: str) -> list[Any]:
    return mock_api.requests.get((method, URL(url)), [])


async def test_dedicated_server_with_key(
    client: aiodeploy.AsyncDeploymentClient, mock_api: Any
) -> None:
    server = {"id": "s", "url": SERVER + "/", "datarobot-key": KEY}
    mock_api.get(
        f"{ENDPOINT}/deployments/{DEP}/", payload=_deployment(defaultPredictionServer=server)
    )
    mock_api.post(PREDICT_URL, payload=REPLY, repeat=True)
    for _ in range(2):
        [prediction] = await client.predict(DEP, [{"x": 1}])
        assert prediction.prediction == 1.5
    [first, _] = _sent(mock_api, "POST", PREDICT_URL)
    headers = first.kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert (headers["DataRobot-Key"], headers["Content-Type"]) == (KEY, "application/json")
    assert json.loads(first.kwargs["data"]) == [{"x": 1}]
    assert len(_sent(mock_api, "GET", f"{ENDPOINT}/deployments/{DEP}/")) == 1  # cached


async def test_serverless_deployments_predict_through_the_api(
    client: aiodeploy.AsyncDeploymentClient, mock_api: Any
) -> None:
    environment = {"id": "e", "platform": "datarobotServerless"}
    mock_api.get(
        f"{ENDPOINT}/deployments/{DEP}/",
        payload=_deployment(defaultPredictionServer=None, predictionEnvironment=environment),
    )
    url = f"{ENDPOINT}/deployments/{DEP}/predictions"
    mock_api.post(url, payload=REPLY)
    await client.predict(DEP, [{"x": 1}])
    [sent] = _sent(mock_api, "POST", url)
    assert "DataRobot-Key" not in sent.kwargs["headers"]


async def test_no_prediction_server_is_a_value_error(
    client: aiodeploy.AsyncDeploymentClient, mock_api: Any
) -> None:
    mock_api.get(f"{ENDPOINT}/deployments/{DEP}/", payload=_deployment())
    with pytest.raises(ValueError, match="no prediction server"):
        await client.predict(DEP, [{"x": 1}])


async def test_transient_failures_are_retried_and_errors_are_not(
    client: aiodeploy.AsyncDeploymentClient, mock_api: Any, clock: Any
) -> None:
    server = {"url": SERVER, "datarobot-key": KEY}
    mock_api.get(
        f"{ENDPOINT}/deployments/{DEP}/", payload=_deployment(defaultPredictionServer=server)
    )
    mock_api.post(PREDICT_URL, status=503, payload={"message": "busy"})
    mock_api.post(PREDICT_URL, payload=REPLY)
    assert len(await client.predict(DEP, [{"x": 1}])) == 1
    assert len(clock.sleeps) == 1  # one backoff, on the fake clock
    mock_api.post(PREDICT_URL, status=500, payload={"message": "model failed"})
    with pytest.raises(ServerError):
        await client.predict(DEP, [{"x": 1}])
    assert len(_sent(mock_api, "POST", PREDICT_URL)) == 3


def test_the_transport_admits_the_reported_server_and_nothing_else() -> None:
    transport = Transport(ENDPOINT, f"Bearer {TOKEN}")
    assert transport.url_for(PREDICT_URL, prediction_server=SERVER) == PREDICT_URL
    for url in (
        PREDICT_URL,  # not without the server the API reported
        "https://elsewhere.example/predApi/v1.0/deployments/x/predictions",
        "http://eu.predictions.example/predApi",  # another scheme is another origin
        "https://eu.predictions.example:8443/predApi",  # another port too
    ):
        prediction_server = None if url == PREDICT_URL else SERVER
        with pytest.raises(CrossOriginError):
            transport.url_for(url, prediction_server=prediction_server)
    assert transport.url_for("deployments/x/", prediction_server=SERVER) == (
        f"{ENDPOINT}/deployments/x/"
    )

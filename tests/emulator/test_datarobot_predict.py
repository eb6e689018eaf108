"""The ``datarobot-predict`` library, unchanged, predicts through the emulator.

It reads the deployment's prediction server (URL and ``DataRobot-Key``) with the official
client, posts the DataFrame as CSV to ``{url}/predApi/v1.0/deployments/{id}/predictions``
asking for CSV back, and reads the reply into a DataFrame.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import datarobot.client
import pytest
from datarobot.client import Client
from datarobot.models.deployment.deployment import Deployment

from aiodeploy.emulator import Emulator

from .helpers import TOKEN, active_deployment

pd = pytest.importorskip("pandas")
deployment_predict = pytest.importorskip("datarobot_predict.deployment")

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Using an empty collection for 'allowed_methods':FutureWarning"
    ),
    pytest.mark.filterwarnings("ignore:Client version is ahead of server version:UserWarning"),
]


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield
    deployment_predict.clear_context()
    datarobot.client._global_client = None


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, deployments=8) as emu:
        yield emu


@pytest.mark.parametrize(
    ("project", "columns"),
    [
        ("Loan defaults", ["is_bad_1_PREDICTION", "is_bad_0_PREDICTION", "is_bad_PREDICTION",
                           "THRESHOLD", "POSITIVE_CLASS"]),
        ("House prices", ["price_PREDICTION"]),
        ("Iris species", ["species_setosa_PREDICTION", "species_versicolor_PREDICTION",
                          "species_virginica_PREDICTION", "species_PREDICTION"]),
    ],
)  # fmt: skip
async def test_predict_a_dataframe(server: Emulator, project: str, columns: list[str]) -> None:
    record = active_deployment(server, project)
    model = server.state.catalog.model(record.model_id)
    assert model is not None
    frame = pd.DataFrame([dict.fromkeys(model.features)] * 3)
    frame.iloc[0] = [1.0 if kind == "Numeric" else "x" for kind in model.features.values()]

    def scenario() -> tuple[object, dict[str, str]]:
        Client(token=TOKEN, endpoint=server.endpoint)
        deployment = Deployment.get(record.id)
        result = deployment_predict.predict(deployment, frame)
        return result.dataframe, dict(result.response_headers)

    predicted, headers = await asyncio.to_thread(scenario)
    assert list(predicted.columns) == columns  # type: ignore[attr-defined]
    assert len(predicted) == 3  # type: ignore[arg-type]
    assert "X-DataRobot-Execution-Time" in headers
    served = server.state.monitoring.data.requests
    assert [(r.deployment_id, r.rows, r.status) for r in served] == [(record.id, 3, 200)]
